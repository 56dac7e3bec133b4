from __future__ import annotations

import ipaddress
import zoneinfo
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR unless settings trust a proxy's header (ALLAUTH_TRUSTED_PROXY_COUNT,
    ALLAUTH_TRUSTED_CLIENT_IP_HEADER), read as allauth reads it; ``None`` when there is none."""
    from allauth.account.adapter import get_adapter

    try:
        address = get_adapter().get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):
        # The trusted header is missing or shorter than configured: the request did not come through the proxy.
        address = request.META.get("REMOTE_ADDR") or ""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


class RequestTimeMiddleware:
    """Note when the request arrived (``request.received_at``), before anything that could make it wait."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from consultations import clock

        request.received_at = timezone.now()
        token = clock.received_at.set(request.received_at)
        try:
            return self.get_response(request)
        finally:
            clock.received_at.reset(token)


class UserPreferencesMiddleware:
    """Activate the signed-in user's language and time zone (Spanish and America/Mexico_City by default)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class AuditContextMiddleware:
    """Make the client's address and user agent available to audit events recorded while serving the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from consultations.models import AuditEvent
        from consultations.services.audit import current_channel, current_ip, current_user_agent

        token = current_ip.set(client_ip(request))
        agent_length = AuditEvent._meta.get_field("user_agent").max_length
        agent = current_user_agent.set(request.META.get("HTTP_USER_AGENT", "")[:agent_length])
        channel = current_channel.set({})
        try:
            return self.get_response(request)
        finally:
            current_channel.reset(channel)
            current_user_agent.reset(agent)
            current_ip.reset(token)


class PrivateCacheMiddleware:
    """Nothing served to a signed-in user is stored by a browser or a shared cache: pages, htmx partials,
    attachments and exports carry ``Cache-Control: private, no-store``. A proxy or a shared computer must not keep
    a copy of a confidential position after the session ends."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response.headers.pop("Cache-Control", None)
            patch_cache_control(response, private=True, no_store=True)
        return response


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect a browser follows whether the request came from htmx (HX-Redirect) or not."""
    from django.shortcuts import redirect

    if getattr(request, "htmx", False):
        response = HttpResponse(status=200)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


class StaffIdleTimeoutMiddleware:
    """Sign staff out after ``STAFF_IDLE_TIMEOUT`` seconds without a request, and tell them why on the sign-in page.

    The time of the last request is kept in the session: noted at sign-in (``staff_activity_start``), then rewritten
    at most every ``RESOLUTION`` seconds, so staff pages do not write the session on every request (and a page's
    query count does not depend on how long ago the last write was, within that span). Staff are therefore signed
    out after between ``STAFF_IDLE_TIMEOUT - RESOLUTION`` and ``STAFF_IDLE_TIMEOUT`` idle seconds."""

    SESSION_KEY = "staff_seen_at"
    RESOLUTION = 5 * 60

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.contrib import messages
        from django.contrib.auth import logout
        from django.urls import reverse
        from django.utils.http import urlencode
        from django.utils.translation import gettext

        from consultations.selectors.mfa import user_second_factor_status

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user_second_factor_status(user).is_staff:
            return self.get_response(request)
        now = int(timezone.now().timestamp())
        seen = request.session.get(self.SESSION_KEY)
        if seen is None or now - int(seen) >= min(self.RESOLUTION, settings.STAFF_IDLE_TIMEOUT // 2):
            if seen is not None and now - int(seen) > settings.STAFF_IDLE_TIMEOUT:
                logout(request)
                messages.warning(
                    request,
                    gettext("You were signed out after %(minutes)d minutes without activity. Please sign in again.")
                    % {"minutes": settings.STAFF_IDLE_TIMEOUT // 60},
                )
                url = reverse("account_login")
                if request.method == "GET" and not getattr(request, "htmx", False):
                    url += "?" + urlencode({"next": request.get_full_path()})
                return _redirect(request, url)
            request.session[self.SESSION_KEY] = now
        return self.get_response(request)


def staff_activity_start(sender: object, request: HttpRequest | None, user: object, **kwargs: object) -> None:
    """At sign-in (``user_logged_in``), the session's activity starts now: saved with the sign-in itself."""
    session = getattr(request, "session", None)
    if session is not None:
        session[StaffIdleTimeoutMiddleware.SESSION_KEY] = int(timezone.now().timestamp())


class SecondFactorRequiredMiddleware:
    """Whoever must sign in with a second factor (staff; members of an organisation that requires it) and has none
    is sent to set up an authenticator app, from any page but that set-up itself, signing out, the language and the
    static files."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @staticmethod
    def _allowed(path: str) -> bool:
        from django.conf import settings
        from django.urls import reverse

        allowed = (
            reverse("mfa_index"),  # the set-up, recovery codes, and the code asked at sign-in
            reverse("account_logout"),
            reverse("account_reauthenticate"),
            reverse("set_language"),
            reverse("consultations:preferences"),  # the header's language switcher, for signed-in users
            settings.STATIC_URL,
        )
        return path.startswith(allowed)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.contrib import messages
        from django.urls import reverse
        from django.utils.translation import gettext

        from consultations.selectors.mfa import user_second_factor_status

        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or self._allowed(request.path_info)
            or not user_second_factor_status(user).missing
        ):
            return self.get_response(request)
        messages.info(
            request,
            gettext("Your account must sign in in two steps. Set up an authenticator app to continue."),
            fail_silently=True,
        )
        return _redirect(request, reverse("mfa_activate_totp"))
