"""Reads of the audit log: the admins' filtered log and a user's own sign-in history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from consultations.models import AuditEvent
from consultations.models.audit import SIGNIN_ACTIONS

if TYPE_CHECKING:
    from consultations.models import User


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""  # part of the actor's e-mail address
    organisation_id: int | None = None
    action: str = ""
    target_type: str = ""
    since: dt.date | None = None  # inclusive, in the reader's time zone
    until: dt.date | None = None  # inclusive

    def as_dict(self) -> dict[str, object]:
        return {
            "actor": self.actor,
            "organisation": self.organisation_id,
            "action": self.action,
            "target_type": self.target_type,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }


def audit_event_list(*, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The log, newest first, with the actor and organisation fetched in the same query."""
    events = AuditEvent.objects.select_related("actor", "organisation").order_by("-created_at", "-id")
    if filters.actor:
        events = events.filter(actor__email__icontains=filters.actor)
    if filters.organisation_id:
        events = events.filter(organisation_id=filters.organisation_id)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.target_type:
        events = events.filter(target_type=filters.target_type)
    if filters.since:
        events = events.filter(created_at__date__gte=filters.since)
    if filters.until:
        events = events.filter(created_at__date__lte=filters.until)
    return events


def audit_action_list() -> list[str]:
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())


def audit_target_type_list() -> list[str]:
    return list(
        AuditEvent.objects.exclude(target_type="")
        .order_by("target_type")
        .values_list("target_type", flat=True)
        .distinct()
    )


def signin_history_for(*, user: User) -> QuerySet[AuditEvent]:
    """The user's own sign-ins and failed sign-ins (with their address tried), newest first."""
    return AuditEvent.objects.filter(target_type="user", target_id=user.pk, action__in=SIGNIN_ACTIONS).order_by(
        "-created_at", "-id"
    )
