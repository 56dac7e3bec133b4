"""digest_send and delivery_resend: never twice, a doubtful send is not repeated, a refused send is retried."""

from __future__ import annotations

import datetime as dt
import smtplib
from typing import Any, ClassVar

import pytest
from celery.exceptions import Retry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.utils import timezone

from consultations import tasks
from consultations.models import AuditEvent, Delivery, OutboxMessage, Round, User
from consultations.services import digests
from tests import factories
from tests.consultations.digests.conftest import Room, by_recipient
from usmca.celery import app

pytestmark = pytest.mark.django_db


class FlakyBackend(LocmemBackend):
    """The SMTP server refuses the first ``failures`` messages, then accepts (into mail.outbox)."""

    failures: ClassVar[int] = 0
    refused: ClassVar[int] = 0

    def send_messages(self, email_messages: Any) -> int:
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            FlakyBackend.refused += 1
            raise smtplib.SMTPException("451 4.3.0 Mail server temporarily unavailable")
        return super().send_messages(email_messages)


@pytest.fixture
def flaky_smtp(settings: Any) -> type[FlakyBackend]:
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.FlakyBackend"}}
    FlakyBackend.failures = 0
    FlakyBackend.refused = 0
    return FlakyBackend


def _delivery(room: Room, user: User | None = None, **fields: Any) -> Delivery:
    return Delivery.objects.create(
        kind=digests.PRE, key=digests.delivery_key(room.round), recipient=user or room.cast.delegate_a, **fields
    )


def _reload(delivery: Delivery) -> Delivery:
    return Delivery.objects.get(pk=delivery.pk)


def test_digest_send_twice_for_the_same_delivery_sends_once(room: Room, mailoutbox: list[Any]) -> None:
    delivery = _delivery(room)
    assert digests.digest_send(delivery_id=delivery.pk) is True
    assert digests.digest_send(delivery_id=delivery.pk) is False
    assert tasks.digest_send.apply(kwargs={"delivery_id": delivery.pk}).get() is False  # a redelivered task
    assert len(mailoutbox) == 1
    delivery = _reload(delivery)
    assert (delivery.status, delivery.attempts, delivery.last_error) == (Delivery.Status.SENT, 1, "")
    assert delivery.sent_at is not None


def test_a_delivery_left_sending_by_a_killed_worker_is_marked_failed_and_not_resent(
    room: Room, mailoutbox: list[Any]
) -> None:
    delivery = _delivery(room, status=Delivery.Status.SENDING, attempts=1)
    assert digests.digest_send(delivery_id=delivery.pk) is False
    assert mailoutbox == []
    delivery = _reload(delivery)
    assert delivery.status == Delivery.Status.FAILED
    assert "Interrupted" in delivery.last_error
    assert delivery.attempts == 1
    # The next redelivery of the same message must not send either... a failed one waits for an admin.
    assert delivery.sent_at is None


def test_an_smtp_refusal_fails_the_delivery_and_raises_then_a_later_call_sends_once(
    room: Room, flaky_smtp: type[FlakyBackend], mailoutbox: list[Any]
) -> None:
    flaky_smtp.failures = 1
    delivery = _delivery(room)
    with pytest.raises(smtplib.SMTPException):
        digests.digest_send(delivery_id=delivery.pk)
    failed = _reload(delivery)
    assert failed.status == Delivery.Status.FAILED
    assert "451 4.3.0" in failed.last_error
    assert failed.attempts == 1
    assert mailoutbox == []

    assert digests.digest_send(delivery_id=delivery.pk) is True  # Celery's retry
    assert digests.digest_send(delivery_id=delivery.pk) is False
    sent = _reload(delivery)
    assert (sent.status, sent.attempts, sent.last_error) == (Delivery.Status.SENT, 2, "")
    assert len(mailoutbox) == 1


def test_the_task_retries_an_smtp_refusal_with_backoff_and_sends_once(
    room: Room, flaky_smtp: type[FlakyBackend], mailoutbox: list[Any]
) -> None:
    task = tasks.digest_send
    assert smtplib.SMTPException in task.autoretry_for
    assert task.retry_backoff and task.max_retries >= 3
    assert task.acks_late is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    flaky_smtp.failures = 2
    delivery = _delivery(room)
    for attempt in (1, 2):  # refused: the task asks Celery for a retry, the delivery shows the failure
        with pytest.raises(Retry):
            task.apply(kwargs={"delivery_id": delivery.pk}, retries=attempt - 1)
        failed = _reload(delivery)
        assert (failed.status, failed.attempts) == (Delivery.Status.FAILED, attempt)
        assert mailoutbox == []
    assert task.apply(kwargs={"delivery_id": delivery.pk}, retries=2).get() is True
    assert task.apply(kwargs={"delivery_id": delivery.pk}, retries=3).get() is False
    assert flaky_smtp.refused == 2
    assert len(mailoutbox) == 1
    assert _reload(delivery).attempts == 3


def test_dispatch_with_a_refusing_server_leaves_failed_deliveries_that_a_retry_completes(
    room: Room, flaky_smtp: type[FlakyBackend], django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    """A refusing server fails each delivery without stopping the fan-out; the retries then send each once."""
    flaky_smtp.failures = len(room.recipients)
    with django_capture_on_commit_callbacks(execute=True):
        digests.digests_dispatch_due()
    assert mailoutbox == []
    assert set(Delivery.objects.values_list("status", flat=True)) <= {Delivery.Status.FAILED, Delivery.Status.PENDING}
    flaky_smtp.failures = 0
    for delivery in Delivery.objects.exclude(status=Delivery.Status.SENT):
        digests.digest_send(delivery_id=delivery.pk)
    assert set(by_recipient(mailoutbox)) == room.recipients


def test_staff_resend_requeues_a_failed_delivery_and_it_goes_out_once(
    room: Room, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    delivery = _delivery(room, status=Delivery.Status.FAILED, attempts=1, last_error="boom")
    with django_capture_on_commit_callbacks(execute=True):
        digests.delivery_resend(by=room.cast.admin, delivery=delivery)
    delivery = _reload(delivery)
    assert delivery.status == Delivery.Status.SENT
    assert delivery.attempts == 2
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [room.cast.delegate_a.email]
    assert OutboxMessage.objects.get().published_at is not None
    assert AuditEvent.objects.filter(action="delivery.resend", actor=room.cast.admin).count() == 1


def test_resend_refuses_a_delivery_that_is_not_failed(room: Room, mailoutbox: list[Any]) -> None:
    for status in (Delivery.Status.SENT, Delivery.Status.PENDING, Delivery.Status.SENDING):
        delivery = _delivery(
            room,
            user=factories.UserFactory(),
            status=status,
            sent_at=timezone.now() if status == Delivery.Status.SENT else None,
        )
        with pytest.raises(ValidationError) as refused:
            digests.delivery_resend(by=room.cast.admin, delivery=delivery)
        assert refused.value.code == "not_failed"
        assert _reload(delivery).status == status
    assert not OutboxMessage.objects.exists()
    assert mailoutbox == []


@pytest.mark.parametrize("who", ["official_of_chapter", "coordinator", "delegate_a", "coordinator_a"])
def test_resend_refuses_non_staff(room: Room, who: str, mailoutbox: list[Any]) -> None:
    delivery = _delivery(room, status=Delivery.Status.FAILED, last_error="boom")
    with pytest.raises(ValidationError) as refused:
        digests.delivery_resend(by=getattr(room.cast, who), delivery=delivery)
    assert refused.value.code == "forbidden"
    assert _reload(delivery).status == Delivery.Status.FAILED
    assert not OutboxMessage.objects.exists()
    assert mailoutbox == []


def test_a_delivery_whose_task_message_was_lost_is_settled_by_the_periodic_jobs(
    room: Room, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    """Beat keeps running after the worker died: within the hour nothing may stay 'sending' or 'pending'."""
    long_ago = timezone.now() - dt.timedelta(hours=1)
    key = digests.delivery_key(room.round)
    interrupted = _delivery(room, user=room.cast.delegate_a, status=Delivery.Status.SENDING, attempts=1)
    taken = _delivery(room, user=room.cast.delegate_b)
    for delivery in (interrupted, taken):
        OutboxMessage.objects.create(
            task="consultations.tasks.digest_send", kwargs={"delivery_id": delivery.pk}, published_at=long_ago
        )
    Delivery.objects.filter(key=key).update(created_at=long_ago)
    OutboxMessage.objects.update(created_at=long_ago)
    Round.objects.filter(pk=room.round.pk).update(digest_dispatched_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        for entry in settings.CELERY_BEAT_SCHEDULE.values():
            app.tasks[entry["task"]].apply(args=entry.get("args", ()), kwargs=entry.get("kwargs", {}))

    assert _reload(interrupted).status == Delivery.Status.FAILED
    assert _reload(taken).status == Delivery.Status.SENT
    assert [message.to for message in mailoutbox] == [[room.cast.delegate_b.email]]


@pytest.mark.parametrize("settled_by", ["redelivery", "recovery"])
def test_a_delivery_interrupted_mid_send_is_never_sent_again_by_a_task(
    room: Room, settled_by: str, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    long_ago = timezone.now() - dt.timedelta(hours=1)
    delivery = _delivery(room, status=Delivery.Status.SENDING, attempts=1)
    Delivery.objects.filter(pk=delivery.pk).update(created_at=long_ago, attempted_at=long_ago)
    if settled_by == "redelivery":
        assert digests.digest_send(delivery_id=delivery.pk) is False
    else:
        digests.digests_recover_stalled()
    assert _reload(delivery).status == Delivery.Status.FAILED

    # The worker's original message comes back (Redis' visibility timeout) or a second copy of the task runs.
    tasks.digest_send.apply(kwargs={"delivery_id": delivery.pk}).get()
    assert mailoutbox == [], "a digest that may already have reached the server was sent again by a task"
    assert _reload(delivery).status == Delivery.Status.FAILED

    with django_capture_on_commit_callbacks(execute=True):
        digests.delivery_resend(by=room.cast.admin, delivery=delivery)
    assert len(mailoutbox) == 1  # the admin's decision
