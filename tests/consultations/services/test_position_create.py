from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from consultations.models import AuditEvent, Position, PositionStatus, Round
from consultations.services.positions import position_create
from tests import factories
from tests.consultations.services.helpers import db_counts, position_data

pytestmark = pytest.mark.django_db


def test_delegate_creates_a_draft_and_an_audit_event(cast, chapter, open_round):
    position = position_create(
        by=cast.delegate_a, organisation=cast.org_a, data=position_data(chapter=chapter, round=open_round)
    )

    stored = Position.objects.get(pk=position.pk)
    assert stored.status == PositionStatus.DRAFT
    assert stored.organisation == cast.org_a
    assert stored.created_by == cast.delegate_a
    assert stored.chapter == chapter
    assert stored.round == open_round
    assert stored.title == "Reglas de origen para autopartes"
    assert stored.hs_lines == ["8708.29"]
    assert stored.version == 1
    assert stored.filed_at is None
    assert not stored.revisions.exists()
    event = AuditEvent.objects.get(action="position.create")
    assert event.actor == cast.delegate_a
    assert event.target_type == "position"
    assert event.target_id == position.pk
    assert event.organisation == cast.org_a


def test_same_client_token_twice_creates_one_position_and_one_audit_event(cast, chapter, open_round):
    token = uuid.uuid4()
    data = position_data(chapter=chapter, round=open_round)

    first = position_create(by=cast.delegate_a, organisation=cast.org_a, data=data, client_token=token)
    second = position_create(
        by=cast.delegate_a, organisation=cast.org_a, data={**data, "title": "Otro título"}, client_token=token
    )

    assert second.pk == first.pk
    assert Position.objects.count() == 1
    assert Position.objects.get().title == "Reglas de origen para autopartes"
    assert AuditEvent.objects.filter(action="position.create").count() == 1


def test_positions_without_client_token_are_distinct(cast, chapter, open_round):
    data = position_data(chapter=chapter, round=open_round)

    first = position_create(by=cast.delegate_a, organisation=cast.org_a, data=data)
    second = position_create(by=cast.delegate_a, organisation=cast.org_a, data=data)

    assert first.pk != second.pk
    assert first.client_token != second.client_token


def test_delegate_of_another_organisation_cannot_create_for_it(cast, chapter, open_round):
    before = db_counts()

    with pytest.raises(PermissionDenied):
        position_create(
            by=cast.delegate_b, organisation=cast.org_a, data=position_data(chapter=chapter, round=open_round)
        )

    assert db_counts() == before


@pytest.mark.parametrize("role", ["official_of_chapter", "coordinator", "admin"])
def test_non_members_of_the_organisation_cannot_create_positions(cast, chapter, open_round, role):
    before = db_counts()

    with pytest.raises(PermissionDenied):
        position_create(
            by=getattr(cast, role), organisation=cast.org_a, data=position_data(chapter=chapter, round=open_round)
        )

    assert db_counts() == before


def _cancelled_round() -> Round:
    return factories.RoundFactory(cancelled_at=timezone.now())


def _concluded_round() -> Round:
    today = timezone.now().date()
    return factories.RoundFactory(
        starts_on=today - dt.timedelta(days=30),
        ends_on=today - dt.timedelta(days=26),
        input_opens_at=timezone.now() - dt.timedelta(days=60),
        submission_deadline=timezone.now() - dt.timedelta(days=40),
        digest_at=None,
    )


def _milestone_round() -> Round:
    return factories.RoundFactory(
        kind=Round.Kind.MILESTONE, input_opens_at=None, submission_deadline=None, digest_at=None
    )


@pytest.mark.parametrize("make_round", [_cancelled_round, _concluded_round, _milestone_round])
def test_round_that_takes_no_positions_is_refused_with_a_field_error_on_round(cast, chapter, make_round):
    target = make_round()
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        position_create(by=cast.delegate_a, organisation=cast.org_a, data=position_data(chapter=chapter, round=target))

    assert "round" in caught.value.message_dict
    assert target.label in caught.value.message_dict["round"][0]
    assert db_counts() == before


def test_round_past_its_deadline_but_not_yet_in_session_still_takes_drafts(cast, chapter, closed_round):
    position = position_create(
        by=cast.delegate_a, organisation=cast.org_a, data=position_data(chapter=chapter, round=closed_round)
    )

    assert position.status == PositionStatus.DRAFT


def test_draft_without_title_is_refused_with_a_field_error_on_title(cast, chapter, open_round):
    data = position_data(chapter=chapter, round=open_round)
    del data["title"]
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        position_create(by=cast.delegate_a, organisation=cast.org_a, data=data)

    assert "title" in caught.value.message_dict
    assert db_counts() == before


@pytest.mark.parametrize(
    ("field", "value", "error_key"),
    [
        ("title", "", "title"),
        ("title", "x" * 201, "title"),
        ("summary", "", "summary"),
        ("stance", "aggressive", "stance"),
        ("priority", "urgent", "priority"),
        ("confidentiality", "public", "confidentiality"),
        ("jobs", -1, "jobs"),
        ("hs_lines", ["8708.29.99.99.99"], "hs_lines"),
        # Only the check constraint guards it, so the error is not tied to the field.
        ("exports_usd", -1, "exports_usd"),
    ],
)
def test_invalid_content_is_refused_with_an_error_and_stores_nothing(
    cast, chapter, open_round, field, value, error_key
):
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        position_create(
            by=cast.delegate_a,
            organisation=cast.org_a,
            data=position_data(chapter=chapter, round=open_round, **{field: value}),
        )

    assert error_key in caught.value.message_dict
    assert db_counts() == before


def test_draft_without_round_is_refused_with_a_field_error_on_round(cast, chapter, open_round):
    data = position_data(chapter=chapter, round=open_round)
    del data["round"]

    with pytest.raises(ValidationError) as caught:
        position_create(by=cast.delegate_a, organisation=cast.org_a, data=data)

    assert "round" in caught.value.message_dict


def test_draft_without_chapter_is_refused_with_a_field_error_on_chapter(cast, chapter, open_round):
    data = position_data(chapter=chapter, round=open_round)
    del data["chapter"]
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        position_create(by=cast.delegate_a, organisation=cast.org_a, data=data)

    assert "chapter" in caught.value.message_dict
    assert db_counts() == before
