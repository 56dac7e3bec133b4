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
