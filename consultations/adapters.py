from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created from invitations only: there is no public sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def login(self, request: HttpRequest, user: Any) -> None:
        """From the moment of sign-in the user's own language speaks, not the browser's: the "signed in" message
        and everything after it."""
        super().login(request, user)
        language = getattr(user, "language", "") or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language

    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse:
        from allauth.account.internal.flows.login import record_authentication

        from consultations.views.helpers import remember_language

        # A sign-in just completed (password, and the code when there is one) is as fresh a proof as allauth's
        # "confirm it is you" page: staff sent to set up their app at first sign-in are not asked the password
        # twice. The usual re-authentication window (ACCOUNT_REAUTHENTICATION_TIMEOUT) applies from here.
        record_authentication(request, user, "login", reauthenticated=True)
        return remember_language(super().post_login(request, user, **kwargs), request.LANGUAGE_CODE)

    # Sign-in throttle ------------------------------------------------------------------------------------------
    def authenticate(self, request: HttpRequest, **credentials: Any) -> Any:
        """Sign-in and re-authentication: one password check under the (account, address) throttle."""
        from consultations.forms.accounts import throttled_error
        from consultations.services.signin_throttle import SigninThrottled, password_attempt

        login = credentials.get("email") or credentials.get("username") or ""
        try:
            return password_attempt(
                login=login, verify=lambda: super(AccountAdapter, self).authenticate(request, **credentials)
            )
        except SigninThrottled as throttled:
            raise throttled_error(throttled) from None

    def set_password(self, user: Any, password: str) -> None:
        """A new password set through allauth (a reset link, a change): past failures from here no longer count."""
        from consultations.services.signin_throttle import signin_forget

        super().set_password(user, password)
        signin_forget(login=user.email)
