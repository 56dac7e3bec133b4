"""delivery_send, the reconciler and resends: never twice, a doubtful send is never repeated by itself, a refused
send is retried on a schedule persisted on the delivery, and only the attempt holding a delivery settles it."""

from __future__ import annotations

import datetime as dt
import smtplib
import uuid
from typing import Any, ClassVar

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.utils import timezone

from consultations import tasks
from consultations.models import AuditEvent, Delivery, OutboxMessage, Round, User
from consultations.services import deliveries, digests
from tests import factories
from tests.consultations.digests.conftest import Room, by_recipient
from usmca.celery import app
from usmca.smtp import OutcomeUnknown

pytestmark = pytest.mark.django_db

S = Delivery.Status


class FlakyBackend(LocmemBackend):
    """The SMTP server answers ``error`` to the next ``failures`` messages, then accepts (into mail.outbox)."""

    failures: ClassVar[int] = 0
    refused: ClassVar[int] = 0
    error: ClassVar[Exception] = smtplib.SMTPException("451 4.3.0 Mail server temporarily unavailable")

    def send_messages(self, email_messages: Any) -> int:
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            FlakyBackend.refused += 1
            raise FlakyBackend.error
        return super().send_messages(email_messages)


@pytest.fixture
def flaky_smtp(settings: Any) -> type[FlakyBackend]:
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.FlakyBackend"}}
    FlakyBackend.failures = 0
    FlakyBackend.refused = 0
    FlakyBackend.error = smtplib.SMTPException("451 4.3.0 Mail server temporarily unavailable")
    return FlakyBackend


def _delivery(room: Room, user: User | None = None, **fields: Any) -> Delivery:
    return Delivery.objects.create(
        kind=digests.PRE, key=digests.delivery_key(room.round), recipient=user or room.cast.delegate_a, **fields
    )


def _reload(delivery: Delivery) -> Delivery:
    return Delivery.objects.get(pk=delivery.pk)


def _reconcile_at(moment: dt.datetime, capture: Any) -> dict[str, int]:
    with capture(execute=True):
        return deliveries.deliveries_reconcile(now=moment)


def test_delivery_send_twice_for_the_same_attempt_sends_once(room: Room, mailoutbox: list[Any]) -> None:
    delivery = _delivery(room)
    assert deliveries.delivery_send(delivery_id=delivery.pk, attempt=0) is True
    assert deliveries.delivery_send(delivery_id=delivery.pk, attempt=0) is False
    assert tasks.delivery_send.apply(kwargs={"delivery_id": delivery.pk, "attempt": 0}).get() is False
    assert tasks.digest_send.apply(kwargs={"delivery_id": delivery.pk}).get() is False  # an old queued message
    assert len(mailoutbox) == 1
    delivery = _reload(delivery)
    assert (delivery.status, delivery.attempts, delivery.last_error) == (S.SENT, 1, "")
    assert delivery.sent_at is not None and delivery.lease_token is not None


def test_a_duplicate_task_never_flips_an_in_flight_delivery(room: Room, mailoutbox: list[Any]) -> None:
    """Another worker is sending (it holds the lease): a second copy of the task leaves the delivery alone."""
    delivery = _delivery(room, status=S.SENDING, attempts=1, lease_expires_at=timezone.now() + dt.timedelta(minutes=1))
    for attempt in (0, 1):
        assert deliveries.delivery_send(delivery_id=delivery.pk, attempt=attempt) is False
    assert _reload(delivery).status == S.SENDING
    assert mailoutbox == []


def test_only_the_attempt_holding_the_delivery_settles_it(room: Room, flaky_smtp: type[FlakyBackend]) -> None:
    """A late answer of an attempt that lost its lease to an admin's resend does not overwrite the new attempt."""
    delivery = _delivery(room)
    flaky_smtp.failures = 1
    assert deliveries.delivery_send(delivery_id=delivery.pk, attempt=0) is False
    first = _reload(delivery)
    assert first.status == S.PENDING and first.retries == 1
    # The settle of a stale token matches nothing.
    deliveries._settle_failure(first, token=uuid.uuid4(), error=OutcomeUnknown("late"))
    assert _reload(delivery).status == S.PENDING


def test_a_send_stalled_past_its_lease_becomes_unknown_and_is_never_sent_again_by_itself(
    room: Room, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    now = timezone.now()
    delivery = _delivery(
        room, status=S.SENDING, attempts=1, attempted_at=now, lease_expires_at=now + dt.timedelta(seconds=60)
    )
    assert _reconcile_at(now + dt.timedelta(seconds=30), django_capture_on_commit_callbacks)["interrupted"] == 0
    assert _reload(delivery).status == S.SENDING
    lease_end = now + dt.timedelta(seconds=settings.DELIVERY_LEASE + settings.DELIVERY_RECONCILE_EVERY)
    assert lease_end - now <= dt.timedelta(minutes=2), "a stalled send must show within 2 minutes"
    assert _reconcile_at(lease_end, django_capture_on_commit_callbacks)["interrupted"] == 1
    stalled = _reload(delivery)
    assert stalled.status == S.UNKNOWN and "may have been delivered" in stalled.last_error
    # Later rounds of the reconciler and stray tasks leave it alone.
    _reconcile_at(now + dt.timedelta(hours=3), django_capture_on_commit_callbacks)
    for attempt in (0, 1):
        tasks.delivery_send.apply(kwargs={"delivery_id": delivery.pk, "attempt": attempt}).get()
    assert _reload(delivery).status == S.UNKNOWN
    assert mailoutbox == []


def test_no_answer_after_the_data_is_unknown_and_not_retried(
    room: Room, flaky_smtp: type[FlakyBackend], django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    flaky_smtp.failures = 1
    flaky_smtp.error = OutcomeUnknown("No answer after the message was sent")
    delivery = _delivery(room)
    assert deliveries.delivery_send(delivery_id=delivery.pk, attempt=0) is False
    assert _reload(delivery).status == S.UNKNOWN
    assert _reconcile_at(timezone.now() + dt.timedelta(hours=2), django_capture_on_commit_callbacks)["queued"] == 0
    assert _reload(delivery).status == S.UNKNOWN and mailoutbox == []


def test_a_permanent_refusal_is_not_sent_at_once(room: Room, flaky_smtp: type[FlakyBackend]) -> None:
    flaky_smtp.failures = 1
    flaky_smtp.error = smtplib.SMTPRecipientsRefused({"x@example.mx": (550, b"5.1.1 no such user")})
    delivery = _delivery(room)
    deliveries.delivery_send(delivery_id=delivery.pk, attempt=0)
    assert (_reload(delivery).status, _reload(delivery).retries) == (S.FAILED, 0)


def test_transient_failures_follow_the_persisted_schedule_then_fail(
    room: Room, flaky_smtp: type[FlakyBackend], django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    schedule = [dt.timedelta(seconds=s) for s in settings.DELIVERY_RETRY_SCHEDULE]
    assert sum(schedule, dt.timedelta()) >= dt.timedelta(hours=1), "retries must span at least an hour"
    flaky_smtp.failures = len(schedule) + 1
    delivery = _delivery(room)
    deliveries.delivery_send(delivery_id=delivery.pk, attempt=0)
    for step, wait in enumerate(schedule, start=1):
        pending = _reload(delivery)
        assert (pending.status, pending.retries, pending.attempts) == (S.PENDING, step, step)
        assert "451 4.3.0" in pending.last_error
        due = pending.next_attempt_at
        assert due - pending.attempted_at >= wait
        # Not before it is due; then the reconciler (beat) queues it and the queued task runs.
        assert _reconcile_at(due - dt.timedelta(seconds=1), django_capture_on_commit_callbacks)["queued"] == 0
        assert _reconcile_at(due, django_capture_on_commit_callbacks)["queued"] == 1
    failed = _reload(delivery)
    assert (failed.status, failed.attempts) == (S.FAILED, len(schedule) + 1)
    assert mailoutbox == []
    assert _reconcile_at(timezone.now() + dt.timedelta(days=1), django_capture_on_commit_callbacks)["queued"] == 0


def test_a_relay_back_after_a_few_minutes_delivers_once(
    room: Room, flaky_smtp: type[FlakyBackend], django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    flaky_smtp.failures = 3
    with django_capture_on_commit_callbacks(execute=True):
        digests.digests_dispatch_due()
    assert mailoutbox and set(Delivery.objects.values_list("status", flat=True)) == {S.PENDING, S.SENT}
    moment = timezone.now()
    for _ in range(4):
        moment += dt.timedelta(minutes=3)
        _reconcile_at(moment, django_capture_on_commit_callbacks)
    assert set(by_recipient(mailoutbox)) == room.recipients
    assert set(Delivery.objects.values_list("status", flat=True)) == {S.SENT}


def test_a_delivery_whose_task_was_lost_is_queued_again_after_the_horizon(
    room: Room, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    delivery = _delivery(room, next_attempt_at=deliveries.delivery_expected_by())
    assert _reconcile_at(timezone.now(), django_capture_on_commit_callbacks)["queued"] == 0  # maybe still queued
    later = timezone.now() + dt.timedelta(seconds=settings.DELIVERY_EXPECTED_WITHIN + 1)
    assert _reconcile_at(later, django_capture_on_commit_callbacks)["queued"] == 1
    assert _reload(delivery).status == S.SENT and len(mailoutbox) == 1


def test_staff_resend_requeues_a_failed_delivery_and_it_goes_out_once(
    room: Room, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    delivery = _delivery(room, status=S.FAILED, attempts=8, retries=7, last_error="boom")
    with django_capture_on_commit_callbacks(execute=True):
        deliveries.delivery_resend(by=room.cast.admin, delivery=delivery)
    delivery = _reload(delivery)
    assert (delivery.status, delivery.attempts) == (S.SENT, 9)
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [room.cast.delegate_a.email]
    assert OutboxMessage.objects.get().published_at is not None
    assert AuditEvent.objects.filter(action="delivery.resend", actor=room.cast.admin).count() == 1


def test_resending_an_unknown_outcome_needs_an_explicit_confirmation(
    room: Room, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    delivery = _delivery(room, status=S.UNKNOWN, attempts=1, last_error=deliveries.INTERRUPTED)
    with pytest.raises(ValidationError) as refused:
        deliveries.delivery_resend(by=room.cast.admin, delivery=delivery)
    assert refused.value.code == "unconfirmed"
    assert _reload(delivery).status == S.UNKNOWN and not OutboxMessage.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        deliveries.delivery_resend(by=room.cast.admin, delivery=delivery, confirm_unknown=True)
    assert _reload(delivery).status == S.SENT and len(mailoutbox) == 1


def test_resend_refuses_a_delivery_that_is_not_failed(room: Room, mailoutbox: list[Any]) -> None:
    for status in (S.SENT, S.PENDING, S.SENDING):
        delivery = _delivery(
            room, user=factories.UserFactory(), status=status, sent_at=timezone.now() if status == S.SENT else None
        )
        with pytest.raises(ValidationError) as refused:
            deliveries.delivery_resend(by=room.cast.admin, delivery=delivery, confirm_unknown=True)
        assert refused.value.code == "not_failed"
        assert _reload(delivery).status == status
    assert not OutboxMessage.objects.exists()
    assert mailoutbox == []


@pytest.mark.parametrize("who", ["official_of_chapter", "coordinator", "delegate_a", "coordinator_a"])
def test_resend_refuses_non_staff(room: Room, who: str, mailoutbox: list[Any]) -> None:
    delivery = _delivery(room, status=S.FAILED, last_error="boom")
    for resend in (
        lambda by: deliveries.delivery_resend(by=by, delivery=delivery),
        lambda by: deliveries.delivery_resend_bulk(by=by, kind=digests.PRE, status=S.FAILED),
    ):
        with pytest.raises(ValidationError) as refused:
            resend(getattr(room.cast, who))
        assert refused.value.code == "forbidden"
    assert _reload(delivery).status == S.FAILED
    assert not OutboxMessage.objects.exists()
    assert mailoutbox == []


def test_bulk_resend_of_a_round_and_kind_sends_each_failed_once_and_leaves_the_rest(
    room: Room, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    c = room.cast
    failed = [_delivery(room, user=user, status=S.FAILED, last_error="451") for user in (c.delegate_a, c.delegate_b)]
    unknown = _delivery(room, user=c.coordinator_a, status=S.UNKNOWN)
    debrief = Delivery.objects.create(
        kind=digests.POST, key=digests.delivery_key(room.round), recipient=c.delegate_a, status=S.FAILED
    )
    other_round = Delivery.objects.create(
        kind=digests.PRE, key=f"round:{room.round.pk + 1000}", recipient=c.delegate_a, status=S.FAILED
    )
    with django_capture_on_commit_callbacks(execute=True):
        count = deliveries.delivery_resend_bulk(
            by=c.admin, kind=digests.PRE, key=digests.delivery_key(room.round), status=S.FAILED
        )
    assert count == 2
    assert {_reload(d).status for d in failed} == {S.SENT}
    assert (_reload(unknown).status, _reload(debrief).status, _reload(other_round).status) == (S.UNKNOWN,) + (
        S.FAILED,
    ) * 2
    assert sorted(by_recipient(mailoutbox)) == sorted([c.delegate_a.email, c.delegate_b.email])
    with pytest.raises(ValidationError):
        deliveries.delivery_resend_bulk(by=c.admin, kind=digests.PRE, status=S.UNKNOWN)
    assert _reload(unknown).status == S.UNKNOWN


def test_every_beat_job_settles_what_a_dead_worker_left(
    room: Room, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    """Beat keeps running after the worker died: nothing may stay "sending" or "pending" for long."""
    long_ago = timezone.now() - dt.timedelta(hours=1)
    interrupted = _delivery(room, user=room.cast.delegate_a, status=S.SENDING, attempts=1, lease_expires_at=long_ago)
    taken = _delivery(room, user=room.cast.delegate_b, next_attempt_at=long_ago)
    # Marked "sending" by a release without leases: its attempt's start stands in for the lease.
    legacy = _delivery(room, user=room.cast.coordinator_a, status=S.SENDING, attempts=1, attempted_at=long_ago)
    Round.objects.filter(pk=room.round.pk).update(digest_dispatched_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        for entry in settings.CELERY_BEAT_SCHEDULE.values():
            app.tasks[entry["task"]].apply(args=entry.get("args", ()), kwargs=entry.get("kwargs", {}))

    assert _reload(interrupted).status == S.UNKNOWN
    assert _reload(legacy).status == S.UNKNOWN
    assert _reload(taken).status == S.SENT
    assert [message.to for message in mailoutbox] == [[room.cast.delegate_b.email]]
