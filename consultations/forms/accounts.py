from __future__ import annotations

from typing import Any

from allauth.account.forms import ChangePasswordForm
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm, AdminPasswordChangeForm
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from consultations.forms.fields import SingleLineFieldsMixin, time_zone_choices
from consultations.models import Chapter, Invitation, OfficialProfile, User
from consultations.services.signin_throttle import SigninThrottled, password_attempt


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


class FollowedChaptersForm(forms.Form):
    chapters = forms.ModelMultipleChoiceField(
        label=_("Chapters we follow"),
        queryset=Chapter.objects.order_by("number"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Briefings and room questions of these chapters reach every member of the organisation."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chapters"].label_from_instance = lambda chapter: f"{chapter.number}. {chapter.title}"


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=User.Language.choices)
    # Optional so the language switcher in the header can post the language alone.
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices, required=False)


# Password forms: every check of a password goes through the sign-in throttle (services.signin_throttle).


def throttled_error(throttled: SigninThrottled) -> ValidationError:
    seconds = throttled.retry_after
    if seconds < 120:
        message = ngettext(
            "Too many failed attempts for this account from your connection. Try again in %(count)d second.",
            "Too many failed attempts for this account from your connection. Try again in %(count)d seconds.",
            seconds,
        ) % {"count": seconds}
    else:
        minutes = -(-seconds // 60)
        message = ngettext(
            "Too many failed attempts for this account from your connection. Try again in %(count)d minute.",
            "Too many failed attempts for this account from your connection. Try again in %(count)d minutes.",
            minutes,
        ) % {"count": minutes}
    return ValidationError(message, code="throttled")


def _old_password_ok(user: User, password: str) -> bool:
    try:
        return password_attempt(login=user.email, verify=lambda: user.check_password(password))
    except SigninThrottled as throttled:
        raise throttled_error(throttled) from None


class ThrottledChangePasswordForm(ChangePasswordForm):
    """allauth's password change (ACCOUNT_FORMS): the current password is a guess like any other."""

    def clean_oldpassword(self) -> str:
        from allauth.account.adapter import get_adapter

        password = self.cleaned_data.get("oldpassword", "")
        if not _old_password_ok(self.user, password):
            raise get_adapter().validation_error("enter_current_password")
        return password


class ThrottledAdminPasswordChangeForm(AdminPasswordChangeForm):
    """The Django admin's own password change."""

    def clean_old_password(self) -> str:
        password = self.cleaned_data["old_password"]
        if not _old_password_ok(self.user, password):
            raise ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return password


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The Django admin's sign-in, under the same throttle as /accounts/login/."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = password_attempt(
                    login=username, verify=lambda: authenticate(self.request, username=username, password=password)
                )
            except SigninThrottled as throttled:
                raise throttled_error(throttled) from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

    def confirm_login_allowed(self, user: Any) -> None:
        """This form asks no second-factor code: whoever has a second factor signs in on the site's sign-in page,
        which asks for it (and then comes back to the admin)."""
        from consultations.selectors.mfa import user_has_second_factor

        super().confirm_login_allowed(user)
        if user_has_second_factor(user):
            raise ValidationError(
                _("Your account signs in with a code from your authenticator app: use the site's sign-in page."),
                code="second_factor",
            )
