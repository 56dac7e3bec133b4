"""allauth.mfa's code forms under the sign-in throttle.

allauth counts wrong codes with its "login_failed" limit, which this site turns off (see ACCOUNT_RATE_LIMITS in the
settings): without this, a six-digit code could be guessed without limit once the password is known. Wrong codes
go through the same (account, address) back-off as wrong passwords, kept apart from them.
"""

from __future__ import annotations

from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from django import forms
from django.utils.translation import gettext_lazy as _

from consultations.forms.accounts import throttled_error
from consultations.services.signin_throttle import SigninThrottled, password_attempt


class _ThrottledCode:
    user: object
    cleaned_data: dict

    def clean_code(self) -> str:
        failure: list[forms.ValidationError] = []

        def verify() -> str:
            try:
                return super(_ThrottledCode, self).clean_code()  # type: ignore[misc]
            except forms.ValidationError as error:
                failure.append(error)
                return ""

        try:
            code = password_attempt(login=f"second-factor:{self.user.email}", verify=verify)  # type: ignore[attr-defined]
        except SigninThrottled as throttled:
            raise throttled_error(throttled) from None
        if failure:
            raise failure[0]
        return code


class ThrottledAuthenticateForm(_ThrottledCode, AuthenticateForm):
    pass


class ThrottledReauthenticateForm(_ThrottledCode, ReauthenticateForm):
    pass


class OrganisationSecondFactorForm(forms.Form):
    required = forms.BooleanField(
        label=_("Every member signs in in two steps"),
        required=False,
        help_text=_(
            "Members then sign in with their password and a code from an authenticator app on their phone. Members "
            "who have not set one up are asked to do so on their next visit."
        ),
    )


class MFAResetForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have confirmed this person's identity by another channel (a call, in person)."), required=True
    )
