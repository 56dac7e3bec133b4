"""Quick changes to one position make one e-mail: each status-change e-mail waits NOTIFICATION_BATCH_WINDOW, then
carries every change to that position for that person since their previous e-mail, in order, each with its own
status and response. The carried deliveries end "sent in a batch"; nothing is lost or sent twice; the in-app list
keeps one entry per change."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any
from unittest import mock

import pytest
from django.core.mail import EmailMessage
from django.utils import timezone

from consultations import tasks
from consultations.models import Delivery, Notification, Position, PositionStatus, TriageEvent, User
from consultations.services import deliveries, notifications, triage
from tests.conftest import Cast

pytestmark = pytest.mark.django_db

S = PositionStatus
WINDOW = 60
ASKED = "Falta el dato de exportaciones de 2016."
RESPONSE = "Agradecemos su aportación; no se incluirá en la propuesta de México."


@pytest.fixture(autouse=True)
def batch_window(settings: Any, cast: Cast) -> None:
    settings.NOTIFICATION_BATCH_WINDOW = WINDOW
    User.objects.filter(pk__in=[cast.delegate_a.pk, cast.coordinator_a.pk]).update(language="en")


def _change(cast: Cast, position: Position, status: str, response: str = "", *, capture: Any) -> None:
    with capture(execute=True):
        triage.position_set_status(by=cast.official_of_chapter, position=position, status=status, response=response)


def _four_quick_changes(cast: Cast, position: Position, capture: Any) -> None:
    _change(cast, position, S.IN_REVIEW, capture=capture)
    _change(cast, position, S.NEEDS_INFO, ASKED, capture=capture)
    _change(cast, position, S.IN_REVIEW, capture=capture)
    _change(cast, position, S.DECLINED, RESPONSE, capture=capture)


def _reconcile_at(moment: dt.datetime, capture: Any) -> None:
    """Beat's reconciler at ``moment``: it queues the deliveries that are due, and the (eager) worker sends them."""
    with capture(execute=True):
        deliveries.deliveries_reconcile(now=moment)


def _members(cast: Cast) -> list[str]:
    return sorted([cast.delegate_a.email, cast.coordinator_a.email])


def test_four_quick_changes_make_one_email_listing_the_four_in_order(
    cast: Cast, position: Position, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    started = timezone.now()
    _four_quick_changes(cast, position, django_capture_on_commit_callbacks)

    # Nothing leaves during the window; every change is held for it.
    assert mailoutbox == []
    held = Delivery.objects.filter(kind=notifications.POSITION_UPDATE)
    assert held.count() == 4 * 2 and set(held.values_list("status", flat=True)) == {Delivery.Status.PENDING}
    assert all(started + dt.timedelta(seconds=WINDOW) <= d.next_attempt_at for d in held)
    _reconcile_at(started + dt.timedelta(seconds=WINDOW - 5), django_capture_on_commit_callbacks)
    assert mailoutbox == []

    _reconcile_at(timezone.now() + dt.timedelta(seconds=WINDOW + 1), django_capture_on_commit_callbacks)

    assert sorted(m.to[0] for m in mailoutbox) == _members(cast)  # one e-mail each
    for message in mailoutbox:
        assert "4 changes" in message.subject and position.title in message.subject
        body = message.body
        # In the order they happened, each with its own status and response.
        steps = [body.index(f"{n}. ") for n in (1, 2, 3, 4)]
        assert steps == sorted(steps)
        blocks = [body[start:end] for start, end in zip(steps, [*steps[1:], len(body)], strict=True)]
        assert "Status: In review" in blocks[0] and "Official response" not in blocks[0]
        assert "Status: Needs more information" in blocks[1] and ASKED in blocks[1]
        assert "Status: In review" in blocks[2] and ASKED not in blocks[2]
        assert "Status: Declined" in blocks[3] and RESPONSE in blocks[3]
        html = message.alternatives[0].content
        assert html.count("<li>") == 4 and html.index(ASKED) < html.index("Agradecemos su aportación")

    # One delivery per person sent; the other three carried in it, each a final state.
    for member in (cast.delegate_a, cast.coordinator_a):
        rows = Delivery.objects.filter(kind=notifications.POSITION_UPDATE, recipient=member)
        assert Counter(rows.values_list("status", flat=True)) == {Delivery.Status.SENT: 1, Delivery.Status.BATCHED: 3}
        carrier = rows.get(status=Delivery.Status.SENT)
        assert set(rows.filter(status=Delivery.Status.BATCHED).values_list("batched_into", flat=True)) == {carrier.pk}
        assert all(row.sent_at == carrier.sent_at for row in rows)

    # The in-app list is unchanged: one entry per change and person.
    assert Notification.objects.filter(recipient=cast.delegate_a).count() == 4
    assert Notification.objects.count() == 4 * 2

    # Later reconciler rounds, and duplicate tasks for every row, send nothing more.
    _reconcile_at(timezone.now() + dt.timedelta(hours=3), django_capture_on_commit_callbacks)
    for row in Delivery.objects.all():
        assert tasks.delivery_send.delay(row.pk, 0).get() is False
    for event in TriageEvent.objects.all():
        notifications.position_update_notify(event_id=event.pk)
    assert len(mailoutbox) == 2


def test_a_change_after_the_window_makes_a_new_email(
    cast: Cast, position: Position, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    _change(cast, position, S.IN_REVIEW, capture=django_capture_on_commit_callbacks)
    _change(cast, position, S.NEEDS_INFO, ASKED, capture=django_capture_on_commit_callbacks)
    _reconcile_at(timezone.now() + dt.timedelta(seconds=WINDOW + 1), django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2 and all("2 changes" in m.subject for m in mailoutbox)

    _change(cast, position, S.IN_REVIEW, capture=django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2  # held for its own window
    _reconcile_at(timezone.now() + dt.timedelta(seconds=WINDOW + 1), django_capture_on_commit_callbacks)

    later = mailoutbox[2:]
    assert sorted(m.to[0] for m in later) == _members(cast)
    for message in later:
        # Only the new change: what was e-mailed before is not repeated.
        assert "changes" not in message.subject and "In review" in message.subject
        assert ASKED not in message.body and "Status: In review" in message.body


def test_another_position_is_its_own_email(
    cast: Cast, position: Position, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    from tests.consultations.triage.conftest import make_position

    other = make_position(
        organisation=cast.org_a,
        chapter=position.chapter,
        round=position.round,
        created_by=cast.delegate_a,
        title="Otra posición distinta",
    )
    _change(cast, position, S.IN_REVIEW, capture=django_capture_on_commit_callbacks)
    _change(cast, other, S.IN_REVIEW, capture=django_capture_on_commit_callbacks)
    _reconcile_at(timezone.now() + dt.timedelta(seconds=WINDOW + 1), django_capture_on_commit_callbacks)

    assert Counter(m.to[0] for m in mailoutbox) == {email: 2 for email in _members(cast)}
    assert {m.subject.count("Otra posición") for m in mailoutbox} == {0, 1}


def test_a_refused_batch_is_retried_with_the_same_changes_and_sent_once(
    cast: Cast, position: Position, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    _four_quick_changes(cast, position, django_capture_on_commit_callbacks)
    real_send = EmailMessage.send
    with mock.patch.object(EmailMessage, "send", side_effect=ConnectionRefusedError("relay down")):
        _reconcile_at(timezone.now() + dt.timedelta(seconds=WINDOW + 1), django_capture_on_commit_callbacks)
    assert mailoutbox == []
    rows = Delivery.objects.filter(kind=notifications.POSITION_UPDATE)
    # Each carrier waits for its retry; the changes it carries stay with it, none is sent on its own.
    assert Counter(rows.values_list("status", flat=True)) == {Delivery.Status.PENDING: 2, Delivery.Status.BATCHED: 6}

    assert EmailMessage.send is real_send
    _reconcile_at(timezone.now() + dt.timedelta(minutes=5), django_capture_on_commit_callbacks)
    assert sorted(m.to[0] for m in mailoutbox) == _members(cast)
    assert all("4 changes" in m.subject and RESPONSE in m.body and ASKED in m.body for m in mailoutbox)
    assert Counter(rows.values_list("status", flat=True)) == {Delivery.Status.SENT: 2, Delivery.Status.BATCHED: 6}
