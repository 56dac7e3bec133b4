"""Sign-off covers exactly what is filed: an edit while awaiting sign-off returns the draft; a stale approval is
refused; amendments in an organisation that requires sign-off wait for a coordinator; revisions name the author
and the signer."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from consultations.models import Position, PositionStatus, ProposedAmendment
from consultations.services.errors import SignOffOutdated, VersionRequired
from consultations.services.positions import (
    amendment_return,
    amendment_sign_off,
    position_amend,
    position_file,
    position_sign_off,
    position_update_draft,
)
from tests.consultations.services.helpers import draft, filed


@pytest.fixture
def signoff_org(cast):
    cast.org_a.requires_signoff = True
    cast.org_a.save()
    return cast.org_a


@pytest.fixture
def awaiting(cast, chapter, open_round, signoff_org) -> Position:
    position = draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    return position_file(by=cast.delegate_a, position=position)


def test_editing_a_draft_awaiting_sign_off_returns_it_to_draft(cast, awaiting):
    result = position_update_draft(
        by=cast.delegate_a, position=awaiting, data={"title": "Cambiado"}, expected_version=awaiting.version
    )
    assert result.status == PositionStatus.DRAFT
    assert result.signoff_requested_at is None and result.signoff_requested_by is None


def test_the_edit_page_says_the_draft_went_back_to_draft(cast, awaiting):
    client = Client()
    client.force_login(cast.delegate_a)
    url = reverse("consultations:position_edit", args=[awaiting.pk])
    form = client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(title="Otro título", chapter=awaiting.chapter_id, round=awaiting.round_id, stance="defensive")
    data.pop("is_red_flag", None)
    response = client.post(url, data, follow=True)
    text = response.content.decode()
    assert "vuelto a borrador" in text or "gone back to draft" in text
    assert Position.objects.get(pk=awaiting.pk).status == PositionStatus.DRAFT


def test_a_stale_sign_off_is_refused_and_nothing_is_filed(cast, awaiting):
    seen_version = awaiting.version  # the coordinator opens the page
    edited = position_update_draft(
        by=cast.delegate_a, position=awaiting, data={"title": "Texto nuevo"}, expected_version=seen_version
    )
    position_file(by=cast.delegate_a, position=edited)  # sent for sign-off again

    with pytest.raises(SignOffOutdated):
        position_sign_off(by=cast.coordinator_a, position=awaiting, expected_version=seen_version)

    stored = Position.objects.get(pk=awaiting.pk)
    assert stored.status == PositionStatus.AWAITING_SIGNOFF and not stored.revisions.exists()


def test_a_sign_off_without_the_reviewed_version_is_refused(cast, awaiting):
    with pytest.raises(VersionRequired):
        position_sign_off(by=cast.coordinator_a, position=awaiting, expected_version=None)
    assert Position.objects.get(pk=awaiting.pk).status == PositionStatus.AWAITING_SIGNOFF


def test_the_sign_off_page_carries_the_version_and_a_stale_click_gets_a_clear_message(cast, awaiting):
    coordinator = Client()
    coordinator.force_login(cast.coordinator_a)
    page = coordinator.get(reverse("consultations:position_detail", args=[awaiting.pk])).content.decode()
    assert f'name="version" value="{awaiting.version}"' in page
    Position.objects.filter(pk=awaiting.pk).update(version=awaiting.version + 2, title="Cambiado a escondidas")

    response = coordinator.post(
        reverse("consultations:position_sign_off", args=[awaiting.pk]),
        {"decision": "approve", "version": str(awaiting.version)},
        follow=True,
    )
    assert response.status_code == 200
    assert "Nothing was filed" in response.content.decode() or "No se registró" in response.content.decode()
    assert Position.objects.get(pk=awaiting.pk).status == PositionStatus.AWAITING_SIGNOFF


def test_revision_one_names_the_delegate_as_author_and_the_coordinator_as_signer(cast, awaiting):
    result = position_sign_off(by=cast.coordinator_a, position=awaiting, expected_version=awaiting.version)
    revision = result.revisions.get()
    assert revision.created_by == cast.delegate_a
    assert revision.signed_off_by == cast.coordinator_a


@pytest.fixture
def filed_in_signoff_org(cast, chapter, open_round, signoff_org) -> Position:
    return filed(organisation=cast.org_a, by=cast.coordinator_a, chapter=chapter, round=open_round)


def test_a_delegates_amendment_waits_for_sign_off_and_the_filed_text_stays(cast, filed_in_signoff_org):
    position = filed_in_signoff_org
    result = position_amend(by=cast.delegate_a, position=position, data={"title": "Enmienda"}, reason="Precisión")

    assert isinstance(result, ProposedAmendment)
    stored = Position.objects.get(pk=position.pk)
    assert stored.title != "Enmienda" and stored.revisions.count() == 1


def test_a_coordinator_signs_off_the_amendment_as_proposed(cast, filed_in_signoff_org):
    position = filed_in_signoff_org
    proposal = position_amend(by=cast.delegate_a, position=position, data={"title": "Enmienda"})

    amendment_sign_off(by=cast.coordinator_a, proposal=proposal)

    stored = Position.objects.get(pk=position.pk)
    assert stored.title == "Enmienda"
    revision = stored.revisions.order_by("-number").first()
    assert revision.number == 2
    assert revision.created_by == cast.delegate_a and revision.signed_off_by == cast.coordinator_a
    proposal.refresh_from_db()
    assert proposal.status == ProposedAmendment.Status.APPROVED


def test_a_superseded_or_outdated_amendment_cannot_be_signed_off(cast, filed_in_signoff_org):
    position = filed_in_signoff_org
    first = position_amend(by=cast.delegate_a, position=position, data={"title": "Primera"})
    second = position_amend(by=cast.delegate_a, position=position, data={"title": "Segunda"})
    with pytest.raises(ValidationError) as caught:
        amendment_sign_off(by=cast.coordinator_a, proposal=first)
    assert caught.value.code == "not_pending"

    position_amend(by=cast.coordinator_a, position=position, data={"summary": "El coordinador cambió esto."})
    with pytest.raises(ValidationError) as caught:
        amendment_sign_off(by=cast.coordinator_a, proposal=second)
    assert caught.value.code == "outdated"
    assert Position.objects.get(pk=position.pk).title not in {"Primera", "Segunda"}


def test_a_plain_delegate_cannot_sign_off_an_amendment_and_a_coordinator_can_return_it(cast, filed_in_signoff_org):
    from django.core.exceptions import PermissionDenied

    proposal = position_amend(by=cast.delegate_a, position=filed_in_signoff_org, data={"title": "Enmienda"})
    with pytest.raises(PermissionDenied):
        amendment_sign_off(by=cast.delegate_a, proposal=proposal)
    amendment_return(by=cast.coordinator_a, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == ProposedAmendment.Status.RETURNED


def test_a_coordinators_own_amendment_is_filed_signed_by_them(cast, filed_in_signoff_org):
    result = position_amend(by=cast.coordinator_a, position=filed_in_signoff_org, data={"title": "Directa"})
    assert isinstance(result, Position)
    revision = result.revisions.order_by("-number").first()
    assert revision.created_by == revision.signed_off_by == cast.coordinator_a


def test_the_coordinator_approves_an_amendment_from_the_position_page(cast, filed_in_signoff_org):
    proposal = position_amend(by=cast.delegate_a, position=filed_in_signoff_org, data={"title": "Desde la página"})
    coordinator = Client()
    coordinator.force_login(cast.coordinator_a)
    url = reverse("consultations:position_detail", args=[filed_in_signoff_org.pk])
    assert f'name="proposal" value="{proposal.pk}"' in coordinator.get(url).content.decode()
    response = coordinator.post(
        reverse("consultations:position_sign_off", args=[filed_in_signoff_org.pk]),
        {"proposal": proposal.pk, "decision": "approve"},
    )
    assert response.status_code == 302
    assert Position.objects.get(pk=filed_in_signoff_org.pk).title == "Desde la página"
