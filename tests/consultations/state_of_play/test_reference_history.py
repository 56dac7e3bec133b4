"""load_usmca records the closures the public record states, once, as government-only reference history."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from consultations.models import ChapterStatus, ChapterStatusEntry, Round
from consultations.selectors import state_of_play as selectors
from tests import factories

# From shared/reference/usmca.md: Competition Policy closed in round 4, Anticorruption in round 6, Good Regulatory
# Practices, Publication and Administration and SPS in round 7. Nothing else is named.
EXPECTED = {21: "Ronda 4", 27: "Ronda 6", 28: "Ronda 7", 29: "Ronda 7", 9: "Ronda 7"}


def load() -> str:
    out = StringIO()
    call_command("load_usmca", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_reference_closures_match_the_public_record_and_load_once() -> None:
    first = load()
    second = load()

    entries = ChapterStatusEntry.objects.select_related("chapter", "round")
    assert {e.chapter.number: e.round.label for e in entries} == EXPECTED
    assert entries.count() == len(EXPECTED)
    assert all(e.status == ChapterStatus.CLOSED and e.is_reference and e.recorded_by is None for e in entries)
    assert not any(e.shared_with_room for e in entries)
    assert all(e.recorded_at == e.round.ends_at for e in entries)
    assert "closures: 5 created" in first
    assert "closures: 0 created, 0 updated, 5 unchanged" in second
    assert selectors.chapter_shared_status_lines() == {}


@pytest.mark.django_db
def test_board_counts_closures_round_by_round_from_the_reference() -> None:
    load()
    coordinator = factories.official(chapters=[], coordinator=True)

    board = selectors.board(coordinator)

    by_label = {s.round.label: s for s in board.summaries}
    closed_by = {label: by_label[label].closed_by for label in by_label}
    assert closed_by == {
        "Ronda 1": 0,
        "Ronda 2": 0,
        "Ronda 3": 0,
        "Ronda 4": 1,
        "Ronda 5": 1,
        "Ronda intersesional": 1,
        "Ronda 6": 2,
        "Ronda 7": 5,
        "Ronda permanente": 5,
        "Negociación bilateral México–Estados Unidos": 5,
    }
    assert [by_label[label].closed_in for label in ("Ronda 4", "Ronda 5", "Ronda 6", "Ronda 7")] == [1, 0, 1, 3]
    assert board.headline.round.label == "Ronda 7"
    assert len(board.rows) == 34
    competition = next(row for row in board.rows if row.chapter.number == 21)
    assert [cell.status for cell in competition.cells[:4]] == [None, None, None, ChapterStatus.CLOSED]
    # Milestones are no columns of the board; the bilateral talks are, and the format filter keeps only them.
    assert not any(r.kind == Round.Kind.MILESTONE for r in board.rounds)
    bilateral = selectors.board(coordinator, format=Round.Format.MX_US)
    assert [r.label for r in bilateral.rounds] == ["Negociación bilateral México–Estados Unidos"]
    assert bilateral.summaries[0].closed_by == 5  # the history before it still counts
