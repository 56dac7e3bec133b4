"""Forms of the state of play: the chapter's status, open issues and their status, the board's format filter."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultations.forms.fields import SingleLineFieldsMixin
from consultations.models import Chapter, ChapterStatus, OpenIssue, Party, Position, PositionStatus, Round, User
from consultations.models.state_of_play import ISSUE_TEXT_MAX, NOTE_MAX
from consultations.selectors.rounds import round_current
from consultations.selectors.state_of_play import state_of_play_rounds
from consultations.selectors.triage import triage_scope


class BoardFilterForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Round format"),
        choices=[("", _("All formats")), *Round.Format.choices],
        required=False,
    )


class RoundField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Round) -> str:
        return f"{obj.label} ({obj.get_format_display()})"


def _default_round(rounds: list[Round]) -> int | None:
    """The current round, else the latest that has started, else the first."""
    current = round_current(rounds=rounds, now=timezone.now())
    if current is not None:
        return current.pk
    past = [r for r in rounds if r.starts_on <= timezone.now().date()]
    return (past[-1] if past else rounds[0]).pk if rounds else None


class ChapterStatusForm(forms.Form):
    round = RoundField(label=_("Round"), queryset=Round.objects.none(), empty_label=_("Choose a round"))
    status = forms.ChoiceField(label=_("Status"), choices=ChapterStatus.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Government only, like the whole state of play."),
    )
    reason = forms.CharField(
        label=_("Reason for reopening"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the chapter is closed and you move it back."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rounds = state_of_play_rounds()
        self.fields["round"].queryset = rounds
        if not self.is_bound and "round" not in self.initial:
            self.initial["round"] = _default_round(list(rounds))


def position_choices(*, user: User, chapter: Chapter) -> Any:
    """The positions an open issue may relate to: the chapter's filed ones that the user triages, red lines first."""
    return (
        triage_scope(user=user)
        .filter(chapter=chapter)
        .exclude(status__in=(PositionStatus.WITHDRAWN, PositionStatus.MERGED))
        .select_related("organisation")
        .order_by("priority_rank", "-is_red_flag", "title", "id")
    )


class PositionField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Position) -> str:
        red = " · " + str(_("red line")) if obj.priority == "red_line" or obj.is_red_flag else ""
        return f"{obj.title} — {obj.organisation}{red}"


class OpenIssueForm(SingleLineFieldsMixin, forms.Form):
    text = forms.CharField(
        label=_("Open issue"),
        max_length=ISSUE_TEXT_MAX,
        help_text=_("One line, e.g. “regional value content 75 % vs 85 %”."),
    )
    parties = forms.MultipleChoiceField(label=_("Held by"), choices=Party.choices, widget=forms.CheckboxSelectMultiple)
    round = RoundField(label=_("Round discussed"), queryset=Round.objects.none(), empty_label=_("Choose a round"))
    format = forms.ChoiceField(label=_("Discussed in"), choices=Round.Format.choices, initial=Round.Format.TRILATERAL)
    positions = PositionField(
        label=_("Related positions and red lines"),
        queryset=Position.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Note"), max_length=NOTE_MAX, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    status = forms.ChoiceField(label=_("Status"), choices=OpenIssue.Status.choices, widget=forms.RadioSelect)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: User, chapter: Chapter, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rounds = state_of_play_rounds()
        self.fields["round"].queryset = rounds
        self.fields["positions"].queryset = position_choices(user=user, chapter=chapter)
        if not self.is_bound and "round" not in self.initial:
            self.initial["round"] = _default_round(list(rounds))
        if not editing:
            del self.fields["status"]
            del self.fields["version"]


class IssueStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=OpenIssue.Status.choices, widget=forms.RadioSelect)
    round = RoundField(label=_("Round"), queryset=Round.objects.none(), empty_label=_("Choose a round"))
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Leave empty to keep the current note."),
    )
    confirm = forms.BooleanField(label=_("Yes, drop this issue"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = state_of_play_rounds()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("status") == OpenIssue.Status.DROPPED and not data.get("confirm"):
            self.add_error(
                "confirm", _("Dropping takes the issue off the board. Tick the box to confirm that it is meant.")
            )
        return data
