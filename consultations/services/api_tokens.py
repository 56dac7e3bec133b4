"""Writes to API tokens: create (the secret is returned once), revoke, note the last use; and the stored answers
of idempotent API writes."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.models import ApiIdempotentRequest, ApiToken
from consultations.rules.api_tokens import may_hold_api_token
from consultations.services.audit import audit_record

if TYPE_CHECKING:
    from consultations.models import User

TOKEN_PREFIX = "cdj_"  # noqa: S105 - the public prefix of every token, not a secret
MAX_LIFETIME = dt.timedelta(days=366)
# A use is written at most once a minute per token: a busy client must not turn every read into a write.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, by: User, name: str, scope: str, expires_at: dt.datetime, now: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``by`` and its secret, which is not stored and cannot be shown again."""
    now = now or timezone.now()
    if not may_hold_api_token(by):
        raise PermissionDenied
    name = " ".join(name.split())
    errors = {}
    if not name:
        errors["name"] = _("Give the token a name, e.g. the tool that will use it.")
    if scope not in ApiToken.Scope.values:
        errors["scope"] = _("Choose what the token may do.")
    if expires_at <= now:
        errors["expires_at"] = _("The expiry must be in the future.")
    elif expires_at > now + MAX_LIFETIME:
        errors["expires_at"] = _("A token lasts at most a year.")
    if errors:
        raise ValidationError(errors)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=by, name=name[:100], scope=scope, prefix=raw[:12], key_hash=token_hash(raw), expires_at=expires_at
    )
    audit_record(actor=by, action="api_token.create", target=token, data={"scope": scope, "prefix": token.prefix})
    return token, raw


@transaction.atomic
def api_token_revoke(*, by: User, token: ApiToken, now: dt.datetime | None = None) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.user_id != by.pk:
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=by, action="api_token.revoke", target=token, data={"prefix": token.prefix})
    return token


def api_token_touch(*, token: ApiToken, now: dt.datetime) -> None:
    """Record the token's use, at most once a minute (one UPDATE, no lock held past it)."""
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


def idempotent_request_claim(*, token: ApiToken, key: str, fingerprint: str) -> ApiIdempotentRequest:
    """Claim ``key`` for this write, inside the caller's transaction. Returns the row: a new one (no
    ``status_code``) to be completed with ``idempotent_request_store``, or the stored answer of an earlier write.

    A concurrent request with the same key waits on the unique index until the first commits, then finds its
    answer; if the first rolled back, the key is free again and this one claims it."""
    try:
        with transaction.atomic():
            return ApiIdempotentRequest.objects.create(token=token, key=key, fingerprint=fingerprint)
    except IntegrityError:
        return ApiIdempotentRequest.objects.get(token=token, key=key)


def idempotent_request_store(*, claim: ApiIdempotentRequest, status_code: int, body: str) -> None:
    claim.status_code = status_code
    claim.body = body
    claim.save(update_fields=["status_code", "body"])


def idempotent_requests_purge(*, now: dt.datetime | None = None) -> int:
    """Forget the stored answers older than ``API_IDEMPOTENCY_RETENTION_HOURS``: past it, a retry with the same key
    writes again. Idempotent (a second run finds nothing); deletes in batches so no run holds a long lock."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=settings.API_IDEMPOTENCY_RETENTION_HOURS)
    deleted = 0
    while True:
        batch = list(ApiIdempotentRequest.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:5000])
        if not batch:
            return deleted
        deleted += ApiIdempotentRequest.objects.filter(pk__in=batch).delete()[0]
