"""Who may triage (officials of the chapter, the coordinator) and to whom a position may be assigned."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from consultations.models import AuditEvent, Chapter, Position, PositionStatus, Round, TriageEvent, User
from consultations.services import triage
from tests import factories
from tests.conftest import Cast
from tests.consultations.triage.conftest import db_counts, make_position, row

pytestmark = pytest.mark.django_db

S = PositionStatus
Action = Callable[[Cast, User, Position], Any]

ACTIONS: dict[str, Action] = {
    "unassign": lambda cast, by, p: triage.position_assign(by=by, position=p, assignee=None),
    "assign": lambda cast, by, p: triage.position_assign(by=by, position=p, assignee=cast.coordinator),
    "set_status": lambda cast, by, p: triage.position_set_status(by=by, position=p, status=S.IN_REVIEW),
    "respond": lambda cast, by, p: triage.position_respond(by=by, position=p, response="Respuesta."),
    "note": lambda cast, by, p: triage.position_note_add(by=by, position=p, body="Nota interna."),
    "tag": lambda cast, by, p: triage.position_tag(by=by, position=p, tag="autopartes"),
}


@pytest.fixture
def assigned(cast: Cast, position: Position) -> Position:
    """The position already assigned, so that unassigning it would be a change."""
    triage.position_assign(by=cast.official_of_chapter, position=position, assignee=cast.official_of_chapter)
    position.refresh_from_db()
    return position


@pytest.mark.parametrize("role", ["official_of_other_chapter", "delegate_a", "delegate_b", "coordinator_a", "admin"])
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_who_may_not_triage_is_refused_and_nothing_changes(
    cast: Cast, assigned: Position, role: str, action: str
) -> None:
    before_row = row(assigned)
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        ACTIONS[action](cast, getattr(cast, role), assigned)

    assert caught.value.code == "forbidden"
    assert row(assigned) == before_row
    assert db_counts() == before


def test_inactive_official_of_the_chapter_is_refused(cast: Cast, position: Position) -> None:
    User.objects.filter(pk=cast.official_of_chapter.pk).update(is_active=False)
    official = User.objects.get(pk=cast.official_of_chapter.pk)
    before_row = row(position)

    with pytest.raises(ValidationError) as caught:
        triage.position_set_status(by=official, position=position, status=S.IN_REVIEW)

    assert caught.value.code == "forbidden"
    assert row(position) == before_row


@pytest.mark.parametrize("chapter_fixture", ["chapter", "other_chapter"])
def test_coordinator_triages_any_chapter(
    cast: Cast, open_round: Round, request: pytest.FixtureRequest, chapter_fixture: str
) -> None:
    chapter: Chapter = request.getfixturevalue(chapter_fixture)
    position = make_position(organisation=cast.org_b, chapter=chapter, round=open_round)

    triage.position_set_status(by=cast.coordinator, position=position, status=S.IN_REVIEW)
    triage.position_assign(by=cast.coordinator, position=position, assignee=cast.coordinator)
    triage.position_note_add(by=cast.coordinator, position=position, body="Revisar con Agricultura.")

    stored = Position.objects.get(pk=position.pk)
    assert (stored.status, stored.assigned_to, stored.triage_version) == (S.IN_REVIEW, cast.coordinator, 3)


def test_official_of_the_other_chapter_triages_that_chapter(
    cast: Cast, other_chapter: Chapter, open_round: Round
) -> None:
    position = make_position(organisation=cast.org_a, chapter=other_chapter, round=open_round)

    triage.position_set_status(by=cast.official_of_other_chapter, position=position, status=S.IN_REVIEW)

    assert Position.objects.get(pk=position.pk).status == S.IN_REVIEW
    with pytest.raises(ValidationError):
        triage.position_set_status(
            by=cast.official_of_chapter, position=position, status=S.NOTED, response="Fuera de mi capítulo."
        )


# Assign and unassign.


@pytest.mark.parametrize("assignee", ["official_of_chapter", "coordinator"])
def test_assign_to_an_official_of_the_chapter_or_the_coordinator(cast: Cast, position: Position, assignee: str) -> None:
    user = getattr(cast, assignee)

    result = triage.position_assign(by=cast.official_of_chapter, position=position, assignee=user, expected_version=1)

    stored = Position.objects.get(pk=position.pk)
    assert result.assigned_to == stored.assigned_to == user
    assert stored.triage_version == 2
    event = TriageEvent.objects.get(position=position)
    assert (event.action, event.actor, event.data) == (
        TriageEvent.Action.ASSIGN,
        cast.official_of_chapter,
        {"from": None, "to": user.pk},
    )
    assert AuditEvent.objects.filter(action="triage.assign", target_id=position.pk).count() == 1


@pytest.mark.parametrize("assignee", ["delegate_a", "official_of_other_chapter", "admin"])
def test_assign_to_someone_outside_the_chapter_is_refused(cast: Cast, position: Position, assignee: str) -> None:
    before_row = row(position)
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        triage.position_assign(by=cast.official_of_chapter, position=position, assignee=getattr(cast, assignee))

    assert caught.value.code == "not_official"
    assert "chapter 4" in caught.value.messages[0]
    assert row(position) == before_row
    assert db_counts() == before


def test_assign_to_an_inactive_official_is_refused(cast: Cast, chapter: Chapter, position: Position) -> None:
    gone = factories.official(chapters=[chapter])
    User.objects.filter(pk=gone.pk).update(is_active=False)
    gone.refresh_from_db()
    before_row = row(position)

    with pytest.raises(ValidationError) as caught:
        triage.position_assign(by=cast.official_of_chapter, position=position, assignee=gone)

    assert caught.value.code == "not_official"
    assert row(position) == before_row


def test_reassigning_the_same_person_is_a_no_op(cast: Cast, assigned: Position) -> None:
    before_row = row(assigned)
    before = db_counts()

    result = triage.position_assign(by=cast.coordinator, position=assigned, assignee=cast.official_of_chapter)

    assert result.assigned_to == cast.official_of_chapter
    assert row(assigned) == before_row
    assert db_counts() == before


def test_unassign_records_who_it_was_and_a_second_unassign_is_a_no_op(cast: Cast, assigned: Position) -> None:
    triage.position_assign(by=cast.official_of_chapter, position=assigned, assignee=None, expected_version=2)

    stored = Position.objects.get(pk=assigned.pk)
    assert (stored.assigned_to, stored.triage_version) == (None, 3)
    event = TriageEvent.objects.filter(position=assigned).first()
    assert event is not None
    assert (event.action, event.data) == (
        TriageEvent.Action.UNASSIGN,
        {"from": cast.official_of_chapter.pk, "to": None},
    )
    before = db_counts()

    triage.position_assign(by=cast.official_of_chapter, position=assigned, assignee=None)

    assert db_counts() == before
    assert Position.objects.get(pk=assigned.pk).triage_version == 3


def test_reassigning_to_another_official_records_both(cast: Cast, assigned: Position) -> None:
    triage.position_assign(by=cast.official_of_chapter, position=assigned, assignee=cast.coordinator)

    event = TriageEvent.objects.filter(position=assigned).first()
    assert event is not None
    assert event.data == {"from": cast.official_of_chapter.pk, "to": cast.coordinator.pk}
    assert Position.objects.get(pk=assigned.pk).assigned_to == cast.coordinator
