"""Bearer-token authentication, with the per-token rate limit and the request size limit.

The token carries exactly its user's permissions: every operation passes ``request.auth.user`` to the same
selectors, rules and services as the pages. The request is marked as coming through the API for the audit trail.
"""

from __future__ import annotations

import time
import zoneinfo

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from consultations.api.problems import ApiProblem
from consultations.models import ApiToken
from consultations.rules.api_tokens import may_hold_api_token
from consultations.selectors.api_tokens import api_token_by_hash
from consultations.services.api_tokens import api_token_touch, token_hash
from consultations.services.audit import current_channel

RATE_WINDOW = 60  # seconds


def _rate_limit(token: ApiToken) -> None:
    """A fixed window per token in the shared cache (Redis in production): every web process counts together.
    ``incr`` is atomic in Redis, so concurrent requests never both take the last slot. The cache fails open:
    with Redis down, requests are served and not counted."""
    limit = settings.API_RATE_LIMIT_PER_MINUTE
    window = int(time.time()) // RATE_WINDOW
    key = f"api-rate:{token.pk}:{window}"
    cache.add(key, 0, timeout=RATE_WINDOW * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired (or the cache lost it) in between: this is the window's first request
        cache.set(key, 1, timeout=RATE_WINDOW * 2)
        count = 1
    if count is not None and count > limit:
        retry_after = RATE_WINDOW - int(time.time()) % RATE_WINDOW
        raise ApiProblem(
            429,
            "rate-limited",
            _("Too many requests for this token."),
            _("At most %(limit)d requests a minute per token. Try again in %(seconds)d seconds.")
            % {"limit": limit, "seconds": retry_after},
            headers={"Retry-After": str(retry_after)},
            retry_after=retry_after,
        )


def _size_limit(request: HttpRequest) -> None:
    """Refuse a body larger than the operation takes before reading it (attachments: the attachment limit plus
    the multipart envelope; everything else: ``API_MAX_JSON_BYTES``)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise ApiProblem(400, "malformed", _("The Content-Length header is not a number.")) from None
    multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
    limit = settings.API_MAX_UPLOAD_BYTES if multipart else settings.API_MAX_JSON_BYTES
    if length > limit:
        raise ApiProblem(
            413,
            "too-large",
            _("The request is too large."),
            _("At most %(size)d MB.") % {"size": limit // (1024 * 1024) or 1},
        )


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        if not token or len(token) > 200:
            return None
        found = api_token_by_hash(key_hash=token_hash(token))
        now = getattr(request, "received_at", None) or timezone.now()
        if found is None or not found.is_active_at(now) or not may_hold_api_token(found.user):
            return None
        user = found.user
        request.user = user
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language
        try:
            timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        # Reset with the request by AuditContextMiddleware.
        current_channel.set({"channel": "api", "api_token": found.prefix})
        _rate_limit(found)
        _size_limit(request)
        api_token_touch(token=found, now=now)
        return found
