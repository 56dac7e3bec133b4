from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from consultations.forms.rounds import DateInput
from consultations.models import Organisation
from consultations.selectors.audit import AuditFilters


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Actor (e-mail)"), required=False, max_length=254)
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none(), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    target_type = forms.ChoiceField(label=_("Object type"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=DateInput)
    until = forms.DateField(label=_("To"), required=False, widget=DateInput)

    def __init__(self, *args: Any, actions: list[str], target_types: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.order_by("name")
        self.fields["organisation"].empty_label = _("All organisations")
        self.fields["action"].choices = [("", _("All actions")), *((action, action) for action in actions)]
        self.fields["target_type"].choices = [("", _("All object types")), *((kind, kind) for kind in target_types)]

    def filters(self) -> AuditFilters:
        """The valid filters; an invalid one (an action no longer recorded) is left out alone."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        organisation = data.get("organisation")
        return AuditFilters(
            actor=data.get("actor") or "",
            organisation_id=organisation.pk if organisation else None,
            action=data.get("action") or "",
            target_type=data.get("target_type") or "",
            since=data.get("since"),
            until=data.get("until"),
        )
