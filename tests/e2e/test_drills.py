"""Fault drills: a real Celery worker and beat (with the outbox relay) on a Redis of their own, and an SMTP sink,
while the test stops, restarts or kills one of them. Each prints expected against observed e-mails (sent once,
duplicated, lost) and fails on any loss or duplicate.

``pytest -m drill`` runs the short version; ``make drill-redis``, ``make drill-worker`` and ``make drill-smtp``
run the full one (``DRILL_SCALE=full``).
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from consultations.models import Delivery, Notification, OutboxMessage, Position, PositionStatus, User
from consultations.services import triage
from tests import factories
from tests.e2e.delivery_stack import DeliveryStack, settle, worker_database_url
from tests.e2e.support import short_tmp_dir, wait_for

pytestmark = [pytest.mark.drill, pytest.mark.slow, pytest.mark.timeout(600), pytest.mark.django_db(transaction=True)]

FULL = os.environ.get("DRILL_SCALE") == "full"
S = PositionStatus


@pytest.fixture
def make_stack(transactional_db: None, settings: Any) -> Iterator[Any]:
    stacks: list[DeliveryStack] = []
    folders = []

    def make(**timings: str) -> DeliveryStack:
        folder = short_tmp_dir("cdjx-")
        folders.append(folder)
        stack = DeliveryStack(folder, worker_database_url(), settings.SITE_URL, **timings)
        stacks.append(stack)
        return stack

    try:
        yield make
    finally:
        for stack in stacks:
            stack.close()
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Cast:
    official: User
    members: list[User]
    positions: list[Position]


def populate(*, positions: int, members: int) -> Cast:
    tag = uuid.uuid4().hex[:6]
    chapter = factories.ChapterFactory(number=4)
    round = factories.RoundFactory(label=f"Ronda simulacro {tag}")
    organisation = factories.OrganisationFactory(name=f"Cámara simulacro {tag}")
    people = [factories.MembershipFactory(organisation=organisation).user for _ in range(members)]
    filed = [
        factories.PositionFactory(
            organisation=organisation,
            chapter=chapter,
            round=round,
            status=S.IN_REVIEW,
            filed_at=timezone.now(),
            title=f"Posición {index:03d} {tag}",
        )
        for index in range(positions)
    ]
    return Cast(official=factories.official(chapters=[chapter]), members=people, positions=filed)


def decline_all(cast: Cast) -> None:
    """What officials do on the triage page: each change is saved with its outbox row, nothing is published."""
    for position in cast.positions:
        triage.position_set_status(by=cast.official, position=position, status=S.DECLINED, response="Fuera de mandato.")


@dataclass
class Tally:
    expected: int
    once: int
    duplicated: int
    lost: int

    def line(self, name: str, extra: str = "") -> str:
        return (
            f"drill {name}: expected {self.expected} e-mails; sent once {self.once}, duplicated {self.duplicated}, "
            f"lost {self.lost}{extra}"
        )


def tally(stack: DeliveryStack, cast: Cast) -> Tally:
    received = stack.sink.per_recipient_subject()
    counts = Counter()
    for member in cast.members:
        for position in cast.positions:
            counts[(member.email.lower(), position.title)] = sum(
                n
                for (address, subject), n in received.items()
                if address == member.email.lower() and position.title in subject
            )
    return Tally(
        expected=len(counts),
        once=sum(1 for n in counts.values() if n == 1),
        duplicated=sum(1 for n in counts.values() if n > 1),
        lost=sum(1 for n in counts.values() if n == 0),
    )


def report(name: str, result: Tally, extra: str = "") -> None:
    print("\n" + result.line(name, extra))
    assert result.duplicated == 0 and result.lost == 0, result.line(name, extra)


def statuses() -> Counter[str]:
    return Counter(Delivery.objects.values_list("status", flat=True))


def test_drill_redis_restarted_without_persistence_loses_no_notification(make_stack: Any) -> None:
    """The queued notification tasks vanish with Redis; the reconciler publishes them again; each goes out once."""
    positions, members = (20, 10) if FULL else (4, 3)
    stack = make_stack()
    cast = populate(positions=positions, members=members)
    beat = stack.beat()
    started = time.monotonic()
    decline_all(cast)
    notify = OutboxMessage.objects.filter(task__endswith="position_update_notify")
    wait_for(lambda: not notify.filter(published_at__isnull=True).exists(), timeout=60, what="the relay", log=beat.log)
    queued = stack.redis.queued()
    assert queued >= positions, f"{queued} tasks queued, expected at least {positions}"

    stack.redis.restart()  # no persistence: every queued task is lost
    assert stack.redis.queued() == 0
    worker = stack.worker("w1")
    expected = positions * members
    settle(
        lambda: statuses()[Delivery.Status.SENT] == expected and Notification.objects.count() == expected,
        timeout=180,
        what=f"{expected} notifications after the broker restart",
        log=worker.log,
    )
    assert statuses() == Counter({Delivery.Status.SENT: expected})
    assert Notification.objects.count() == expected  # the in-app entries too, once each
    assert not notify.filter(completed_at__isnull=True).exists()
    report(
        "redis",
        tally(stack, cast),
        f"; {queued} queued tasks lost with Redis; in-app {Notification.objects.count()}/{expected}; "
        f"{time.monotonic() - started:.1f}s",
    )


def test_drill_smtp_down_then_back_delivers_each_once(make_stack: Any) -> None:
    """The relay is down for a while (the schedule retries), then back: everything arrives, once."""
    outage = 60.0 if FULL else 8.0
    schedule = "5,10,15,20,30,40" if FULL else "1,2,2,3,3,4,5"
    positions, members = (10, 5) if FULL else (2, 3)
    stack = make_stack(DELIVERY_RETRY_SCHEDULE=schedule)
    cast = populate(positions=positions, members=members)
    stack.sink.stop()
    stack.beat()
    worker = stack.worker("w1")
    started = time.monotonic()
    decline_all(cast)
    expected = positions * members
    wait_for(
        lambda: Delivery.objects.filter(retries__gte=1).count() == expected,
        timeout=60,
        what="every delivery to be refused once",
        log=worker.log,
    )
    time.sleep(max(0.0, outage - (time.monotonic() - started)))
    retried = Delivery.objects.filter(status=Delivery.Status.PENDING).count()
    stack.sink.start()  # on the same port
    back = time.monotonic()
    settle(
        lambda: statuses()[Delivery.Status.SENT] == expected,
        timeout=120,
        what="the deliveries after the relay came back",
        log=worker.log,
    )
    recovered = time.monotonic() - back
    assert statuses() == Counter({Delivery.Status.SENT: expected})
    report(
        "smtp",
        tally(stack, cast),
        f"; relay down {outage:.0f}s with {retried} pending on the retry schedule; all delivered {recovered:.1f}s "
        "after it came back",
    )


def test_drill_smtp_connection_dropped_after_data_is_unknown_and_never_duplicated(make_stack: Any) -> None:
    positions, members = (5, 4) if FULL else (1, 3)
    stack = make_stack()
    cast = populate(positions=positions, members=members)
    expected = positions * members
    stack.sink.mode, stack.sink.mode_limit = "drop", expected
    stack.beat()
    worker = stack.worker("w1")
    decline_all(cast)
    settle(
        lambda: statuses()[Delivery.Status.UNKNOWN] == expected,
        timeout=60,
        what="every dropped send to be marked unknown",
        log=worker.log,
        quiet=6.0,  # several reconciler rounds: none may resend
    )
    assert statuses() == Counter({Delivery.Status.UNKNOWN: expected})
    assert all(
        "No answer after the message was sent" in e for e in Delivery.objects.values_list("last_error", flat=True)
    )
    report("smtp-drop", tally(stack, cast), f"; {expected} marked outcome unknown, none retried")


def test_drill_worker_killed_mid_send_is_unknown_within_the_lease_and_nothing_is_duplicated(make_stack: Any) -> None:
    positions, members = (1, 20) if FULL else (1, 5)
    # The lease outlasts starting the second worker and the duplicate below (the send is in flight all along).
    stack = make_stack(DELIVERY_LEASE="20")
    cast = populate(positions=positions, members=members)
    stack.sink.mode, stack.sink.mode_limit = "hold", 1
    stack.beat()
    first = stack.worker("w1")
    decline_all(cast)
    wait_for(stack.sink.held.is_set, timeout=60, what="a send to be in flight", log=first.log)
    (held_address,) = stack.sink.held_recipients
    held = Delivery.objects.get(recipient__email__iexact=held_address)
    assert held.status == Delivery.Status.SENDING

    # A duplicate of its task runs on another worker meanwhile: it must not touch the delivery in flight.
    second = stack.worker("w2")
    duplicate = OutboxMessage.objects.create(
        task="consultations.tasks.delivery_send", kwargs={"delivery_id": held.pk, "attempt": 0}
    )
    wait_for(
        lambda: OutboxMessage.objects.filter(pk=duplicate.pk, completed_at__isnull=False).exists(),
        timeout=60,
        what="the duplicate task to run",
        log=second.log,
    )
    assert Delivery.objects.get(pk=held.pk).status == Delivery.Status.SENDING

    first.kill()
    killed = time.monotonic()
    wait_for(
        lambda: Delivery.objects.get(pk=held.pk).status == Delivery.Status.UNKNOWN,
        timeout=60,
        interval=0.2,
        what="the interrupted send to show as unknown",
        log=second.log,
    )
    surfaced = time.monotonic() - killed
    since_send = (timezone.now() - held.attempted_at).total_seconds()
    bound = float(stack.env["DELIVERY_LEASE"]) + 2 * float(stack.env["DELIVERY_RECONCILE_EVERY"]) + 3
    assert since_send <= bound, f"unknown {since_send:.1f}s after the send began; the lease allows {bound:.0f}s"
    stack.sink.release.set()  # the server got the whole message; whether it was delivered nobody knows
    expected = positions * members
    settle(
        lambda: statuses()[Delivery.Status.SENT] == expected - 1,
        timeout=120,
        what="the other deliveries, by the second worker",
        log=second.log,
        quiet=5.0,
    )
    assert statuses() == Counter({Delivery.Status.SENT: expected - 1, Delivery.Status.UNKNOWN: 1})
    report(
        "worker",
        tally(stack, cast),
        f"; worker killed mid-send: outcome unknown {surfaced:.1f}s after the kill, {since_send:.1f}s after the send "
        f"began (lease {stack.env['DELIVERY_LEASE']}s); a duplicate task left it alone",
    )
