"""The transactional outbox: a request only writes the row (it never calls the broker); the relay publishes it,
exactly once, when the broker is there; a published task that never completes is published again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from consultations import tasks
from consultations.models import OutboxMessage, Position, PositionStatus, TriageEvent
from consultations.services import outbox
from tests.consultations.digests.conftest import Room, by_recipient
from usmca.celery import app

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
NOTIFY = "consultations.tasks.position_update_notify"


@pytest.fixture
def real_broker_mode() -> Iterator[None]:
    """Publish with send_task, as in production (the autouse eager fixture restores the rest)."""
    app.conf.task_always_eager = False
    yield


@pytest.fixture
def broker_down() -> Iterator[mock.MagicMock]:
    with mock.patch.object(app, "send_task", side_effect=OperationalError("[Errno 111] Connection refused")) as refused:
        yield refused


def test_broker_down_the_status_change_is_saved_without_error_and_published_once_when_it_is_back(
    room: Room,
    client: Any,
    real_broker_mode: None,
    broker_down: mock.MagicMock,
    django_capture_on_commit_callbacks: Any,
    mailoutbox: list[Any],
) -> None:
    position = room.position_a
    client.force_login(room.cast.official_of_chapter)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("consultations:triage_status", args=[position.pk]),
            {"status": "declined", "response": "Fuera del mandato.", "triage_version": position.triage_version},
            headers=HTMX,
        )

    # The user sees the pane with the new status and no error.
    assert response.status_code == 200
    page = response.content.decode()
    assert "errorlist" not in page and "alert-error" not in page
    assert Position.objects.get(pk=position.pk).status == PositionStatus.DECLINED
    event = TriageEvent.objects.get(position=position, to_status=PositionStatus.DECLINED)
    assert broker_down.call_count == 0, "the request called the broker; only the relay may"
    message = OutboxMessage.objects.get()
    assert (message.task, message.kwargs) == (NOTIFY, {"event_id": event.pk})
    assert message.published_at is None
    assert mailoutbox == []

    # The relay while the broker is still down: the row waits, the flush stops quietly.
    assert tasks.outbox_flush.apply().get() == 0
    assert OutboxMessage.objects.get().published_at is None

    # The broker is back.
    with mock.patch.object(app, "send_task") as accepted:
        assert outbox.outbox_flush() == 1
        assert outbox.outbox_flush() == 0
    accepted.assert_called_once_with(NOTIFY, kwargs={"event_id": event.pk}, task_id=f"outbox-{message.pk}-2")
    message.refresh_from_db()
    assert message.published_at is not None and message.last_error == ""

    # What the worker then does with it: one e-mail per member of organisation A.
    tasks.position_update_notify.apply(kwargs=message.kwargs).get()
    tasks.position_update_notify.apply(kwargs=message.kwargs).get()  # a redelivery
    assert set(by_recipient(mailoutbox)) == room.org_a_members


def test_a_commit_publishes_nothing_and_the_relay_publishes_in_order(
    room: Room, real_broker_mode: None, django_capture_on_commit_callbacks: Any
) -> None:
    with mock.patch.object(app, "send_task") as accepted:
        with django_capture_on_commit_callbacks(execute=True):
            first = outbox.outbox_enqueue(task=NOTIFY, event_id=1)
            second = outbox.outbox_enqueue(task=NOTIFY, event_id=2)
        accepted.assert_not_called()
        assert outbox.outbox_flush() == 2
        assert outbox.outbox_flush() == 0
    assert [c.kwargs["kwargs"]["event_id"] for c in accepted.call_args_list] == [1, 2]
    assert [c.kwargs["task_id"] for c in accepted.call_args_list] == [f"outbox-{first.pk}-1", f"outbox-{second.pk}-1"]


def test_a_published_task_never_completed_is_published_again_and_a_completed_one_is_not(
    room: Room, real_broker_mode: None, settings: Any
) -> None:
    """Redis restarted without its queue: the task is gone, so the reconciler hands it back to the relay."""
    with mock.patch.object(app, "send_task") as accepted:
        lost = outbox.outbox_enqueue(task=NOTIFY, event_id=1)
        done = outbox.outbox_enqueue(task=NOTIFY, event_id=2)
        assert outbox.outbox_flush() == 2
        outbox.outbox_complete(task_id=accepted.call_args_list[1].kwargs["task_id"])  # the worker ran event 2
        assert outbox.outbox_requeue_lost() == 0  # not yet expected: maybe still queued
        later = timezone.now() + dt.timedelta(seconds=settings.OUTBOX_EXPECTED_WITHIN + 1)
        assert outbox.outbox_requeue_lost(now=later) == 1
        assert outbox.outbox_flush() == 1
    assert accepted.call_args_list[2].kwargs == {"kwargs": {"event_id": 1}, "task_id": f"outbox-{lost.pk}-2"}
    done.refresh_from_db()
    assert done.completed_at is not None and done.attempts == 1
    # A message that keeps failing is not published for ever.
    OutboxMessage.objects.filter(pk=lost.pk).update(attempts=settings.OUTBOX_MAX_PUBLISHES)
    assert outbox.outbox_requeue_lost(now=later + dt.timedelta(hours=1)) == 0


def test_an_enqueue_rolled_back_with_its_change_is_never_published(room: Room, real_broker_mode: None) -> None:
    with mock.patch.object(app, "send_task") as accepted:
        with pytest.raises(RuntimeError):
            from django.db import transaction

            with transaction.atomic():
                outbox.outbox_enqueue(task=NOTIFY, event_id=1)
                raise RuntimeError("the change failed")
        assert outbox.outbox_flush() == 0
    accepted.assert_not_called()
    assert not OutboxMessage.objects.exists()


def test_the_digest_fan_out_survives_a_broker_outage(
    room: Room, real_broker_mode: None, django_capture_on_commit_callbacks: Any
) -> None:
    refused = mock.patch.object(app, "send_task", side_effect=OperationalError("down"))
    with refused, django_capture_on_commit_callbacks(execute=True):
        queued = tasks.digests_dispatch_due.apply().get()
    assert queued == len(room.recipients)
    pending = list(OutboxMessage.objects.filter(published_at__isnull=True).values_list("pk", flat=True))
    assert len(pending) == len(room.recipients)
    with mock.patch.object(app, "send_task") as accepted:
        assert outbox.outbox_flush() == len(room.recipients)
        assert outbox.outbox_flush() == 0
    published = sorted(c.kwargs["kwargs"]["delivery_id"] for c in accepted.call_args_list)
    assert len(published) == len(set(published)) == len(room.recipients)


def test_a_refused_publish_records_the_attempt_and_the_error(
    room: Room, real_broker_mode: None, broker_down: mock.MagicMock
) -> None:
    message = outbox.outbox_enqueue(task=NOTIFY, event_id=1)
    assert outbox.outbox_flush() == 0
    message.refresh_from_db()
    assert (message.attempts, message.published_at) == (1, None)
    assert "Connection refused" in message.last_error
