"""Celery tasks: thin, idempotent, ids in. The work happens in services."""

from __future__ import annotations

from celery import shared_task

from consultations.services import invitations as invitation_services


@shared_task
def health_ping() -> str:
    """Answers "pong" from a worker: used to check that the broker and a worker round-trip."""
    return "pong"


@shared_task(acks_late=True)
def invitations_purge_expired() -> int:
    return invitation_services.invitation_purge_expired()
