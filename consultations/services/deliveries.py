"""Sending one e-mail delivery, retrying what failed, settling what stalled, and resending on an admin's word.

Every e-mail is a ``Delivery`` row (unique per kind, subject and recipient). ``delivery_send`` takes the row for
one attempt: it marks it "sending" with a lease and a fresh attempt token, commits, talks to the SMTP server, and
settles the row only if it still holds that token, so a duplicate or late task never overwrites another attempt.

- Refused or never started (connection refused, a 4xx answer): pending again, ``next_attempt_at`` on
  ``DELIVERY_RETRY_SCHEDULE``; when the schedule is spent, failed ("not sent"). A 5xx answer fails at once.
- Outcome unknown (no answer after the message was handed over, or the worker died while sending and the lease
  expired): unknown. It may have arrived, so it is never retried automatically; an admin may resend it after a
  warning that it may duplicate.

``deliveries_reconcile`` (beat, every ``DELIVERY_RECONCILE_EVERY`` seconds) is the driver that survives restarts:
it marks expired leases unknown, queues the pending deliveries that are due (retries, and first attempts whose
task was lost), and publishes again the outbox messages a lost broker queue swallowed.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.models import Delivery
from consultations.services.audit import audit_record
from consultations.services.outbox import outbox_enqueue, outbox_requeue_lost
from usmca.smtp import OutcomeUnknown

if TYPE_CHECKING:
    from django.core.mail import EmailMessage

    from consultations.models import User

SEND_TASK = "consultations.tasks.delivery_send"
INTERRUPTED = "Interrupted while sending (lease expired): it may have been delivered. Not resent automatically."
RECONCILE_BATCH = 500

Status = Delivery.Status


def _seconds(name: str) -> dt.timedelta:
    return dt.timedelta(seconds=float(getattr(settings, name)))


def retry_schedule() -> list[dt.timedelta]:
    return [dt.timedelta(seconds=float(seconds)) for seconds in settings.DELIVERY_RETRY_SCHEDULE]


def delivery_expected_by(now: dt.datetime | None = None) -> dt.datetime:
    """When a delivery queued now should have been attempted; after that the reconciler queues it again."""
    return (now or timezone.now()) + _seconds("DELIVERY_EXPECTED_WITHIN")


def delivery_queue(*, delivery: Delivery) -> None:
    """Publish (through the outbox, in the caller's transaction) one attempt of a pending delivery."""
    outbox_enqueue(task=SEND_TASK, delivery_id=delivery.pk, attempt=delivery.attempts)


def delivery_message(delivery: Delivery) -> EmailMessage:
    """The e-mail of a delivery, rendered now from its subject (kind and key) in the recipient's language."""
    from consultations.services import digests, notifications

    if delivery.kind in digests.KINDS:
        return digests.digest_message(delivery=delivery)
    return notifications.notification_message(delivery=delivery)


def _outcome(error: BaseException) -> str:
    """ "unknown", "transient" (retry on the schedule) or "permanent" (not sent, do not retry)."""
    if isinstance(error, OutcomeUnknown):
        return "unknown"
    if isinstance(error, smtplib.SMTPResponseException):
        return "transient" if 400 <= error.smtp_code < 500 else "permanent"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return "transient" if codes and all(400 <= code < 500 for code in codes) else "permanent"
    if isinstance(error, OSError | DatabaseError):  # refused, reset or timed out before the message was handed over
        return "transient"
    return "permanent"  # a message that cannot be built (a bug, a vanished subject) will not get better


def delivery_send(*, delivery_id: int, attempt: int) -> bool:
    """Attempt number ``attempt + 1`` of a pending delivery; returns whether an e-mail went out now.

    Does nothing when the delivery is not pending, when another worker holds its row (it is sending it), or when
    an attempt already happened since this one was queued (a duplicate or stale task).
    """
    now = timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(pk=delivery_id, status=Status.PENDING, attempts=attempt)
            .first()
        )
        if delivery is None:
            return False
        delivery.status = Status.SENDING
        delivery.attempts += 1
        delivery.attempted_at = now
        delivery.lease_token = token
        delivery.lease_expires_at = now + _seconds("DELIVERY_LEASE")
        delivery.next_attempt_at = None
        delivery.save(
            update_fields=["status", "attempts", "attempted_at", "lease_token", "lease_expires_at", "next_attempt_at"]
        )
        _batch_claim(delivery)
    try:
        delivery_message(delivery).send()
    except Exception as error:  # every failure is recorded on the delivery; the task itself succeeds
        _settle_failure(delivery, token, error)
        return False
    sent_at = timezone.now()
    if _held(delivery, token).update(
        status=Status.SENT, sent_at=sent_at, last_error="", lease_expires_at=None, next_attempt_at=None
    ):
        Delivery.objects.filter(batched_into=delivery, status=Status.BATCHED).update(sent_at=sent_at)
    return True


def _batch_claim(delivery: Delivery) -> None:
    """In the attempt's own transaction: the pending deliveries this e-mail also carries (changes to the same
    position for the same person) become "sent in a batch" within it, so none of them is sent on its own too."""
    from consultations.services import notifications

    if delivery.kind == notifications.POSITION_UPDATE:
        notifications.position_update_batch_claim(delivery=delivery)


def _held(delivery: Delivery, token: uuid.UUID) -> QuerySet[Delivery]:
    """The delivery, only while this attempt holds it (a late answer may still settle an expired lease)."""
    return Delivery.objects.filter(pk=delivery.pk, lease_token=token, status__in=(Status.SENDING, Status.UNKNOWN))


def _settle_failure(delivery: Delivery, token: uuid.UUID, error: BaseException) -> None:
    outcome = _outcome(error)
    text = f"{type(error).__name__}: {error}"[:2000]
    held = _held(delivery, token)
    if outcome == "unknown":
        held.update(status=Status.UNKNOWN, last_error=text, lease_expires_at=None)
        return
    schedule = retry_schedule()
    if outcome == "transient" and delivery.retries < len(schedule):
        held.update(
            status=Status.PENDING,
            retries=delivery.retries + 1,
            next_attempt_at=timezone.now() + schedule[delivery.retries],
            last_error=text,
            lease_expires_at=None,
        )
        return
    held.update(status=Status.FAILED, last_error=text, lease_expires_at=None)


def deliveries_reconcile(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Beat's driver of every delivery: settle expired leases, queue what is due, republish lost tasks."""
    now = now or timezone.now()
    # Rows marked "sending" before leases existed have none: their attempt's start stands in for it.
    expired = Q(lease_expires_at__lt=now) | Q(
        lease_expires_at__isnull=True, attempted_at__lt=now - _seconds("DELIVERY_LEASE")
    )
    interrupted = Delivery.objects.filter(expired, status=Status.SENDING).update(
        status=Status.UNKNOWN, last_error=INTERRUPTED, lease_expires_at=None
    )
    horizon = _seconds("DELIVERY_EXPECTED_WITHIN")
    with transaction.atomic():
        due = list(
            Delivery.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(status=Status.PENDING)
            .filter(Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lte=now - horizon))
            .order_by("next_attempt_at", "id")[:RECONCILE_BATCH]
        )
        Delivery.objects.filter(pk__in=[delivery.pk for delivery in due]).update(next_attempt_at=now + horizon)
        for delivery in due:
            delivery_queue(delivery=delivery)
    republished = outbox_requeue_lost(now=now)
    return {"interrupted": interrupted, "queued": len(due), "republished": republished}


def _unconfirmed() -> ValidationError:
    return ValidationError(
        _(
            "This e-mail may already have been delivered (its outcome is unknown). Confirm that you want to "
            "send it again: the recipient may get it twice."
        ),
        code="unconfirmed",
    )


def _resendable(delivery: Delivery, *, confirm_unknown: bool) -> None:
    if delivery.status == Status.UNKNOWN and not confirm_unknown:
        raise _unconfirmed()
    if delivery.status not in (Status.FAILED, Status.UNKNOWN):
        raise ValidationError(
            _("Only an e-mail that was not sent, or whose outcome is unknown, can be resent; this one is “%(status)s”.")
            % {"status": delivery.get_status_display()},
            code="not_failed",
        )


def _requeue(by: User, delivery: Delivery) -> None:
    previous = delivery.status
    delivery.status = Status.PENDING
    delivery.retries = 0
    delivery.lease_token = None
    delivery.lease_expires_at = None
    delivery.next_attempt_at = delivery_expected_by()
    delivery.save(update_fields=["status", "retries", "lease_token", "lease_expires_at", "next_attempt_at"])
    delivery_queue(delivery=delivery)
    audit_record(
        actor=by,
        action="delivery.resend",
        target=delivery,
        data={"kind": delivery.kind, "key": delivery.key, "was": previous},
    )


def _require_staff(by: User) -> None:
    if not by.is_staff:
        raise ValidationError(_("Only platform staff can resend deliveries."), code="forbidden")


@transaction.atomic
def delivery_resend(*, by: User, delivery: Delivery, confirm_unknown: bool = False) -> Delivery:
    """An admin sends a delivery again: one that was not sent, or (confirmed) one whose outcome is unknown."""
    _require_staff(by)
    delivery = Delivery.objects.select_for_update(of=("self",)).get(pk=delivery.pk)
    _resendable(delivery, confirm_unknown=confirm_unknown)
    _requeue(by, delivery)
    return delivery


@transaction.atomic
def delivery_resend_bulk(
    *, by: User, kind: str, status: str, key: str | None = None, confirm_unknown: bool = False
) -> int:
    """An admin resends, in one go, every delivery of a kind (and subject, e.g. a round) in a failed state."""
    _require_staff(by)
    if status not in (Status.FAILED, Status.UNKNOWN):
        raise ValidationError(_("Only e-mails that were not sent or whose outcome is unknown can be resent."))
    if status == Status.UNKNOWN and not confirm_unknown:
        raise _unconfirmed()
    deliveries = Delivery.objects.select_for_update(of=("self",), skip_locked=True).filter(kind=kind, status=status)
    if key is not None:
        deliveries = deliveries.filter(key=key)
    count = 0
    for delivery in deliveries.order_by("id"):
        _requeue(by, delivery)
        count += 1
    return count
