from __future__ import annotations

import re
import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from consultations.forms.fields import ChapterChoiceField, SingleLineFieldsMixin
from consultations.models import Chapter, Confidentiality, Organisation, Position, PositionStatus, Round, Stance
from consultations.models.positions import CONTENT_FIELDS
from consultations.selectors.positions import PositionFilters
from consultations.selectors.rounds import round_list_taking_input, round_list_targetable
from consultations.services.errors import VersionRequired

HS_LINE = re.compile(r"^\d{4}(\.?\d{2}){0,3}$")


class HsLinesField(forms.CharField):
    """Tariff lines as typed by people: "8703.23, 870324" → ["8703.23", "870324"]."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list):
            return value
        text = super().to_python(value) or ""
        return [item.strip() for item in re.split(r"[,;\s]+", text) if item.strip()]

    def prepare_value(self, value: Any) -> str:
        if isinstance(value, list):
            return ", ".join(value)
        return value or ""

    def validate(self, value: list[str]) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        bad = [item for item in value if not HS_LINE.match(item)]
        if bad:
            raise forms.ValidationError(
                _("Not a tariff line: %(lines)s. Use HS codes of 4 to 10 digits, such as 8703.23 or 0702.00.01."),
                params={"lines": ", ".join(bad)},
                code="hs_line",
            )
        if len(value) > 50:
            raise forms.ValidationError(_("At most 50 tariff lines per position."), code="too_many")


class GroupedIntegerField(forms.IntegerField):
    """A whole number as people write amounts: "US$1,500,000,000", "120 000" and "1500000000" are all accepted.

    A text input (``inputmode="numeric"`` for phone keyboards): a number input would silently empty itself on the
    first comma. Values are shown grouped, as the detail page shows them.
    """

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
    SYMBOLS = re.compile(r"(?i)^\s*(us\$|usd|\$)\s*|[,\s\u00a0\u202f]")

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = self.SYMBOLS.sub("", value)
        return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            return f"{value:,}"
        return value


class PositionContentForm(SingleLineFieldsMixin, forms.ModelForm):
    """The content a delegate writes; shared by drafts and amendments."""

    hs_lines = HsLinesField(
        label=_("Affected HS tariff lines"),
        required=False,
        help_text=_("Separated by commas, e.g. 8703.23, 8708.29"),
    )
    exports_usd = GroupedIntegerField(
        label=_("Exports at stake (USD)"),
        required=False,
        min_value=0,
        max_value=9_223_372_036_854_775_807,
        help_text=_("Annual exports at stake, in US dollars (whole number), e.g. 1,500,000,000."),
    )
    jobs = GroupedIntegerField(label=_("Jobs at stake"), required=False, min_value=0, max_value=2_147_483_647)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Position
        fields = list(CONTENT_FIELDS)
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "body": forms.Textarea(attrs={"rows": 10}),
            "requested_outcome": forms.Textarea(attrs={"rows": 3}),
            "fallback_position": forms.Textarea(attrs={"rows": 3}),
            "stance": forms.RadioSelect,
            "confidentiality": forms.RadioSelect,
        }
        labels = {"is_red_flag": _("Red flag (foco rojo)")}
        help_texts = {
            "is_red_flag": _("Mark it when the issue is a “foco rojo” for your sector."),
            "confidentiality": _("Government only is the default. Shared positions are visible to the whole room."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        for name in ("title", "summary", "stance"):
            self.fields[name].required = True
        # Radio buttons need no empty "choose" entry.
        self.fields["stance"].choices = Stance.choices
        self.fields["confidentiality"].choices = Confidentiality.choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # Without the version the form was opened at, a save would silently overwrite someone else's change.
        if self.instance.pk and cleaned.get("version") is None and "version" not in self.errors:
            raise VersionRequired()
        return cleaned

    def content(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.cleaned_data}


class PositionDraftForm(PositionContentForm):
    chapter = ChapterChoiceField(label=_("Chapter"), queryset=Chapter.objects.all(), empty_label=_("Choose a chapter"))
    round = forms.ModelChoiceField(
        label=_("Target round"), queryset=Round.objects.none(), empty_label=_("Choose a round")
    )
    client_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    class Meta(PositionContentForm.Meta):
        fields = ["chapter", "round", *PositionContentForm.Meta.fields]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each field validates itself inline; its message container is always on the page, so point at it.
        for name, field in self.fields.items():
            if not field.widget.is_hidden and not isinstance(field.widget, forms.RadioSelect):
                described = [f"id_{name}_helptext"] if field.help_text else []
                field.widget.attrs["aria-describedby"] = " ".join([*described, f"id_{name}_errors"])
        rounds = round_list_targetable()
        if self.instance.pk and self.instance.round_id:
            rounds = rounds | Round.objects.filter(pk=self.instance.round_id)
        self.fields["round"].queryset = rounds
        if not self.instance.pk:
            self.fields["client_token"].initial = uuid.uuid4()

    def content(self) -> dict[str, Any]:
        data = super().content()
        data["chapter"] = self.cleaned_data["chapter"]
        data["round"] = self.cleaned_data["round"]
        return data


class AmendForm(PositionContentForm):
    reason = forms.CharField(
        label=_("What changed and why"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta(PositionContentForm.Meta):
        pass


class PositionFilterForm(forms.Form):
    round = forms.ModelChoiceField(
        label=_("Round"),
        queryset=round_list_taking_input(),
        required=False,
        empty_label=_("All"),
    )
    chapter = ChapterChoiceField(
        label=_("Chapter"), queryset=Chapter.objects.all(), required=False, empty_label=_("All")
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All"))] + list(PositionStatus.choices), required=False
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    signoff = forms.BooleanField(label=_("Awaiting my sign-off"), required=False)

    def __init__(self, *args: Any, coordinator: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not coordinator:
            # Only a coordinator signs off; nobody else is offered a filter that could only ever be empty.
            del self.fields["signoff"]

    def filters(self) -> PositionFilters:
        """The one reading of the filters that the list, its CSV/XLSX export and the export job all use (no
        filter at all when the form is invalid)."""
        if not self.is_valid():
            return PositionFilters()
        data = self.cleaned_data
        return PositionFilters(
            round_id=data["round"].pk if data["round"] else None,
            chapter_id=data["chapter"].pk if data["chapter"] else None,
            status=data["status"] or None,
            query=data["q"],
            awaiting_my_signoff=bool(data.get("signoff")),
        )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Attach a file"), allow_empty_file=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built per form, in the language of the request.
        self.fields["file"].help_text = _(
            "PDF, DOCX, XLSX, CSV, PNG or JPEG; up to %(size)s each, %(count)d per position."
        ) % {"size": filesizeformat(settings.ATTACHMENT_MAX_BYTES), "count": settings.ATTACHMENTS_PER_POSITION}


class CoSignInviteForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), empty_label=_("Choose an organisation")
    )

    def __init__(self, *args: Any, position: Position, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        invited = position.cosignatures.values_list("organisation_id", flat=True)
        self.fields["organisation"].queryset = (
            Organisation.objects.filter(is_active=True).exclude(pk=position.organisation_id).exclude(pk__in=invited)
        )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
