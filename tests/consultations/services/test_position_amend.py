from __future__ import annotations

import copy

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from consultations.models import AuditEvent, Position, PositionStatus
from consultations.services.errors import RoundClosed, VersionConflict
from consultations.services.positions import position_amend, position_withdraw
from tests import factories
from tests.consultations.services.helpers import close_round, db_counts, draft, filed, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def position(cast, chapter, open_round) -> Position:
    return filed(
        organisation=cast.org_a,
        by=cast.delegate_a,
        chapter=chapter,
        round=open_round,
        title="Título original",
        summary="Resumen original.",
    )


def test_amendment_adds_the_next_revision_and_keeps_the_old_one_unchanged(cast, position):
    first = position.revisions.get()
    first_content = copy.deepcopy(first.content)

    result = position_amend(
        by=cast.coordinator_a,
        position=position,
        data={"title": "Título enmendado", "jobs": 3000},
        reason="Nuevas cifras",
        expected_version=position.version,
    )

    stored = Position.objects.get(pk=position.pk)
    assert result.version == stored.version == 3
    assert stored.title == "Título enmendado"
    assert stored.jobs == 3000
    assert stored.status == PositionStatus.SUBMITTED
    revisions = list(stored.revisions.order_by("number"))
    assert [r.number for r in revisions] == [1, 2]
    first.refresh_from_db()
    assert first.content == first_content
    assert first.content["title"] == "Título original"
    assert revisions[1].content["title"] == "Título enmendado"
    assert revisions[1].content["jobs"] == 3000
    assert revisions[1].content["summary"] == "Resumen original."
    assert revisions[1].reason == "Nuevas cifras"
    assert revisions[1].created_by == cast.coordinator_a
    event = AuditEvent.objects.get(action="position.amend")
    assert event.data == {"fields": ["title", "jobs"], "revision": 2}


def test_each_amendment_adds_one_more_revision(cast, position):
    for number, title in enumerate(["Segunda", "Tercera", "Cuarta"], start=2):
        position_amend(by=cast.delegate_a, position=position, data={"title": title})
        assert position.revisions.order_by("-number").first().number == number

    titles = [r.content["title"] for r in position.revisions.order_by("number")]
    assert titles == ["Título original", "Segunda", "Tercera", "Cuarta"]


def test_amendment_identical_to_the_current_text_is_refused(cast, position):
    before_row = row(position)
    before = db_counts()

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        position_amend(by=cast.delegate_a, position=position, data={"title": "Título original"})

    assert caught.value.code == "unchanged"
    assert caught.value.messages[0].startswith("Nothing changed")
    assert row(position) == before_row
    assert db_counts() == before


def test_amendment_cannot_move_the_position_to_another_chapter(cast, position, other_chapter):
    with pytest.raises(ValidationError) as caught:
        position_amend(by=cast.delegate_a, position=position, data={"chapter": other_chapter})

    assert caught.value.code == "unchanged"
    assert Position.objects.get(pk=position.pk).chapter_id == position.chapter_id


def test_stale_version_amendment_raises_conflict_and_saves_nothing(cast, position):
    opened_at_version = position.version
    position_amend(by=cast.coordinator_a, position=position, data={"title": "Del coordinador"})
    before_row = row(position)
    before = db_counts()

    with pytest.raises(VersionConflict) as caught:
        position_amend(
            by=cast.delegate_a,
            position=position,
            data={"title": "Del delegado", "summary": "Otro resumen"},
            expected_version=opened_at_version,
        )

    assert caught.value.current.title == "Del coordinador"
    assert row(position) == before_row
    assert db_counts() == before


def test_invalid_amendment_is_refused_and_saves_nothing(cast, position):
    before_row = row(position)
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        position_amend(by=cast.delegate_a, position=position, data={"title": "", "jobs": 5})

    assert "title" in caught.value.message_dict
    assert row(position) == before_row
    assert db_counts() == before


def test_amendment_after_the_deadline_is_refused_with_round_closed(cast, position):
    closed = close_round(position.round)
    before_row = row(position)
    before = db_counts()

    with pytest.raises(RoundClosed) as caught:
        position_amend(by=cast.delegate_a, position=position, data={"title": "Tarde"})

    assert closed.label in caught.value.messages[0]
    assert row(position) == before_row
    assert db_counts() == before


def test_withdrawn_position_cannot_be_amended(cast, position):
    position_withdraw(by=cast.delegate_a, position=position)
    before_row = row(position)
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        position_amend(by=cast.delegate_a, position=position, data={"title": "Resucitado"})

    assert caught.value.code == "closed"
    assert row(position) == before_row
    assert db_counts() == before


def test_merged_position_cannot_be_amended(cast, chapter, open_round, position):
    original = factories.PositionFactory(organisation=cast.org_b, chapter=chapter, round=open_round)
    Position.objects.filter(pk=position.pk).update(status=PositionStatus.MERGED, duplicate_of=original)

    with pytest.raises(ValidationError) as caught:
        position_amend(by=cast.delegate_a, position=position, data={"title": "Otro"})

    assert caught.value.code == "closed"


def test_position_under_review_can_still_be_amended(cast, position):
    Position.objects.filter(pk=position.pk).update(status=PositionStatus.IN_REVIEW)

    result = position_amend(by=cast.delegate_a, position=position, data={"title": "Aclaración"})

    assert result.status == PositionStatus.IN_REVIEW
    assert result.revisions.count() == 2


@pytest.mark.parametrize("status", [PositionStatus.DRAFT, PositionStatus.AWAITING_SIGNOFF])
def test_unfiled_position_is_edited_not_amended(cast, chapter, open_round, status):
    position = draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round, status=status)
    before_row = row(position)
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        position_amend(by=cast.delegate_a, position=position, data={"title": "Otro"})

    assert caught.value.code == "draft"
    assert row(position) == before_row
    assert db_counts() == before


@pytest.mark.parametrize("role", ["delegate_b", "official_of_chapter", "coordinator", "admin"])
def test_someone_outside_the_organisation_cannot_amend(cast, position, role):
    before_row = row(position)
    before = db_counts()

    with pytest.raises(PermissionDenied):
        position_amend(by=getattr(cast, role), position=position, data={"title": "Intruso"})

    assert row(position) == before_row
    assert db_counts() == before
