"""Celery tasks: thin, idempotent, ids in. The work happens in services.

Results are not stored (``CELERY_TASK_IGNORE_RESULT``; the return values are for logs and eager tests): nothing
waits on them, and storing them would make every task depend on the result backend too. Failed e-mails are not
retried by Celery: each ``Delivery`` records its own retry schedule, which the reconciler (beat) drives, so a
worker restart loses no retry.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.signals import task_success

from consultations.services import api_tokens as api_token_services
from consultations.services import deliveries as delivery_services
from consultations.services import digests as digest_services
from consultations.services import exports as export_services
from consultations.services import invitations as invitation_services
from consultations.services import ministries as ministry_services
from consultations.services import notifications as notification_services
from consultations.services import outbox as outbox_services


@task_success.connect
def _outbox_task_completed(sender: Any = None, **kwargs: Any) -> None:
    outbox_services.outbox_complete(task_id=getattr(sender.request, "id", None) or "")


@shared_task(ignore_result=False)
def health_ping() -> str:
    """Answers "pong" from a worker: used to check that the broker and a worker round-trip."""
    return "pong"


@shared_task(acks_late=True)
def invitations_purge_expired() -> int:
    return invitation_services.invitation_purge_expired()


@shared_task(acks_late=True)
def position_update_notify(event_id: int) -> int:
    return notification_services.position_update_notify(event_id=event_id)


@shared_task
def outbox_flush() -> int:
    """Publish what waits in the outbox (the relay thread of beat does this continuously; this is by hand)."""
    return outbox_services.outbox_flush()


@shared_task
def digests_dispatch_due() -> int:
    return digest_services.digests_dispatch_due()


@shared_task(acks_late=True)
def delivery_send(delivery_id: int, attempt: int = 0) -> bool:
    return delivery_services.delivery_send(delivery_id=delivery_id, attempt=attempt)


@shared_task(acks_late=True)
def digest_send(delivery_id: int) -> bool:
    """Messages queued before delivery_send existed."""
    return delivery_services.delivery_send(delivery_id=delivery_id, attempt=0)


@shared_task
def deliveries_reconcile() -> dict[str, int]:
    return delivery_services.deliveries_reconcile()


@shared_task(acks_late=True)
def cosignature_invite_notify(cosignature_id: int) -> int:
    return notification_services.cosignature_invite_notify(cosignature_id=cosignature_id)


@shared_task(acks_late=True)
def signoff_request_notify(position_id: int, version: int | None = None, proposal_id: int | None = None) -> int:
    return notification_services.signoff_request_notify(
        position_id=position_id, version=version, proposal_id=proposal_id
    )


@shared_task(acks_late=True)
def briefing_notify(briefing_id: int) -> int:
    return notification_services.briefing_notify(briefing_id=briefing_id)


@shared_task(acks_late=True)
def room_question_notify(question_id: int) -> int:
    return notification_services.room_question_notify(question_id=question_id)


@shared_task(acks_late=True)
def room_deadlines_notify() -> int:
    return notification_services.room_deadlines_notify()


@shared_task(acks_late=True)
def export_job_run(job_id: int) -> str:
    return export_services.export_job_run(job_id=job_id)


@shared_task
def export_jobs_expire() -> int:
    return export_services.export_jobs_expire()


@shared_task
def api_idempotency_purge() -> int:
    return api_token_services.idempotent_requests_purge()


@shared_task(acks_late=True)
def consultation_reminders_send() -> int:
    """Beat runs this every hour; each overdue consultation request is reminded once per day."""
    return ministry_services.consultation_reminders_send()
