"""Celery tasks: thin, idempotent, ids in. The work happens in services."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from consultations.services import invitations as invitation_services
from consultations.services import notifications as notification_services


@shared_task
def health_ping() -> str:
    """Answers "pong" from a worker: used to check that the broker and a worker round-trip."""
    return "pong"


@shared_task(acks_late=True)
def invitations_purge_expired() -> int:
    return invitation_services.invitation_purge_expired()


@shared_task(acks_late=True, autoretry_for=(SMTPException, OSError), retry_backoff=True, max_retries=5)
def position_update_notify(event_id: int) -> int:
    return notification_services.position_update_notify(event_id=event_id)
