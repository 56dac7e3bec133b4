"""Row locks on the filing path: only the position row, never the round or organisation every filing shares; a
deadlock is retried inside the service; a click is judged by when its request arrived."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consultations.models import Organisation, Position, PositionStatus, Round
from consultations.services import attachments, cosignatures, positions, retry, triage
from tests.consultations.services.helpers import draft, filed

pytestmark = pytest.mark.django_db(transaction=True)


def _lockable_elsewhere(model, pk: int) -> bool:
    """Whether another connection can key-share-lock the row right now (what a concurrent insert's deferred
    foreign key check does at commit) without waiting."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            try:
                cursor.execute(f"SELECT 1 FROM {model._meta.db_table} WHERE id = %s FOR KEY SHARE NOWAIT", [pk])  # noqa: S608
                return True
            except OperationalError:
                return False
            finally:
                cursor.execute("ROLLBACK")
    finally:
        other.close()


LOCKS = {
    "positions.lock_position": lambda p: positions.lock_position(p.pk),
    "triage._lock": lambda p: triage._lock(p),
}


@pytest.mark.parametrize("name", list(LOCKS))
def test_locking_a_position_leaves_its_round_and_organisation_free(name, cast, chapter, open_round):
    position = filed(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    with transaction.atomic():
        locked = LOCKS[name](position)
        assert locked.round.pk == open_round.pk  # the round is read with it, for the deadline check
        assert _lockable_elsewhere(Round, open_round.pk)
        assert _lockable_elsewhere(Organisation, cast.org_a.pk)


class _Hold:
    """A transaction in another thread that holds a lock on the position row until told to let go."""

    def __init__(self, position_id: int) -> None:
        self.position_id = position_id
        self.locked = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        try:
            with transaction.atomic():
                list(Position.objects.select_for_update().filter(pk=self.position_id))
                self.locked.set()
                self.release.wait(timeout=20)
        finally:
            connection.close()

    def __enter__(self) -> _Hold:
        self.thread.start()
        assert self.locked.wait(timeout=10)
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.thread.join(timeout=20)


def test_a_round_being_filed_into_does_not_block_other_writers_of_the_round(cast, chapter, open_round):
    """While one filing holds its position, a draft of another organisation is created and filed at once."""
    held = draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    with transaction.atomic():
        positions.lock_position(held.pk)
        done = {}

        def other_org_files() -> None:
            try:
                other = draft(organisation=cast.org_b, by=cast.delegate_b, chapter=chapter, round=open_round)
                done["position"] = positions.position_file(by=cast.delegate_b, position=other)
            finally:
                connection.close()

        thread = threading.Thread(target=other_org_files)
        thread.start()
        thread.join(timeout=10)
        assert not thread.is_alive(), "another organisation's filing waited on this one's lock"
    assert done["position"].status == PositionStatus.SUBMITTED


def _deadlock_error() -> OperationalError:
    class Cause(Exception):
        sqlstate = "40P01"

    error = OperationalError("deadlock detected")
    error.__cause__ = Cause()
    return error


def test_retry_runs_the_transaction_again_after_a_deadlock_and_gives_up_when_bounded(monkeypatch):
    monkeypatch.setattr(retry.time, "sleep", lambda seconds: None)
    calls = []

    @retry.retry_on_conflict(attempts=3)
    def flaky(fail_times: int) -> str:
        calls.append(1)
        if len(calls) <= fail_times:
            raise _deadlock_error()
        return "done"

    assert flaky(2) == "done" and len(calls) == 3
    calls.clear()
    with pytest.raises(OperationalError):
        flaky(3)
    assert len(calls) == 3


def test_retry_leaves_other_errors_and_enclosing_transactions_alone(monkeypatch):
    monkeypatch.setattr(retry.time, "sleep", lambda seconds: None)
    calls = []

    @retry.retry_on_conflict
    def fails(error: Exception) -> None:
        calls.append(1)
        raise error

    with pytest.raises(OperationalError):
        fails(OperationalError("connection refused"))
    assert len(calls) == 1
    calls.clear()
    with pytest.raises(OperationalError), transaction.atomic():
        fails(_deadlock_error())
    assert len(calls) == 1  # inside someone else's transaction, its work is lost anyway: no retry


def test_a_real_deadlock_between_two_services_is_retried_and_both_succeed(cast, chapter, open_round):
    """Two transactions lock two positions in opposite orders: PostgreSQL kills one, the helper runs it again."""
    first = filed(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    second = filed(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def crossing(name: str, order: list[int]) -> None:
        attempts = []

        @retry.retry_on_conflict
        @transaction.atomic
        def work() -> None:
            attempts.append(1)
            positions.lock_position(order[0])
            if len(attempts) == 1:
                barrier.wait(timeout=10)
            positions.lock_position(order[1])
            time.sleep(0.05)

        try:
            work()
            results[name] = len(attempts)
        except Exception as error:  # the test reports whatever escaped
            results[name] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=crossing, args=("a", [first.pk, second.pk])),
        threading.Thread(target=crossing, args=("b", [second.pk, first.pk])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(isinstance(value, int) for value in results.values()), results
    assert sorted(results.values()) == [1, 2]  # one went through, the deadlock victim succeeded on its retry


def test_a_click_sent_before_the_deadline_and_queued_past_it_is_still_filed(cast, chapter, open_round):
    """The file request arrives before the deadline but waits behind a lock until after it: it counts."""
    position = draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    deadline = timezone.now() + dt.timedelta(seconds=1.5)
    Round.objects.filter(pk=open_round.pk).update(submission_deadline=deadline)
    client = Client()
    client.force_login(cast.delegate_a)
    with _Hold(position.pk) as hold:
        threading.Timer(max(0.0, (deadline - timezone.now()).total_seconds()) + 0.5, hold.release.set).start()
        response = client.post(reverse("consultations:position_file", args=[position.pk]), follow=True)
    assert timezone.now() > deadline
    assert response.status_code == 200
    position.refresh_from_db()
    assert position.status == PositionStatus.SUBMITTED
    assert position.filed_at < deadline


def test_a_click_after_the_deadline_gets_the_deadline_message_not_an_error(cast, chapter, open_round):
    position = draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    Round.objects.filter(pk=open_round.pk).update(submission_deadline=timezone.now() - dt.timedelta(seconds=1))
    client = Client()
    client.force_login(cast.delegate_a)
    response = client.post(reverse("consultations:position_file", args=[position.pk]), follow=True)
    assert response.status_code == 200
    assert "submission deadline" in response.content.decode() or "fecha límite" in response.content.decode()
    position.refresh_from_db()
    assert position.status == PositionStatus.DRAFT


def test_attachment_and_cosignature_paths_lock_only_the_position(cast, chapter, open_round, monkeypatch):
    """Both call ``lock_position``; checked here so that a path cannot drift back to its own joined lock."""
    seen = []
    original = positions.lock_position

    def spy(pk: int) -> Position:
        seen.append(pk)
        return original(pk)

    monkeypatch.setattr(attachments, "lock_position", spy)
    monkeypatch.setattr(cosignatures, "lock_position", spy)
    position = filed(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    cosignatures.cosignature_invite(by=cast.delegate_a, position=position, organisation=cast.org_b)
    assert seen == [position.pk]
