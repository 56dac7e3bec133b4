from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from consultations.models import AuditEvent, Position, PositionStatus
from consultations.services.errors import VersionConflict
from consultations.services.positions import position_file, position_update_draft
from tests import factories
from tests.consultations.services.helpers import db_counts, draft, filed, row, when

pytestmark = pytest.mark.django_db


@pytest.fixture
def position(cast, chapter, open_round) -> Position:
    return draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)


def test_member_edits_a_draft_version_goes_up_and_the_change_is_audited(cast, position, other_chapter):
    updated = position_update_draft(
        by=cast.coordinator_a,
        position=position,
        data={"title": "Nuevo título", "chapter": other_chapter},
        expected_version=1,
    )

    stored = Position.objects.get(pk=position.pk)
    assert updated.version == stored.version == 2
    assert stored.title == "Nuevo título"
    assert stored.chapter == other_chapter
    assert stored.status == PositionStatus.DRAFT
    event = AuditEvent.objects.get(action="position.update_draft")
    assert event.actor == cast.coordinator_a
    assert sorted(event.data["fields"]) == ["chapter", "title"]


def test_edit_that_changes_nothing_keeps_the_version_and_records_nothing(cast, position):
    before = db_counts()

    updated = position_update_draft(by=cast.delegate_a, position=position, data={"title": position.title})

    assert updated.version == 1
    assert db_counts() == before


def test_stale_expected_version_raises_conflict_with_the_other_change_and_saves_nothing(cast, position):
    # Both delegates opened the form at version 1; the coordinator saved first.
    position_update_draft(
        by=cast.coordinator_a, position=position, data={"title": "Título del coordinador"}, expected_version=1
    )
    before_row = row(position)
    before = db_counts()

    with pytest.raises(VersionConflict) as caught:
        position_update_draft(
            by=cast.delegate_a,
            position=position,
            data={"title": "Título del delegado", "summary": "Resumen del delegado"},
            expected_version=1,
        )

    assert caught.value.code == "conflict"
    assert caught.value.current.title == "Título del coordinador"
    assert caught.value.current.version == 2
    assert row(position) == before_row
    assert db_counts() == before


def test_version_conflict_message_names_when_the_other_save_happened(cast, position):
    position_update_draft(by=cast.coordinator_a, position=position, data={"title": "Otro"}, expected_version=1)
    current = Position.objects.get(pk=position.pk)

    with pytest.raises(VersionConflict) as caught:
        position_update_draft(by=cast.delegate_a, position=position, data={"title": "Mío"}, expected_version=1)

    assert when(current.updated_at) in caught.value.messages[0]


def test_filed_position_cannot_be_edited_as_a_draft(cast, chapter, open_round):
    position = filed(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    before_row = row(position)
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        position_update_draft(by=cast.delegate_a, position=position, data={"title": "Cambio a escondidas"})

    assert caught.value.code == "filed"
    assert row(position) == before_row
    assert db_counts() == before


@pytest.mark.parametrize("role", ["delegate_b", "official_of_chapter", "coordinator", "admin"])
def test_non_member_cannot_edit_the_draft(cast, position, role):
    before_row = row(position)
    before = db_counts()

    with pytest.raises(PermissionDenied):
        position_update_draft(by=getattr(cast, role), position=position, data={"title": "Intruso"})

    assert row(position) == before_row
    assert db_counts() == before


def test_moving_a_draft_to_a_cancelled_round_is_refused_on_round(cast, position):
    cancelled = factories.RoundFactory(cancelled_at=timezone.now())
    before_row = row(position)

    with pytest.raises(ValidationError) as caught:
        position_update_draft(by=cast.delegate_a, position=position, data={"round": cancelled})

    assert "round" in caught.value.message_dict
    assert row(position) == before_row


def test_invalid_edit_is_refused_and_nothing_of_it_is_saved(cast, position):
    before_row = row(position)
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        position_update_draft(by=cast.delegate_a, position=position, data={"title": "", "summary": "Nuevo"})

    assert "title" in caught.value.message_dict
    assert row(position) == before_row
    assert db_counts() == before


def test_draft_awaiting_sign_off_can_still_be_edited_and_goes_back_to_draft(cast, position):
    cast.org_a.requires_signoff = True
    cast.org_a.save()
    position_file(by=cast.delegate_a, position=position)

    updated = position_update_draft(by=cast.delegate_a, position=position, data={"title": "Corregido"})

    # The coordinator was asked to sign off another text: the edited draft must be sent for sign-off again.
    assert updated.status == PositionStatus.DRAFT
    assert Position.objects.get(pk=position.pk).title == "Corregido"
