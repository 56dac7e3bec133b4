"""Two officials on one position: the second, working from a stale view, gets a conflict naming the first."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from consultations.models import AuditEvent, Chapter, Position, PositionStatus, Round, TriageEvent
from consultations.services import triage
from consultations.services.errors import TriageConflict
from tests import factories
from tests.conftest import Cast
from tests.consultations.triage.conftest import db_counts, make_position, row

S = PositionStatus


@pytest.fixture
def second_official(chapter: Chapter) -> Any:
    user = factories.official(chapters=[chapter])
    user.full_name = "Rocío Garza Treviño"
    user.save()
    return user


@pytest.mark.django_db
def test_stale_status_change_conflicts_names_the_first_change_and_saves_nothing(
    cast: Cast, position: Position, second_official: Any
) -> None:
    first = cast.official_of_chapter
    first.full_name = "Ernesto Villarreal Peña"
    first.save()
    opened_version = position.triage_version
    triage.position_set_status(by=first, position=position, status=S.IN_REVIEW, expected_version=opened_version)
    before_row = row(position)
    before = db_counts()

    with pytest.raises(TriageConflict) as caught:
        triage.position_set_status(
            by=second_official, position=position, status=S.IN_REVIEW, expected_version=opened_version
        )

    conflict = caught.value
    assert conflict.code == "conflict"
    assert conflict.latest is not None
    assert conflict.latest.actor == first
    assert (conflict.latest.action, conflict.latest.to_status) == (TriageEvent.Action.STATUS, S.IN_REVIEW)
    assert conflict.current.triage_version == opened_version + 1
    assert "Ernesto Villarreal Peña" in conflict.messages[0]
    assert "Status changed" in conflict.messages[0]
    assert row(position) == before_row
    assert db_counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("second", ["assign", "respond", "set_status"])
def test_every_versioned_action_conflicts_on_a_stale_version(
    cast: Cast, position: Position, second_official: Any, second: str
) -> None:
    triage.position_set_status(by=cast.official_of_chapter, position=position, status=S.IN_REVIEW)
    triage.position_assign(by=cast.official_of_chapter, position=position, assignee=cast.official_of_chapter)
    stale = 2  # the version after the first change, before the assignment
    before_row = row(position)
    before = db_counts()
    calls: dict[str, Callable[[], Any]] = {
        "assign": lambda: triage.position_assign(
            by=second_official, position=position, assignee=second_official, expected_version=stale
        ),
        "respond": lambda: triage.position_respond(
            by=second_official, position=position, response="Otra respuesta.", expected_version=stale
        ),
        "set_status": lambda: triage.position_set_status(
            by=second_official, position=position, status=S.DECLINED, response="No.", expected_version=stale
        ),
    }

    with pytest.raises(TriageConflict) as caught:
        calls[second]()

    latest = caught.value.latest
    assert latest is not None
    assert (latest.action, latest.actor) == (TriageEvent.Action.ASSIGN, cast.official_of_chapter)
    assert str(cast.official_of_chapter) in caught.value.messages[0]
    assert row(position) == before_row
    assert db_counts() == before


@pytest.mark.django_db
def test_current_version_is_accepted_after_reloading(cast: Cast, position: Position, second_official: Any) -> None:
    triage.position_set_status(by=cast.official_of_chapter, position=position, status=S.IN_REVIEW)
    position.refresh_from_db()

    triage.position_set_status(
        by=second_official,
        position=position,
        status=S.NOTED,
        response="Tomada en cuenta.",
        expected_version=position.triage_version,
    )

    assert Position.objects.get(pk=position.pk).status == S.NOTED


def _race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads (each its own connection) released together; a result or the exception."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # the test inspects whatever was raised
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_officials_setting_a_status_at_once_one_wins(
    cast: Cast, chapter: Chapter, open_round: Round, second_official: Any, mailoutbox: list[Any]
) -> None:
    position = make_position(organisation=cast.org_a, chapter=chapter, round=open_round, status=S.IN_REVIEW)
    first = cast.official_of_chapter

    results = _race(
        lambda: triage.position_set_status(
            by=first, position=position, status=S.DECLINED, response="Rechazada por A.", expected_version=1
        ),
        lambda: triage.position_set_status(
            by=second_official, position=position, status=S.NOTED, response="Anotada por B.", expected_version=1
        ),
    )

    won = [result for result in results if isinstance(result, Position)]
    lost = [result for result in results if isinstance(result, ValidationError)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], TriageConflict)
    stored = Position.objects.get(pk=position.pk)
    assert (stored.status, stored.triage_version) == (won[0].status, 2)
    assert stored.official_response in {"Rechazada por A.", "Anotada por B."}
    event = TriageEvent.objects.get(position=position)
    assert lost[0].latest is not None and lost[0].latest.pk == event.pk
    assert event.to_status == stored.status
    assert AuditEvent.objects.filter(action="triage.status").count() == 1
    # The winner's notification went out after its commit; the loser's never existed.
    assert {mail.to[0] for mail in mailoutbox} == {cast.delegate_a.email, cast.coordinator_a.email}
