from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from consultations.models import AuditEvent, CoSignature, Membership, Position
from consultations.services.cosignatures import cosignature_invite, cosignature_respond
from consultations.services.positions import position_withdraw
from tests import factories
from tests.consultations.services.helpers import db_counts, draft, filed

pytestmark = pytest.mark.django_db


@pytest.fixture
def position(cast, chapter, open_round) -> Position:
    return filed(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)


@pytest.fixture
def invitation(cast, position) -> CoSignature:
    return cosignature_invite(by=cast.delegate_a, position=position, organisation=cast.org_b)


def _cosignature_row(cosignature: CoSignature) -> dict:
    return CoSignature.objects.filter(pk=cosignature.pk).values().get()


def test_member_invites_another_organisation_to_co_sign(cast, position):
    cosignature = cosignature_invite(by=cast.delegate_a, position=position, organisation=cast.org_b)

    stored = CoSignature.objects.get(pk=cosignature.pk)
    assert stored.position == position
    assert stored.organisation == cast.org_b
    assert stored.status == CoSignature.Status.PENDING
    assert stored.invited_by == cast.delegate_a
    assert stored.responded_at is None
    event = AuditEvent.objects.get(action="cosignature.invite")
    assert event.organisation == cast.org_a
    assert event.data == {"organisation": cast.org_b.pk}


def test_a_draft_may_already_invite_co_signers(cast, chapter, open_round):
    position = draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)

    cosignature = cosignature_invite(by=cast.delegate_a, position=position, organisation=cast.org_b)

    assert cosignature.status == CoSignature.Status.PENDING


def test_inviting_its_own_organisation_is_refused(cast, position):
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        cosignature_invite(by=cast.delegate_a, position=position, organisation=cast.org_a)

    assert caught.value.code == "self"
    assert db_counts() == before


def test_inviting_the_same_organisation_twice_is_refused(cast, position, invitation):
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        cosignature_invite(by=cast.coordinator_a, position=position, organisation=cast.org_b)

    assert caught.value.code == "duplicate"
    assert str(cast.org_b) in caught.value.messages[0]
    assert db_counts() == before
    assert CoSignature.objects.get().invited_by == cast.delegate_a


def test_inviting_again_after_a_decline_is_refused(cast, position, invitation):
    cosignature_respond(by=cast.delegate_b, cosignature=invitation, accept=False)
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        cosignature_invite(by=cast.delegate_a, position=position, organisation=cast.org_b)

    assert caught.value.code == "duplicate"
    assert db_counts() == before


def test_inviting_an_inactive_organisation_is_refused(cast, position):
    inactive = factories.OrganisationFactory(is_active=False)
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        cosignature_invite(by=cast.delegate_a, position=position, organisation=inactive)

    assert caught.value.code == "inactive"
    assert db_counts() == before


def test_withdrawn_position_cannot_be_co_signed(cast, position):
    position_withdraw(by=cast.delegate_a, position=position)
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        cosignature_invite(by=cast.delegate_a, position=position, organisation=cast.org_b)

    assert caught.value.code == "closed"
    assert db_counts() == before


@pytest.mark.parametrize("role", ["delegate_b", "official_of_chapter", "coordinator", "admin"])
def test_someone_outside_the_author_organisation_cannot_invite(cast, position, role):
    before = db_counts()

    with pytest.raises(PermissionDenied):
        cosignature_invite(by=getattr(cast, role), position=position, organisation=cast.org_b)

    assert db_counts() == before


def test_invited_organisation_accepts(cast, invitation):
    result = cosignature_respond(by=cast.delegate_b, cosignature=invitation, accept=True)

    stored = CoSignature.objects.get(pk=invitation.pk)
    assert result.status == stored.status == CoSignature.Status.ACCEPTED
    assert stored.responded_by == cast.delegate_b
    assert stored.responded_at is not None
    event = AuditEvent.objects.get(action="cosignature.accept")
    assert event.actor == cast.delegate_b
    assert event.organisation == cast.org_b
    assert event.target_type == "cosignature"


def test_invited_organisation_declines(cast, invitation):
    result = cosignature_respond(by=cast.delegate_b, cosignature=invitation, accept=False)

    stored = CoSignature.objects.get(pk=invitation.pk)
    assert result.status == stored.status == CoSignature.Status.DECLINED
    assert stored.responded_by == cast.delegate_b
    assert AuditEvent.objects.filter(action="cosignature.decline").count() == 1


@pytest.mark.parametrize("first", [True, False])
@pytest.mark.parametrize("second", [True, False])
def test_an_invitation_answered_once_cannot_be_answered_again(cast, invitation, first, second):
    coordinator_b = factories.MembershipFactory(organisation=cast.org_b, role=Membership.Role.COORDINATOR).user
    cosignature_respond(by=cast.delegate_b, cosignature=invitation, accept=first)
    before_row = _cosignature_row(invitation)
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        cosignature_respond(by=coordinator_b, cosignature=invitation, accept=second)

    assert caught.value.code == "answered"
    assert _cosignature_row(invitation) == before_row
    assert db_counts() == before


@pytest.mark.parametrize("role", ["delegate_a", "coordinator_a", "official_of_chapter", "coordinator", "admin"])
def test_only_members_of_the_invited_organisation_can_answer(cast, invitation, role):
    before_row = _cosignature_row(invitation)
    before = db_counts()

    with pytest.raises(PermissionDenied):
        cosignature_respond(by=getattr(cast, role), cosignature=invitation, accept=True)

    assert _cosignature_row(invitation) == before_row
    assert db_counts() == before
