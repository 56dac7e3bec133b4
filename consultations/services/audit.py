from __future__ import annotations

import contextvars
from typing import TYPE_CHECKING, Any

from django.db import models

from consultations.models import AuditEvent
from consultations.models.audit import ACCESS_DENIED

if TYPE_CHECKING:
    from consultations.models import Organisation, User

# The client address of the current request, set by consultations.middleware.AuditContextMiddleware.
current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_ip", default=None)
# The client's User-Agent header of the current request (cut to the column's length), set by the same middleware.
current_user_agent: contextvars.ContextVar[str] = contextvars.ContextVar("current_user_agent", default="")
# How the current request came in, merged into every audit row it records: {} for the pages, {"channel": "api",
# "api_token": prefix} for the REST API (set by consultations.api.auth, reset by AuditContextMiddleware).
current_channel: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar("current_channel", default={})  # noqa: B039 - never mutated


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None,
    organisation: Organisation | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """One audit row. Who, from where and through which channel come from the current request (set by
    AuditContextMiddleware and the API's authentication); outside a request (tasks, commands) they are empty."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target._meta.model_name or "" if target is not None else "",
        target_id=target.pk if target is not None else None,
        organisation=organisation,
        data={**(data or {}), **current_channel.get()},
        ip_address=current_ip.get(),
        user_agent=current_user_agent.get(),
    )


def audit_denial(*, user: User, permission: str, target: Any) -> AuditEvent:
    """A rules denial the user sees as a missing page (404): one row for the admins, nothing more for the user."""
    return audit_record(
        actor=user,
        action=ACCESS_DENIED,
        target=target if isinstance(target, models.Model) and target.pk is not None else None,
        data={"permission": permission},
    )
