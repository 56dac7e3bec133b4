"""Every legal step of the triage path, the illegal ones (clear error, nothing changes), responses and history."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from consultations.models import AuditEvent, Chapter, Position, PositionStatus, Round, TriageEvent
from consultations.services.triage import FINAL_STATUSES, TRANSITIONS, position_respond, position_set_status
from tests.conftest import Cast
from tests.consultations.triage.conftest import db_counts, make_position, row

pytestmark = pytest.mark.django_db

S = PositionStatus
LEGAL = sorted((source, target) for source, targets in TRANSITIONS.items() for target in targets)
ILLEGAL = sorted(
    (source.value, target.value)
    for source in S
    for target in S
    if target.value not in TRANSITIONS.get(source.value, frozenset())
)
UNTRIAGEABLE = (S.DRAFT, S.AWAITING_SIGNOFF, S.WITHDRAWN)


def _at(cast: Cast, chapter: Chapter, round: Round, status: str) -> Position:
    return make_position(organisation=cast.org_a, chapter=chapter, round=round, status=status)


def test_the_table_covers_the_path_of_the_issue() -> None:
    decisions = {S.INCORPORATED, S.NOTED, S.NEEDS_INFO, S.DECLINED}
    assert TRANSITIONS[S.SUBMITTED] == {S.IN_REVIEW, *decisions}  # a decision needs no separate "in review" step
    assert decisions <= TRANSITIONS[S.IN_REVIEW]
    assert all(S.MERGED not in targets for targets in TRANSITIONS.values())
    assert all(source not in TRANSITIONS for source in (*UNTRIAGEABLE, S.MERGED))


@pytest.mark.parametrize(("source", "target"), LEGAL)
def test_legal_transition_is_applied_versioned_and_recorded(
    cast: Cast, chapter: Chapter, open_round: Round, source: str, target: str
) -> None:
    position = _at(cast, chapter, open_round, source)
    response = "Se incorporó a la propuesta de México." if target in FINAL_STATUSES else ""
    before = db_counts()

    result = position_set_status(
        by=cast.official_of_chapter, position=position, status=target, response=response, expected_version=1
    )

    stored = Position.objects.get(pk=position.pk)
    assert result.status == stored.status == target
    assert stored.triage_version == 2
    event = TriageEvent.objects.get(position=position)
    assert (event.action, event.from_status, event.to_status) == (TriageEvent.Action.STATUS, source, target)
    assert event.actor == cast.official_of_chapter
    audit = AuditEvent.objects.get(action="triage.status")
    assert (audit.target_type, audit.target_id, audit.actor) == ("position", position.pk, cast.official_of_chapter)
    assert audit.organisation == cast.org_a
    assert audit.data["to"] == target and audit.data["event"] == event.pk
    assert db_counts() == {**before, "TriageEvent": before["TriageEvent"] + 1, "AuditEvent": before["AuditEvent"] + 1}


@pytest.mark.parametrize(("source", "target"), ILLEGAL)
def test_illegal_transition_is_refused_and_changes_nothing(
    cast: Cast, chapter: Chapter, open_round: Round, source: str, target: str
) -> None:
    position = _at(cast, chapter, open_round, source)
    before_row = row(position)
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        position_set_status(
            by=cast.official_of_chapter, position=position, status=target, response="Respuesta.", expected_version=1
        )

    if source in UNTRIAGEABLE:
        assert caught.value.code in {"forbidden", "closed", "transition"}
    elif target == S.MERGED:
        assert caught.value.code == "merge"
        assert "merge as duplicate" in caught.value.messages[0]
    else:
        assert caught.value.code == "transition"
        assert caught.value.messages == [f"A position cannot go from “{S(source).label}” to “{S(target).label}”."]
    assert row(position) == before_row
    assert db_counts() == before


@pytest.mark.parametrize("source", [S.DRAFT, S.WITHDRAWN])
def test_official_of_the_chapter_is_told_why_an_unfiled_or_withdrawn_position_cannot_move(
    cast: Cast, chapter: Chapter, open_round: Round, source: str
) -> None:
    position = _at(cast, chapter, open_round, source)

    with pytest.raises(ValidationError) as caught:
        position_set_status(by=cast.official_of_chapter, position=position, status=S.IN_REVIEW)

    assert caught.value.code != "forbidden"
    assert str(S(source).label) in caught.value.messages[0]


def test_unknown_status_is_refused_by_name(cast: Cast, chapter: Chapter, open_round: Round) -> None:
    position = _at(cast, chapter, open_round, S.IN_REVIEW)
    before_row = row(position)

    with pytest.raises(ValidationError) as caught:
        position_set_status(by=cast.official_of_chapter, position=position, status="archived")

    assert caught.value.code == "transition"
    assert "archived" in caught.value.messages[0]
    assert row(position) == before_row


@pytest.mark.parametrize("target", sorted(FINAL_STATUSES - {S.MERGED}))
@pytest.mark.parametrize("response", ["", "   \n\t "])
def test_final_status_without_a_response_is_refused_on_the_response_field(
    cast: Cast, chapter: Chapter, open_round: Round, target: str, response: str
) -> None:
    position = _at(cast, chapter, open_round, S.IN_REVIEW)
    before_row = row(position)
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        position_set_status(by=cast.official_of_chapter, position=position, status=target, response=response)

    assert list(caught.value.message_dict) == ["response"]
    assert row(position) == before_row
    assert db_counts() == before


@pytest.mark.parametrize("target", sorted(FINAL_STATUSES - {S.MERGED}))
def test_final_status_stores_the_response_with_its_time_and_records_it(
    cast: Cast, chapter: Chapter, open_round: Round, target: str
) -> None:
    position = _at(cast, chapter, open_round, S.IN_REVIEW)
    before = timezone.now()

    position_set_status(
        by=cast.official_of_chapter, position=position, status=target, response="  Gracias por la propuesta.  "
    )

    stored = Position.objects.get(pk=position.pk)
    assert stored.official_response == "Gracias por la propuesta."
    assert stored.responded_at is not None and before <= stored.responded_at <= timezone.now()
    event = TriageEvent.objects.get(position=position)
    assert (event.from_status, event.to_status) == (S.IN_REVIEW, target)
    assert event.data == {"response": "Gracias por la propuesta."}


def test_reopening_for_review_needs_no_response_and_keeps_the_previous_one(
    cast: Cast, chapter: Chapter, open_round: Round
) -> None:
    position = _at(cast, chapter, open_round, S.IN_REVIEW)
    position_set_status(by=cast.official_of_chapter, position=position, status=S.DECLINED, response="No procede.")

    position_set_status(by=cast.official_of_chapter, position=position, status=S.IN_REVIEW)

    stored = Position.objects.get(pk=position.pk)
    assert stored.status == S.IN_REVIEW
    assert stored.official_response == "No procede."
    assert stored.triage_version == 3
    history = list(TriageEvent.objects.filter(position=position).order_by("id").values_list("from_status", "to_status"))
    assert history == [(S.IN_REVIEW, S.DECLINED), (S.DECLINED, S.IN_REVIEW)]


def test_full_path_is_recorded_in_order(cast: Cast, chapter: Chapter, open_round: Round) -> None:
    position = _at(cast, chapter, open_round, S.SUBMITTED)
    official = cast.official_of_chapter

    position_set_status(by=official, position=position, status=S.IN_REVIEW, expected_version=1)
    position_set_status(
        by=official, position=position, status=S.NEEDS_INFO, response="¿Qué fracciones?", expected_version=2
    )
    position_set_status(by=official, position=position, status=S.IN_REVIEW, expected_version=3)
    position_set_status(by=official, position=position, status=S.INCORPORATED, response="Incluida.", expected_version=4)

    stored = Position.objects.get(pk=position.pk)
    assert (stored.status, stored.triage_version, stored.official_response) == (S.INCORPORATED, 5, "Incluida.")
    assert list(
        TriageEvent.objects.filter(position=position).order_by("id").values_list("from_status", "to_status")
    ) == [
        (S.SUBMITTED, S.IN_REVIEW),
        (S.IN_REVIEW, S.NEEDS_INFO),
        (S.NEEDS_INFO, S.IN_REVIEW),
        (S.IN_REVIEW, S.INCORPORATED),
    ]
    assert AuditEvent.objects.filter(action="triage.status", target_id=position.pk).count() == 4


def test_response_is_rewritten_with_the_previous_text_in_the_history(
    cast: Cast, chapter: Chapter, open_round: Round
) -> None:
    position = _at(cast, chapter, open_round, S.IN_REVIEW)
    position_set_status(by=cast.official_of_chapter, position=position, status=S.NOTED, response="Primera.")

    position_respond(by=cast.official_of_chapter, position=position, response=" Segunda. ", expected_version=2)

    stored = Position.objects.get(pk=position.pk)
    assert (stored.status, stored.official_response, stored.triage_version) == (S.NOTED, "Segunda.", 3)
    event = TriageEvent.objects.filter(position=position).first()
    assert event is not None
    assert event.action == TriageEvent.Action.RESPONSE
    assert event.data == {"response": "Segunda.", "previous": "Primera.", "status": S.NOTED}
    assert AuditEvent.objects.filter(action="triage.response").count() == 1


@pytest.mark.parametrize("response", ["", "  "])
def test_empty_response_rewrite_is_refused(cast: Cast, chapter: Chapter, open_round: Round, response: str) -> None:
    position = _at(cast, chapter, open_round, S.IN_REVIEW)
    before_row = row(position)
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        position_respond(by=cast.official_of_chapter, position=position, response=response)

    assert "response" in caught.value.message_dict
    assert row(position) == before_row
    assert db_counts() == before


def test_same_response_again_is_a_no_op(cast: Cast, chapter: Chapter, open_round: Round) -> None:
    position = _at(cast, chapter, open_round, S.IN_REVIEW)
    position_set_status(by=cast.official_of_chapter, position=position, status=S.NOTED, response="Igual.")
    before_row = row(position)
    before = db_counts()

    position_respond(by=cast.official_of_chapter, position=position, response="Igual.")

    assert row(position) == before_row
    assert db_counts() == before
