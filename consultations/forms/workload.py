"""The coordinator's rebalance form: move selected open assignments of one official to another."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from consultations.forms.fields import parse_id
from consultations.models import User
from consultations.selectors.triage import officials_for_user


class OfficialChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return str(obj)


class RebalanceForm(forms.Form):
    """``ids`` are the checkboxes of the page's rows; the view keeps those still assigned to the official."""

    assignee = OfficialChoiceField(
        label=_("Move the selected positions to"),
        queryset=User.objects.none(),
        empty_label=_("Choose an official"),
        error_messages={"required": _("Choose the official who takes the selected positions.")},
    )

    def __init__(self, *args: Any, user: User, official: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = officials_for_user(user=user).exclude(pk=official.pk)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        data["ids"] = sorted({pk for pk in map(parse_id, raw) if pk is not None})
        if not data["ids"]:
            raise forms.ValidationError(_("Select at least one position."), code="empty")
        return data
