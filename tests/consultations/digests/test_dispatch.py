"""digests_dispatch_due: one delivery and one e-mail per recipient, once, only for the rounds that are due."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from consultations import tasks
from consultations.models import Delivery, OutboxMessage, Round
from consultations.services import digests
from tests import factories
from tests.consultations.digests.conftest import Room, by_recipient, due_round

pytestmark = pytest.mark.django_db


def _deliveries(round: Round, kind: str = digests.PRE) -> dict[str, Delivery]:
    rows = Delivery.objects.filter(kind=kind, key=f"round:{round.pk}").select_related("recipient")
    return {delivery.recipient.email: delivery for delivery in rows}


def test_recipients_are_officials_with_chapters_the_coordinator_and_delegates_of_active_orgs(room: Room) -> None:
    emails = {user.email for user in digests.digest_recipients(round=room.round)}
    assert emails == room.recipients
    assert not emails & {user.email for user in room.outsiders}


def test_a_due_round_gives_one_delivery_and_one_email_per_recipient(
    room: Room, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        queued = tasks.digests_dispatch_due.apply().get()

    assert queued == len(room.recipients)
    deliveries = _deliveries(room.round)
    assert set(deliveries) == room.recipients
    assert {d.status for d in deliveries.values()} == {Delivery.Status.SENT}
    assert all(d.attempts == 1 and d.sent_at is not None for d in deliveries.values())
    assert set(by_recipient(mailoutbox)) == room.recipients
    room.round.refresh_from_db()
    assert room.round.digest_dispatched_at is not None
    assert room.round.debrief_dispatched_at is None
    assert not OutboxMessage.objects.filter(published_at__isnull=True).exists()


def test_beat_firing_twice_creates_nothing_and_sends_nothing(
    room: Room, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        digests.digests_dispatch_due()
    first = (Delivery.objects.count(), OutboxMessage.objects.count(), len(mailoutbox))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert digests.digests_dispatch_due() == 0
        assert digests.digests_dispatch_due(now=timezone.now() + dt.timedelta(minutes=5)) == 0

    assert callbacks == []
    assert (Delivery.objects.count(), OutboxMessage.objects.count(), len(mailoutbox)) == first


def test_a_second_fan_out_of_the_same_round_creates_no_second_delivery(
    room: Room, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    """Even if the dispatched mark were lost (two beats racing), the unique row keeps it to one e-mail each."""
    with django_capture_on_commit_callbacks(execute=True):
        digests.digests_dispatch_due()
    Round.objects.filter(pk=room.round.pk).update(digest_dispatched_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert digests.digests_dispatch_due() == 0  # the deliveries exist and none is pending

    assert Delivery.objects.filter(kind=digests.PRE).count() == len(room.recipients)
    assert set(by_recipient(mailoutbox)) == room.recipients


@pytest.mark.parametrize(
    "make_round",
    [
        pytest.param(lambda: factories.RoundFactory(), id="not-yet-due"),
        pytest.param(lambda: due_round(cancelled_at=timezone.now()), id="cancelled"),
        pytest.param(
            lambda: due_round(kind=Round.Kind.MILESTONE, submission_deadline=None, input_opens_at=None),
            id="milestone",
        ),
        pytest.param(
            lambda: due_round(
                starts_on=timezone.localdate() - dt.timedelta(days=1),
                ends_on=timezone.localdate() + dt.timedelta(days=3),
                input_opens_at=timezone.now() - dt.timedelta(days=30),
                submission_deadline=timezone.now() - dt.timedelta(days=8),
                digest_at=timezone.now() - dt.timedelta(days=4),
            ),
            id="already-started",
        ),
        pytest.param(
            lambda: factories.RoundFactory(
                label="Segunda Ronda, Ciudad de México",
                starts_on=dt.date(2017, 9, 1),
                ends_on=dt.date(2017, 9, 5),
                input_opens_at=dt.datetime(2017, 8, 1, tzinfo=dt.UTC),
                submission_deadline=dt.datetime(2017, 8, 25, tzinfo=dt.UTC),
                digest_at=dt.datetime(2017, 8, 29, tzinfo=dt.UTC),
            ),
            id="ended-in-2017",
        ),
    ],
)
def test_rounds_that_are_not_due_get_nothing(
    cast: Any, make_round: Any, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    round = make_round()
    with django_capture_on_commit_callbacks(execute=True):
        assert digests.digests_dispatch_due() == 0
    assert not Delivery.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert mailoutbox == []
    round.refresh_from_db()
    assert round.digest_dispatched_at is None and round.debrief_dispatched_at is None


def test_a_debrief_goes_out_once_after_the_round_ends(
    cast: Any, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    today = timezone.localdate()
    ended = factories.RoundFactory(
        label="Ronda concluida",
        starts_on=today - dt.timedelta(days=6),
        ends_on=today - dt.timedelta(days=2),
        input_opens_at=timezone.now() - dt.timedelta(days=40),
        submission_deadline=timezone.now() - dt.timedelta(days=13),
        digest_at=timezone.now() - dt.timedelta(days=9),
        digest_dispatched_at=timezone.now() - dt.timedelta(days=9),
    )
    with django_capture_on_commit_callbacks(execute=True):
        queued = digests.digests_dispatch_due()
    with django_capture_on_commit_callbacks(execute=True):
        assert digests.digests_dispatch_due() == 0

    recipients = {user.email for user in digests.digest_recipients(round=ended)}
    assert queued == len(recipients)
    assert set(_deliveries(ended, digests.POST)) == recipients
    assert not Delivery.objects.filter(kind=digests.PRE).exists()
    sent = by_recipient(mailoutbox)
    assert set(sent) == recipients
    assert all("Ronda concluida" in message.subject for message in sent.values())
    ended.refresh_from_db()
    assert ended.debrief_dispatched_at is not None


def test_a_round_that_never_had_its_digest_still_gets_only_the_debrief(
    cast: Any, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    """The platform was down before the round: a pre-round digest after the start would be noise."""
    today = timezone.localdate()
    ended = factories.RoundFactory(
        starts_on=today - dt.timedelta(days=4),
        ends_on=today - dt.timedelta(days=1),
        input_opens_at=timezone.now() - dt.timedelta(days=40),
        submission_deadline=timezone.now() - dt.timedelta(days=11),
        digest_at=timezone.now() - dt.timedelta(days=7),
    )
    with django_capture_on_commit_callbacks(execute=True):
        digests.digests_dispatch_due()
    assert set(Delivery.objects.values_list("kind", flat=True)) == {digests.POST}
    assert len(mailoutbox) == len(digests.digest_recipients(round=ended))
