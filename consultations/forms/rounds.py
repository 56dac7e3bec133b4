"""Forms of the round-management pages. Times are typed in the host city's time; the services store them in UTC."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zoneinfo
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from consultations.forms.fields import SingleLineFieldsMixin, time_zone_choices
from consultations.models import Round

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
SCHEDULE_FIELDS = ("input_opens_at", "submission_deadline", "digest_at")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=DATETIME_LOCAL)


class HostDateTimeField(forms.DateTimeField):
    """A wall-clock time with no zone: the form attaches the round's host time zone, not the user's."""

    widget = DateTimeLocalInput

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value
        try:
            result = parse_datetime(str(value).strip())
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if result is None:
            result = forms.fields.BaseTemporalField.to_python(self, value)
        return result

    def prepare_value(self, value: Any) -> Any:
        # Initial values are already naive host times (RoundForm.initial_for); never shift them to the user's zone.
        return value


class RoundForm(SingleLineFieldsMixin, forms.Form):
    label = forms.CharField(
        label=_("Label in Spanish"), max_length=150, help_text=_("For example «Ronda 3» or «Ronda permanente».")
    )
    label_en = forms.CharField(
        label=_("Label in English"),
        max_length=150,
        required=False,
        help_text=_("For example «Round 3». Left empty, English pages show the Spanish label."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Round.Kind.choices, initial=Round.Kind.FORMAL)
    format = forms.ChoiceField(label=_("Format"), choices=Round.Format.choices, initial=Round.Format.TRILATERAL)
    city = forms.CharField(label=_("City"), max_length=120, required=False)
    country = forms.CharField(
        label=_("Country"), max_length=2, required=False, help_text=_("Two-letter ISO 3166 code, e.g. MX, US or CA.")
    )
    time_zone = forms.ChoiceField(
        label=_("Host time zone"),
        choices=time_zone_choices,
        initial="America/Mexico_City",
        help_text=_("The host city's time zone: the times below are read in it."),
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput)
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput)
    takes_positions = forms.BooleanField(
        label=_("Call for positions: delegates file positions for this round"),
        required=False,
        initial=True,
        help_text=_("Leave unticked for a meeting or milestone without a call for positions."),
    )
    input_opens_at = HostDateTimeField(
        label=_("Input opens at"),
        required=False,
        help_text=_(
            "In the host city's time zone. Leave blank for 30 days before the start, or when the previous round's "
            "input closes if that is later; you will see the result before saving."
        ),
    )
    submission_deadline = HostDateTimeField(
        label=_("Submission deadline"),
        required=False,
        help_text=_("In the host city's time zone. Leave blank for 7 days before the start at 18:00."),
    )
    digest_at = HostDateTimeField(
        label=_("Pre-round digest"),
        required=False,
        help_text=_("In the host city's time zone. Leave blank for 3 days before the start at 08:00."),
    )
    early_digest = forms.BooleanField(
        label=_("Send the digest before the submission deadline anyway"),
        required=False,
        help_text=_("Positions filed after the digest goes out will not be in it."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    # The fingerprint of the values the admin saw summarised; saving needs it to match what is sent now.
    previewed = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].widget.attrs.update({"autocapitalize": "characters", "size": 3})

    def fingerprint(self) -> str:
        """A digest of the values as cleaned: the same form data gives the same fingerprint."""
        values = {name: str(value) for name, value in self.cleaned_data.items() if name != "previewed"}
        return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:32]

    def is_confirmed(self) -> bool:
        """The admin saw the summary of exactly these values and confirmed them."""
        return self.cleaned_data.get("previewed") == self.fingerprint()

    @staticmethod
    def initial_for(round: Round) -> dict[str, Any]:
        """A round's values as the form shows them: times as wall-clock times of the host city."""
        tz = round.tz
        initial: dict[str, Any] = {
            name: getattr(round, name)
            for name in (
                "label",
                "label_en",
                "kind",
                "format",
                "city",
                "country",
                "time_zone",
                "starts_on",
                "ends_on",
                "notes",
            )
        }
        for name in SCHEDULE_FIELDS:
            value = getattr(round, name)
            initial[name] = value.astimezone(tz).strftime(DATETIME_LOCAL) if value else None
        initial["takes_positions"] = round.submission_deadline is not None
        return initial

    def service_data(self) -> dict[str, Any]:
        """The cleaned values with the host time zone attached to the times (the service stores them in UTC)."""
        data = dict(self.cleaned_data)
        tz = zoneinfo.ZoneInfo(data["time_zone"])
        for name in SCHEDULE_FIELDS:
            value = data.get(name)
            if value is not None and value.tzinfo is None:
                data[name] = value.replace(tzinfo=tz)
        return data


class RoundCloneForm(SingleLineFieldsMixin, forms.Form):
    starts_on = forms.DateField(
        label=_("New start date"),
        widget=DateInput,
        help_text=_("The end date, deadline, digest and opening keep the same distance from the start."),
    )
    label = forms.CharField(label=_("Label of the new round in Spanish"), max_length=150, required=False)
    label_en = forms.CharField(label=_("Label of the new round in English"), max_length=150, required=False)


class RoundCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the audit record."),
    )
