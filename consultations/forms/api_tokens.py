from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultations.forms.fields import SingleLineFieldsMixin
from consultations.models import ApiToken

LIFETIMES = [
    ("7", _("7 days")),
    ("30", _("30 days")),
    ("90", _("90 days")),
    ("365", _("1 year")),
]


class ApiTokenForm(SingleLineFieldsMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What will use it, e.g. “Our members' spreadsheet”."),
    )
    scope = forms.ChoiceField(
        label=_("Access"), choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ, widget=forms.RadioSelect
    )
    lifetime = forms.ChoiceField(label=_("Expires after"), choices=LIFETIMES, initial="90")

    def expires_at(self, now: dt.datetime | None = None) -> dt.datetime:
        return (now or timezone.now()) + dt.timedelta(days=int(self.cleaned_data["lifetime"]))
