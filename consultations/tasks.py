"""Celery tasks: thin, idempotent, ids in. The work happens in services."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from consultations.services import digests as digest_services
from consultations.services import invitations as invitation_services
from consultations.services import notifications as notification_services
from consultations.services import outbox as outbox_services


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


@shared_task
def outbox_flush() -> int:
    """Publish the tasks whose on-commit publish failed (the broker was down). Scheduled by beat."""
    return outbox_services.outbox_flush()


@shared_task
def digests_dispatch_due() -> int:
    return digest_services.digests_dispatch_due()


@shared_task(acks_late=True, autoretry_for=(SMTPException, OSError), retry_backoff=True, max_retries=5)
def digest_send(delivery_id: int) -> bool:
    return digest_services.digest_send(delivery_id=delivery_id)


@shared_task(acks_late=True, autoretry_for=(SMTPException, OSError), retry_backoff=True, max_retries=5)
def cosignature_invite_notify(cosignature_id: int) -> int:
    return notification_services.cosignature_invite_notify(cosignature_id=cosignature_id)


@shared_task(acks_late=True, autoretry_for=(SMTPException, OSError), retry_backoff=True, max_retries=5)
def briefing_notify(briefing_id: int) -> int:
    return notification_services.briefing_notify(briefing_id=briefing_id)


@shared_task(acks_late=True, autoretry_for=(SMTPException, OSError), retry_backoff=True, max_retries=5)
def room_question_notify(question_id: int) -> int:
    return notification_services.room_question_notify(question_id=question_id)


@shared_task(acks_late=True, autoretry_for=(SMTPException, OSError), retry_backoff=True, max_retries=5)
def room_deadlines_notify() -> int:
    return notification_services.room_deadlines_notify()


@shared_task
def digests_recover_stalled() -> int:
    return digest_services.digests_recover_stalled()
