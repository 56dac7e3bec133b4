from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from consultations.models import AuditEvent, Position, PositionRevision, PositionStatus
from consultations.services.errors import RoundClosed, VersionConflict
from consultations.services.positions import (
    position_file,
    position_return_to_draft,
    position_sign_off,
    position_update_draft,
)
from tests import factories
from tests.consultations.services.helpers import close_round, db_counts, draft, row, when

pytestmark = pytest.mark.django_db


@pytest.fixture
def position(cast, chapter, open_round) -> Position:
    return draft(
        organisation=cast.org_a,
        by=cast.delegate_a,
        chapter=chapter,
        round=open_round,
        title="Acumulación regional",
        summary="Permitir acumulación con insumos de la región.",
        hs_lines=["8708.29", "8708.30"],
        exports_usd=5_000_000,
    )


@pytest.fixture
def signoff_org(cast):
    cast.org_a.requires_signoff = True
    cast.org_a.save()
    return cast.org_a


def test_delegate_files_a_draft_with_filed_at_and_revision_one_holding_the_text(cast, position):
    before = timezone.now()

    result = position_file(by=cast.delegate_a, position=position, expected_version=1)

    stored = Position.objects.get(pk=position.pk)
    assert result.status == stored.status == PositionStatus.SUBMITTED
    assert stored.filed_at is not None and stored.filed_at >= before
    assert stored.signed_off_by is None
    assert stored.version == 2
    revision = stored.revisions.get()
    assert revision.number == 1
    assert revision.created_by == cast.delegate_a
    assert revision.content["title"] == "Acumulación regional"
    assert revision.content["summary"] == "Permitir acumulación con insumos de la región."
    assert revision.content["stance"] == "defensive"
    assert revision.content["priority"] == "high"
    assert revision.content["hs_lines"] == ["8708.29", "8708.30"]
    assert revision.content["exports_usd"] == 5_000_000
    assert revision.content["confidentiality"] == "government"
    assert revision.content["chapter"] == position.chapter_id
    assert revision.content["round"] == position.round_id
    assert revision.content["attachments"] == []
    event = AuditEvent.objects.get(action="position.file")
    assert event.actor == cast.delegate_a
    assert event.target_id == position.pk


def test_deadline_passed_raises_round_closed_naming_round_deadline_and_next_open_round(cast, position):
    closed = close_round(position.round)
    next_round = factories.RoundFactory(label="Ronda de Ottawa")
    later_round = factories.RoundFactory(
        label="Ronda de Washington", submission_deadline=timezone.now() + dt.timedelta(days=12)
    )
    before_row = row(position)
    before = db_counts()

    with pytest.raises(RoundClosed) as caught:
        position_file(by=cast.delegate_a, position=position)

    message = caught.value.messages[0]
    assert caught.value.code == "round_closed"
    assert closed.label in message
    assert when(closed.submission_deadline) in message
    assert "Ronda de Ottawa" in message
    assert when(next_round.submission_deadline) in message
    assert later_round.label not in message
    assert caught.value.next_open == next_round
    assert row(position) == before_row
    assert db_counts() == before


def test_deadline_passed_with_no_other_round_open_says_so(cast, position):
    closed = close_round(position.round)
    factories.RoundFactory(label="Ronda cancelada", cancelled_at=timezone.now())

    with pytest.raises(RoundClosed) as caught:
        position_file(by=cast.delegate_a, position=position)

    message = caught.value.messages[0]
    assert closed.label in message
    assert when(closed.submission_deadline) in message
    assert "No other round is open for input" in message
    assert "Ronda cancelada" not in message
    assert caught.value.next_open is None


def test_round_not_yet_open_for_input_says_when_it_opens(cast, chapter):
    opens = timezone.now() + dt.timedelta(days=2)
    planned = factories.RoundFactory(label="Ronda futura", input_opens_at=opens)
    position = draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=planned)

    with pytest.raises(RoundClosed) as caught:
        position_file(by=cast.delegate_a, position=position)

    assert f"«Ronda futura» opens for input on {when(opens)}" in caught.value.messages[0]
    assert Position.objects.get(pk=position.pk).status == PositionStatus.DRAFT


def test_round_closed_message_says_when_the_next_round_opens_when_it_is_not_open_yet(cast, position):
    close_round(position.round)
    opens = timezone.now() + dt.timedelta(days=3)
    factories.RoundFactory(label="Ronda de Montreal", input_opens_at=opens)

    with pytest.raises(RoundClosed) as caught:
        position_file(by=cast.delegate_a, position=position)

    message = caught.value.messages[0]
    assert "Ronda de Montreal" in message
    assert when(opens) in message


def test_stale_expected_version_refuses_filing(cast, position):
    position_update_draft(by=cast.coordinator_a, position=position, data={"title": "Cambio"})
    before_row = row(position)
    before = db_counts()

    with pytest.raises(VersionConflict) as caught:
        position_file(by=cast.delegate_a, position=position, expected_version=1)

    assert caught.value.current.title == "Cambio"
    assert row(position) == before_row
    assert db_counts() == before


@pytest.mark.parametrize("role", ["delegate_b", "official_of_chapter", "coordinator", "admin"])
def test_someone_outside_the_organisation_cannot_file_its_draft(cast, position, role):
    before_row = row(position)
    before = db_counts()

    with pytest.raises(PermissionDenied):
        position_file(by=getattr(cast, role), position=position)

    assert row(position) == before_row
    assert db_counts() == before


def test_filed_position_cannot_be_filed_again(cast, position):
    position_file(by=cast.delegate_a, position=position)
    before_row = row(position)
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        position_file(by=cast.delegate_a, position=position)

    assert caught.value.code == "not_draft"
    assert row(position) == before_row
    assert db_counts() == before
    assert PositionRevision.objects.filter(position=position).count() == 1


def test_coordinator_filing_without_required_sign_off_files_unsigned(cast, position):
    result = position_file(by=cast.coordinator_a, position=position)

    assert result.status == PositionStatus.SUBMITTED
    assert result.signed_off_by is None


# Sign-off


def test_delegate_filing_for_org_requiring_sign_off_sends_it_for_sign_off_without_revision(cast, position, signoff_org):
    result = position_file(by=cast.delegate_a, position=position)

    stored = Position.objects.get(pk=position.pk)
    assert result.status == stored.status == PositionStatus.AWAITING_SIGNOFF
    assert stored.signoff_requested_at is not None
    assert stored.filed_at is None
    assert stored.version == 2
    assert not stored.revisions.exists()
    assert AuditEvent.objects.filter(action="position.request_signoff", target_id=position.pk).exists()
    assert not AuditEvent.objects.filter(action="position.file").exists()


def test_coordinator_signs_off_and_the_position_is_filed_with_signed_off_by(cast, position, signoff_org):
    position_file(by=cast.delegate_a, position=position)

    result = position_sign_off(by=cast.coordinator_a, position=position, expected_version=_version(position))

    stored = Position.objects.get(pk=position.pk)
    assert result.status == stored.status == PositionStatus.SUBMITTED
    assert stored.signed_off_by == cast.coordinator_a
    assert stored.filed_at is not None
    revision = stored.revisions.get()
    assert revision.number == 1
    assert revision.created_by == cast.delegate_a  # the author; the coordinator is the signer
    assert revision.signed_off_by == cast.coordinator_a
    assert AuditEvent.objects.filter(action="position.file", actor=cast.coordinator_a).exists()


def test_coordinator_filing_directly_when_sign_off_required_is_filed_signed_by_them(cast, position, signoff_org):
    result = position_file(by=cast.coordinator_a, position=position)

    stored = Position.objects.get(pk=position.pk)
    assert result.status == stored.status == PositionStatus.SUBMITTED
    assert stored.signed_off_by == cast.coordinator_a
    assert stored.revisions.count() == 1


@pytest.mark.parametrize("role", ["delegate_a", "delegate_b", "coordinator", "admin"])
def test_only_a_coordinator_of_the_organisation_can_sign_off(cast, position, signoff_org, role):
    position_file(by=cast.delegate_a, position=position)
    before_row = row(position)
    before = db_counts()

    with pytest.raises(PermissionDenied):
        position_sign_off(by=getattr(cast, role), position=position, expected_version=_version(position))

    assert row(position) == before_row
    assert db_counts() == before


def test_sign_off_of_a_plain_draft_is_refused(cast, position, signoff_org):
    before_row = row(position)

    with pytest.raises(ValidationError) as caught:
        position_sign_off(by=cast.coordinator_a, position=position, expected_version=_version(position))

    assert caught.value.code == "not_awaiting"
    assert row(position) == before_row


def test_sign_off_after_the_deadline_is_refused_with_round_closed(cast, position, signoff_org):
    position_file(by=cast.delegate_a, position=position)
    close_round(position.round)
    before_row = row(position)
    before = db_counts()

    with pytest.raises(RoundClosed):
        position_sign_off(by=cast.coordinator_a, position=position, expected_version=_version(position))

    assert row(position) == before_row
    assert db_counts() == before


def test_draft_awaiting_sign_off_cannot_be_filed_again(cast, position, signoff_org):
    position_file(by=cast.delegate_a, position=position)

    with pytest.raises(ValidationError) as caught:
        position_file(by=cast.coordinator_a, position=position)

    assert caught.value.code == "not_draft"


def test_coordinator_returns_a_draft_awaiting_sign_off_to_its_authors(cast, position, signoff_org):
    position_file(by=cast.delegate_a, position=position)

    result = position_return_to_draft(by=cast.coordinator_a, position=position)

    stored = Position.objects.get(pk=position.pk)
    assert result.status == stored.status == PositionStatus.DRAFT
    assert stored.signoff_requested_at is None
    assert stored.version == 3
    assert not stored.revisions.exists()
    assert AuditEvent.objects.filter(action="position.return_to_draft", actor=cast.coordinator_a).exists()
    # Back in draft it can be sent for sign-off again.
    assert position_file(by=cast.delegate_a, position=position).status == PositionStatus.AWAITING_SIGNOFF


@pytest.mark.parametrize("role", ["delegate_a", "delegate_b", "admin"])
def test_only_a_coordinator_of_the_organisation_can_return_to_draft(cast, position, signoff_org, role):
    position_file(by=cast.delegate_a, position=position)
    before_row = row(position)
    before = db_counts()

    with pytest.raises(PermissionDenied):
        position_return_to_draft(by=getattr(cast, role), position=position)

    assert row(position) == before_row
    assert db_counts() == before


def test_return_to_draft_of_a_filed_position_is_refused(cast, position):
    position_file(by=cast.delegate_a, position=position)
    before_row = row(position)

    with pytest.raises(ValidationError) as caught:
        position_return_to_draft(by=cast.coordinator_a, position=position)

    assert caught.value.code == "not_awaiting"
    assert row(position) == before_row


def test_filing_for_a_round_cancelled_after_drafting_says_it_was_cancelled(cast, position):
    open_round = position.round
    open_round.cancelled_at = timezone.now()
    open_round.save()

    with translation.override("en"), pytest.raises(RoundClosed) as caught:
        position_file(by=cast.delegate_a, position=position)

    message = caught.value.messages[0]
    assert "cancelled" in message
    assert f"was {when(open_round.submission_deadline)}" not in message


def _version(position: Position) -> int:
    """The version a coordinator's page shows: the stored one."""
    return Position.objects.get(pk=position.pk).version
