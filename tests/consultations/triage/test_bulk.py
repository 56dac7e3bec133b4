"""Bulk actions on a selection: what fits is done, each with its own history entry under one bulk id."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from consultations.models import AuditEvent, Chapter, Position, PositionStatus, Round, TriageEvent
from consultations.services import triage
from tests.conftest import Cast
from tests.consultations.triage.conftest import db_counts, make_position, row

pytestmark = pytest.mark.django_db

S = PositionStatus
RESPONSE = "Respuesta común a todas las posiciones de la selección."


@pytest.fixture
def selection(cast: Cast, chapter: Chapter, other_chapter: Chapter, open_round: Round) -> dict[str, Position]:
    """Two positions that can move to "noted", and three that cannot for different reasons."""

    def make(status: str, where: Chapter = chapter) -> Position:
        return make_position(organisation=cast.org_a, chapter=where, round=open_round, status=status)

    return {
        "in_review_1": make(S.IN_REVIEW),
        "in_review_2": make(S.IN_REVIEW),
        "submitted": make(S.SUBMITTED),
        "withdrawn": make(S.WITHDRAWN),
        "other_chapter": make(S.IN_REVIEW, other_chapter),
    }


def _rows(positions: dict[str, Position], names: list[str]) -> dict[str, dict[str, Any]]:
    return {name: row(positions[name]) for name in names}


def _assert_done(result: triage.BulkResult, positions: list[Position], action: str) -> None:
    assert sorted(result.done) == sorted(p.pk for p in positions)
    events = TriageEvent.objects.filter(bulk_id=result.bulk_id)
    assert sorted(events.values_list("position_id", flat=True)) == sorted(p.pk for p in positions)
    assert set(events.values_list("action", flat=True)) == {action}
    assert AuditEvent.objects.filter(action=f"triage.{action}").count() == len(positions)


def test_bulk_set_status_moves_what_may_move_and_skips_the_rest(
    cast: Cast, selection: dict[str, Position], django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    skipped = ["withdrawn", "other_chapter"]
    before = _rows(selection, skipped)

    with django_capture_on_commit_callbacks(execute=True):
        result = triage.positions_bulk_set_status(
            by=cast.official_of_chapter, positions=list(selection.values()), status=S.NOTED, response=RESPONSE
        )

    # A decision is taken straight from "submitted" too.
    done = [selection["in_review_1"], selection["in_review_2"], selection["submitted"]]
    _assert_done(result, done, TriageEvent.Action.STATUS)
    for position in done:
        stored = Position.objects.get(pk=position.pk)
        assert (stored.status, stored.official_response, stored.triage_version) == (S.NOTED, RESPONSE, 2)
    assert set(result.skipped) == {selection[name].pk for name in skipped}
    assert "cannot be triaged" in result.skipped[selection["withdrawn"].pk]
    assert "cannot triage" in result.skipped[selection["other_chapter"].pk]
    assert _rows(selection, skipped) == before
    assert len(mailoutbox) == 2 * len(done)  # each done position notifies its organisation's two members


def test_bulk_set_status_without_a_response_skips_every_final_one(cast: Cast, selection: dict[str, Position]) -> None:
    before_rows = _rows(selection, list(selection))
    before = db_counts()

    result = triage.positions_bulk_set_status(
        by=cast.official_of_chapter, positions=list(selection.values()), status=S.DECLINED, response=" "
    )

    assert result.done == []
    assert set(result.skipped) == {p.pk for p in selection.values()}
    assert _rows(selection, list(selection)) == before_rows
    assert db_counts() == before


def test_bulk_assign_assigns_the_triageable_and_skips_the_rest(cast: Cast, selection: dict[str, Position]) -> None:
    skipped = ["withdrawn", "other_chapter"]
    before = _rows(selection, skipped)

    result = triage.positions_bulk_assign(
        by=cast.official_of_chapter, positions=list(selection.values()), assignee=cast.official_of_chapter
    )

    done = [selection[name] for name in ("in_review_1", "in_review_2", "submitted")]
    _assert_done(result, done, TriageEvent.Action.ASSIGN)
    assert {p.assigned_to_id for p in Position.objects.filter(pk__in=result.done)} == {cast.official_of_chapter.pk}
    assert set(result.skipped) == {selection[name].pk for name in skipped}
    assert _rows(selection, skipped) == before


def test_bulk_assign_to_someone_outside_the_chapter_skips_everything(
    cast: Cast, selection: dict[str, Position]
) -> None:
    before = db_counts()

    result = triage.positions_bulk_assign(
        by=cast.coordinator, positions=[selection["in_review_1"], selection["submitted"]], assignee=cast.delegate_a
    )

    assert result.done == []
    assert set(result.skipped) == {selection["in_review_1"].pk, selection["submitted"].pk}
    assert db_counts() == before


def test_bulk_tag_tags_each_once(cast: Cast, selection: dict[str, Position]) -> None:
    skipped = ["withdrawn", "other_chapter"]
    before = _rows(selection, skipped)

    result = triage.positions_bulk_tag(by=cast.official_of_chapter, positions=list(selection.values()), tag=" Acero ")

    done = [selection[name] for name in ("in_review_1", "in_review_2", "submitted")]
    _assert_done(result, done, TriageEvent.Action.TAG)
    assert {tuple(p.tags) for p in Position.objects.filter(pk__in=result.done)} == {("acero",)}
    assert _rows(selection, skipped) == before


def test_bulk_tag_with_a_bad_tag_is_refused_before_anything(cast: Cast, selection: dict[str, Position]) -> None:
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        triage.positions_bulk_tag(by=cast.official_of_chapter, positions=list(selection.values()), tag="x" * 41)

    assert "tag" in caught.value.message_dict
    assert db_counts() == before


def test_two_bulk_actions_have_different_ids(cast: Cast, selection: dict[str, Position]) -> None:
    positions = [selection["in_review_1"], selection["in_review_2"]]
    first = triage.positions_bulk_tag(by=cast.official_of_chapter, positions=positions, tag="uno")
    second = triage.positions_bulk_tag(by=cast.official_of_chapter, positions=positions, tag="dos")

    assert first.bulk_id != second.bulk_id
    assert TriageEvent.objects.filter(bulk_id=first.bulk_id).count() == 2
    assert TriageEvent.objects.filter(bulk_id=second.bulk_id).count() == 2


def test_bulk_over_a_stale_selection_uses_the_current_state(cast: Cast, selection: dict[str, Position]) -> None:
    """The selection was loaded before someone moved one of its positions: the bulk acts on what is stored now."""
    stale = selection["submitted"]
    triage.position_set_status(by=cast.coordinator, position=stale, status=S.IN_REVIEW)

    result = triage.positions_bulk_set_status(
        by=cast.official_of_chapter, positions=[stale], status=S.INCORPORATED, response=RESPONSE
    )

    assert result.done == [stale.pk]
    assert Position.objects.get(pk=stale.pk).status == S.INCORPORATED
