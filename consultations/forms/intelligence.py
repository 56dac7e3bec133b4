"""Forms of the "Cuarto de Inteligencia": a note, its attachments and the list's filters."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from consultations.forms.fields import ChapterChoiceField, SingleLineFieldsMixin, single_line
from consultations.forms.positions import HsLinesField
from consultations.models import Chapter, Round, User
from consultations.models.intelligence import NOTE_BODY_MAX, NOTE_TITLE_MAX
from consultations.selectors.intelligence import intelligence_chapter_list_for
from consultations.selectors.room import room_round_list


class CommaListField(forms.CharField):
    """Several short values typed on one line, separated by commas: kept as a list, each on one line."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list):
            return value
        text = super().to_python(value) or ""
        return [item for item in (single_line(part) for part in text.split(",")) if item]

    def prepare_value(self, value: Any) -> str:
        return ", ".join(value) if isinstance(value, list) else (value or "")

    def validate(self, value: list[str]) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")


class PositionNumbersField(forms.CharField):
    """Positions by their numbers, as shown on their pages: "12, 40" → [12, 40]."""

    def to_python(self, value: Any) -> list[int]:  # type: ignore[override]
        if isinstance(value, list):
            return value
        text = super().to_python(value) or ""
        items = [item for item in re.split(r"[,;\s]+", text.replace("#", " ")) if item]
        bad = [item for item in items if not item.isdecimal() or len(item) > 12]
        if bad:
            raise forms.ValidationError(
                _("Not a position number: %(items)s. Write the numbers separated by commas, such as 12, 40."),
                params={"items": ", ".join(bad[:5])},
                code="position_number",
            )
        return [int(item) for item in items]

    def prepare_value(self, value: Any) -> str:
        return ", ".join(str(pk) for pk in value) if isinstance(value, list) else (value or "")

    def validate(self, value: list[int]) -> None:
        return None


class IntelligenceNoteForm(SingleLineFieldsMixin, forms.Form):
    chapter = ChapterChoiceField(label=_("Chapter"), queryset=Chapter.objects.none(), empty_label=_("Choose a chapter"))
    title = forms.CharField(label=_("Title"), max_length=NOTE_TITLE_MAX)
    body_markdown = forms.CharField(
        label=_("Analysis"),
        max_length=NOTE_BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_(
            "Markdown: **bold**, *italics*, lists with “-”, headings with “#”, links as [text](https://…), "
            "tables. HTML and images are left out."
        ),
    )
    tags = CommaListField(label=_("Tags"), required=False, help_text=_("Separated by commas, e.g. steel, quotas"))
    rounds = forms.ModelMultipleChoiceField(
        label=_("Rounds it concerns"),
        queryset=Round.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    position_ids = PositionNumbersField(
        label=_("Related positions"),
        required=False,
        help_text=_("Position numbers of this chapter, separated by commas, e.g. 12, 40"),
    )
    hs_lines = HsLinesField(
        label=_("HS tariff lines"), required=False, help_text=_("Separated by commas, e.g. 7208.10, 7210")
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: User, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rounds"].queryset = room_round_list()
        if editing:
            # A note stays in its chapter: its readers are that chapter's government side.
            del self.fields["chapter"]
        else:
            del self.fields["version"]
            self.fields["chapter"].queryset = intelligence_chapter_list_for(user=user, writing=True)


class IntelligenceFilterForm(forms.Form):
    chapter = ChapterChoiceField(label=_("Chapter"), queryset=Chapter.objects.none(), required=False)
    round = forms.ModelChoiceField(label=_("Round"), queryset=Round.objects.none(), required=False)
    tag = forms.ChoiceField(label=_("Tag"), required=False)

    def __init__(self, *args: Any, user: User, tags: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chapter"].queryset = intelligence_chapter_list_for(user=user)
        self.fields["chapter"].empty_label = _("All my chapters")
        self.fields["round"].queryset = room_round_list()
        self.fields["round"].empty_label = _("All rounds")
        self.fields["tag"].choices = [("", _("All tags")), *((tag, tag) for tag in tags)]

    def value(self, name: str) -> Any:
        """A filter's value, or None; a filter that is not valid (a tag no longer used) is left out alone."""
        self.is_valid()
        value = getattr(self, "cleaned_data", {}).get(name)
        return getattr(value, "pk", value) or None


class IntelligenceAttachmentForm(forms.Form):
    file = forms.FileField(label=_("Attach a file"), allow_empty_file=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "PDF, DOCX, XLSX, CSV, PNG or JPEG; up to %(size)s each, %(count)d per note."
        ) % {
            "size": filesizeformat(settings.ATTACHMENT_MAX_BYTES),
            "count": settings.ATTACHMENTS_PER_POSITION,
        }
