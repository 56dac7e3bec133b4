from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from consultations.models import AuditEvent, Position, PositionStatus
from consultations.services.positions import position_withdraw
from tests.consultations.services.helpers import close_round, db_counts, draft, filed, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def position(cast, chapter, open_round) -> Position:
    return filed(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)


def test_filed_position_is_withdrawn_with_withdrawn_at_and_its_revisions_kept(cast, position):
    before = timezone.now()

    result = position_withdraw(by=cast.delegate_a, position=position, reason="Ya no aplica")

    stored = Position.objects.get(pk=position.pk)
    assert result.status == stored.status == PositionStatus.WITHDRAWN
    assert stored.withdrawn_at is not None and stored.withdrawn_at >= before
    assert stored.filed_at is not None
    assert stored.version == 3
    assert stored.revisions.count() == 1
    event = AuditEvent.objects.get(action="position.withdraw")
    assert event.actor == cast.delegate_a
    assert event.data == {"reason": "Ya no aplica"}


def test_position_can_be_withdrawn_after_the_deadline(cast, position):
    close_round(position.round)

    assert position_withdraw(by=cast.delegate_a, position=position).status == PositionStatus.WITHDRAWN


@pytest.mark.parametrize("status", [PositionStatus.DRAFT, PositionStatus.AWAITING_SIGNOFF])
def test_unfiled_position_cannot_be_withdrawn(cast, chapter, open_round, status):
    position = draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round, status=status)
    before_row = row(position)
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        position_withdraw(by=cast.delegate_a, position=position)

    assert caught.value.code == "draft"
    assert row(position) == before_row
    assert db_counts() == before


def test_withdrawing_twice_is_refused_and_keeps_the_first_withdrawal(cast, position):
    position_withdraw(by=cast.delegate_a, position=position)
    before_row = row(position)
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        position_withdraw(by=cast.coordinator_a, position=position)

    assert caught.value.code == "closed"
    assert row(position) == before_row
    assert db_counts() == before


@pytest.mark.parametrize("role", ["delegate_b", "official_of_chapter", "coordinator", "admin"])
def test_someone_outside_the_organisation_cannot_withdraw(cast, position, role):
    before_row = row(position)
    before = db_counts()

    with pytest.raises(PermissionDenied):
        position_withdraw(by=getattr(cast, role), position=position)

    assert row(position) == before_row
    assert db_counts() == before
