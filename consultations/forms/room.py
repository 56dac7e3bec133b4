"""Forms of the room: briefings, questions to the room and the organisations' answers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from consultations.forms.fields import ChapterChoiceField, SingleLineFieldsMixin
from consultations.models import Chapter, Round, User
from consultations.models.room import ANSWER_TEXT_MAX, BRIEFING_BODY_MAX, BRIEFING_TITLE_MAX, QUESTION_TEXT_MAX
from consultations.selectors.room import (
    briefing_chapter_list_for,
    question_chapter_list_for,
    room_chapter_list_for,
    room_round_current,
    room_round_list,
)


class RoomFilterForm(forms.Form):
    """The chapter (and round) filters of the briefing and question lists, limited to the user's rooms."""

    chapter = ChapterChoiceField(label=_("Chapter"), queryset=Chapter.objects.none(), required=False)
    round = forms.ModelChoiceField(label=_("Round"), queryset=Round.objects.none(), required=False)

    def __init__(self, *args: Any, user: User, with_round: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chapter"].queryset = room_chapter_list_for(user=user)
        self.fields["chapter"].empty_label = _("All my chapters")
        if with_round:
            self.fields["round"].queryset = room_round_list()
            self.fields["round"].empty_label = _("All rounds")
        else:
            del self.fields["round"]

    def value(self, name: str) -> int | None:
        if not self.is_valid() or name not in self.cleaned_data or self.cleaned_data[name] is None:
            return None
        return self.cleaned_data[name].pk


class BriefingForm(SingleLineFieldsMixin, forms.Form):
    chapter = ChapterChoiceField(label=_("Chapter"), queryset=Chapter.objects.none(), empty_label=_("Choose a chapter"))
    round = forms.ModelChoiceField(label=_("Round"), queryset=Round.objects.none(), empty_label=_("Choose a round"))
    format = forms.ChoiceField(
        label=_("Session format"),
        choices=[("", _("The round's format")), *Round.Format.choices],
        required=False,
        help_text=_("Trilateral, or a bilateral session (Mexico–United States, Mexico–Canada)."),
    )
    title = forms.CharField(label=_("Title"), max_length=BRIEFING_TITLE_MAX)
    body_markdown = forms.CharField(
        label=_("Readout"),
        max_length=BRIEFING_BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_(
            "Markdown: **bold**, *italics*, lists with “-”, headings with “#”, links as [text](https://…), "
            "tables. HTML and images are left out."
        ),
    )

    def __init__(self, *args: Any, user: User, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            # The chapter and round of a posted briefing stay: its room has read it there.
            del self.fields["chapter"]
            del self.fields["round"]
            return
        self.fields["chapter"].queryset = briefing_chapter_list_for(user=user)
        self.fields["round"].queryset = room_round_list()
        if not self.is_bound and "round" not in self.initial:
            current = room_round_current()
            self.initial["round"] = current.pk if current else None


class RoomQuestionForm(forms.Form):
    chapter = ChapterChoiceField(label=_("Chapter"), queryset=Chapter.objects.none(), empty_label=_("Choose a chapter"))
    round = forms.ModelChoiceField(label=_("Round"), queryset=Round.objects.none(), empty_label=_("Choose a round"))
    text = forms.CharField(
        label=_("Question to the room"), max_length=QUESTION_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 5})
    )
    response_deadline = forms.DateTimeField(
        label=_("Answers due by"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("In your time zone. Organisations can answer and change their answer until then."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chapter"].queryset = question_chapter_list_for(user=user)
        self.fields["round"].queryset = room_round_list()
        if not self.is_bound and "round" not in self.initial:
            current = room_round_current()
            self.initial["round"] = current.pk if current else None


class RoomAnswerForm(forms.Form):
    text = forms.CharField(
        label=_("Your organisation's answer"),
        max_length=ANSWER_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One answer per organisation: any delegate of it can change it until the deadline."),
    )
