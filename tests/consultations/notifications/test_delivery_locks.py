"""A notification e-mail locks only its delivery row: a recipient whose user row is busy still gets it, and one
another worker holds is left to that worker but never lost (the reconciler queues it again if it stays pending).

Real transactions on the test database: a second connection holds the lock while the task runs in this one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.utils import timezone

from consultations.models import Delivery, PositionStatus, TriageEvent
from consultations.services import deliveries, notifications, triage
from tests import factories
from tests.e2e.delivery_stack import worker_database_url

pytestmark = pytest.mark.django_db(transaction=True)

S = PositionStatus


@contextlib.contextmanager
def held_by_another_transaction(sql: str, *params: Any) -> Iterator[None]:
    with psycopg.connect(worker_database_url(), autocommit=False) as other:
        other.execute(sql, params)
        try:
            yield
        finally:
            other.rollback()


@pytest.fixture
def event(cast: Any, chapter: Any, open_round: Any) -> Iterator[TriageEvent]:
    """A status change whose notification has not run yet (the relay has not published it)."""
    from usmca.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield _noted(cast, chapter, open_round)
    finally:
        app.conf.task_always_eager = previous


def _noted(cast: Any, chapter: Any, open_round: Any) -> TriageEvent:
    factories.MembershipFactory(organisation=cast.org_a)  # three members in all
    position = factories.PositionFactory(
        organisation=cast.org_a, chapter=chapter, round=open_round, status=S.IN_REVIEW, filed_at=timezone.now()
    )
    triage.position_set_status(by=cast.official_of_chapter, position=position, status=S.NOTED, response="Anotada.")
    return TriageEvent.objects.get(position=position, to_status=S.NOTED)


def test_a_recipient_whose_user_row_is_busy_still_gets_the_email(
    cast: Any, event: TriageEvent, mailoutbox: list[Any]
) -> None:
    """The old join lock (FOR UPDATE on the user row too) skipped this recipient and left it pending for ever."""
    mailoutbox.clear()
    busy = cast.delegate_a
    # What a sign-in does to the user row (last_login) in a transaction that has not committed yet.
    with held_by_another_transaction("UPDATE consultations_user SET last_login = now() WHERE id = %s", busy.pk):
        sent = notifications.position_update_notify(event_id=event.pk)
    assert sent == 3
    assert sorted(m.to[0] for m in mailoutbox) == sorted(m.user.email for m in cast.org_a.memberships.all())
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}


def test_a_delivery_held_by_another_worker_is_skipped_then_reconciled_not_lost(
    cast: Any, event: TriageEvent, mailoutbox: list[Any], eager_celery: None
) -> None:
    mailoutbox.clear()
    held = Delivery.objects.create(
        kind=notifications.POSITION_UPDATE,
        key=f"triage-event:{event.pk}",
        recipient=cast.delegate_a,
        next_attempt_at=deliveries.delivery_expected_by(),
    )
    with held_by_another_transaction("SELECT id FROM consultations_delivery WHERE id = %s FOR UPDATE", held.pk):
        assert notifications.position_update_notify(event_id=event.pk) == 2
    assert Delivery.objects.get(pk=held.pk).status == Delivery.Status.PENDING
    assert len(mailoutbox) == 2

    # The other worker died without sending it: once it is overdue the reconciler queues it again.
    assert deliveries.deliveries_reconcile()["queued"] == 0
    overdue = timezone.now() + dt.timedelta(seconds=settings.DELIVERY_EXPECTED_WITHIN + 1)
    assert deliveries.deliveries_reconcile(now=overdue)["queued"] == 1
    assert Delivery.objects.get(pk=held.pk).status == Delivery.Status.SENT
    assert [m.to for m in mailoutbox[2:]] == [[cast.delegate_a.email]]
