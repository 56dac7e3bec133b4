from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from consultations.forms.fields import SingleLineFieldsMixin, time_zone_choices
from consultations.models import Invitation, OfficialProfile, User


class InvitationAcceptForm(SingleLineFieldsMixin, forms.Form):
    """A new account from an invitation: a name and a password, typed twice."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, invitation: Invitation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.fields["full_name"].widget.attrs["autocomplete"] = "name"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords do not match."))
        elif password1:
            candidate = User(email=self.invitation.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    @property
    def password(self) -> str:
        return self.cleaned_data["password1"]


class InvitationAcceptExistingForm(forms.Form):
    """An invitation for an address that already has an account: its current password proves who accepts."""

    password1 = forms.CharField(
        label=_("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, invitation: Invitation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invitation = invitation

    @property
    def password(self) -> str:
        return self.cleaned_data["password1"]


class MemberInviteForm(SingleLineFieldsMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (Invitation.Role.DELEGATE.value, Invitation.Role.DELEGATE.label),
            (Invitation.Role.COORDINATOR.value, Invitation.Role.COORDINATOR.label),
        ],
        initial=Invitation.Role.DELEGATE,
    )


class OfficialInviteForm(SingleLineFieldsMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    ministry = forms.ChoiceField(label=_("Ministry"), choices=OfficialProfile.Ministry.choices)


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=User.Language.choices)
    # Optional so the language switcher in the header can post the language alone.
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices, required=False)
