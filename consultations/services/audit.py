from __future__ import annotations

import contextvars
from typing import TYPE_CHECKING, Any

from django.db import models

from consultations.models import AuditEvent

if TYPE_CHECKING:
    from consultations.models import Organisation, User

# The client address of the current request, set by consultations.middleware.AuditContextMiddleware.
current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_ip", default=None)
# How the current request came in, merged into every audit row it records: {} for the pages, {"channel": "api",
# "api_token": prefix} for the REST API (set by consultations.api.auth, reset by AuditContextMiddleware).
current_channel: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar("current_channel", default={})  # noqa: B039 - never mutated


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model,
    organisation: Organisation | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target._meta.model_name or "",
        target_id=target.pk,
        organisation=organisation,
        data={**(data or {}), **current_channel.get()},
        ip_address=current_ip.get(),
    )
