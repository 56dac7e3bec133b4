"""The queue, a position's triage detail and the dashboard cost the same queries at 10 and at 1,000 positions."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consultations.models import (
    Chapter,
    InternalNote,
    Organisation,
    Position,
    PositionStatus,
    Priority,
    Round,
    Stance,
    TriageEvent,
    User,
)
from consultations.selectors.dashboards import dashboard_round_summary
from consultations.selectors.triage import TriageFilters, position_get_for_triage, position_list_for_triage
from tests import factories
from tests.conftest import Cast

pytestmark = pytest.mark.django_db

S = PositionStatus
STATUSES = (S.SUBMITTED, S.IN_REVIEW, S.INCORPORATED, S.NOTED, S.NEEDS_INFO, S.DECLINED, S.WITHDRAWN)


class Bulk:
    """Adds filed positions in bulk, spread over chapters, organisations (with sectors), statuses and stances."""

    def __init__(self, cast: Cast, chapter: Chapter, other_chapter: Chapter, round: Round) -> None:
        self.round = round
        self.cast = cast
        self.chapters = [chapter, other_chapter, factories.ChapterFactory(number=19)]
        sectors = [factories.SectorFactory(code=code) for code in ("1111", "3311", "3361")]
        self.organisations: list[Organisation] = [cast.org_a, cast.org_b]
        for index in range(3):
            self.organisations.append(factories.OrganisationFactory(name=f"Asociación Masiva {index}"))
        for index, organisation in enumerate(self.organisations):
            organisation.sectors.set(sectors[: index % 3 + 1])
        self.assignees: list[User | None] = [None, cast.official_of_chapter, cast.coordinator]
        self.counter = itertools.count()

    def add(self, count: int) -> None:
        now = timezone.now()
        positions = []
        for _ in range(count):
            i = next(self.counter)
            status = STATUSES[i % len(STATUSES)]
            chapter = self.chapters[i % len(self.chapters)]
            assignee = self.assignees[(i // 3) % len(self.assignees)]
            positions.append(
                Position(
                    organisation=self.organisations[i % len(self.organisations)],
                    chapter=chapter,
                    round=self.round,
                    title=f"Posición masiva {i} sobre negociación de aranceles",
                    summary=f"Resumen número {i}.",
                    stance=list(Stance)[i % 3],
                    priority=list(Priority)[i % 4],
                    is_red_flag=i % 7 == 0,
                    status=status,
                    filed_at=now - dt.timedelta(hours=(i * 37) % 500),
                    withdrawn_at=now if status == S.WITHDRAWN else None,
                    created_by=self.cast.delegate_a,
                    assigned_to=assignee if chapter.number == 4 else None,
                    tags=["masiva"],
                )
            )
        Position.objects.bulk_create(positions)


@pytest.fixture
def bulk(cast: Cast, chapter: Chapter, other_chapter: Chapter, open_round: Round) -> Bulk:
    return Bulk(cast, chapter, other_chapter, open_round)


def _cost(run: Callable[[], Any]) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as context:
        result = run()
    return len(context.captured_queries), result


def _queue(user_id: int, filters: TriageFilters) -> Callable[[], int]:
    """Load the user as a request would (no role caches), list one page of the queue and read each row."""

    def run() -> int:
        rows = list(position_list_for_triage(user=User.objects.get(pk=user_id), filters=filters)[:50])
        for p in rows:  # what a row of the queue shows
            _ = (p.title, p.organisation.name, p.chapter.title, p.round.label, p.assigned_to, p.get_status_display())
        return len(rows)

    return run


FILTERS = {
    "default": TriageFilters(),
    "priority_sort": TriageFilters(sort="priority"),
    "by_chapter": TriageFilters(sort="chapter", statuses=(S.SUBMITTED, S.IN_REVIEW)),
    "by_organisation": TriageFilters(sort="organisation", assignee="none"),
    "query": TriageFilters(query="negociaciones", red_flag=False),
    "late_and_old": TriageFilters(filed_late=False, min_age_days=1, assignee="me"),
}


@pytest.mark.parametrize("role", ["official_of_chapter", "coordinator"])
@pytest.mark.parametrize("name", sorted(FILTERS))
def test_queue_costs_the_same_at_10_and_1000_positions(bulk: Bulk, cast: Cast, role: str, name: str) -> None:
    user_id = getattr(cast, role).pk
    bulk.add(10)
    small, small_rows = _cost(_queue(user_id, FILTERS[name]))

    bulk.add(990)
    large, large_rows = _cost(_queue(user_id, FILTERS[name]))

    assert large_rows >= small_rows and large_rows > 0
    assert large == small


def test_queue_for_a_sector_costs_the_same(bulk: Bulk, cast: Cast) -> None:
    sector_id = bulk.organisations[2].sectors.order_by("code").values_list("pk", flat=True)[0]
    filters = TriageFilters(sector_id=sector_id)
    bulk.add(10)
    small, _ = _cost(_queue(cast.coordinator.pk, filters))
    bulk.add(990)
    large, rows = _cost(_queue(cast.coordinator.pk, filters))

    assert rows == 50
    assert large == small


def _dashboard(user_id: int, round: Round) -> Callable[[], int]:
    def run() -> int:
        board = dashboard_round_summary(user=User.objects.get(pk=user_id), round=round)
        for summary in board.chapters:
            _ = (summary.chapter.title, summary.total, summary.in_conflict, summary.offensive_orgs)
        for position in board.red_lines:
            _ = (position.title, position.organisation.name, position.chapter.number)
        _ = ([s.name for s in board.sectors], board.conflicts, board.oldest_untriaged)
        return board.total

    return run


@pytest.mark.parametrize("role", ["official_of_chapter", "coordinator"])
def test_dashboard_costs_the_same_at_10_and_1000_positions(bulk: Bulk, cast: Cast, role: str) -> None:
    user_id = getattr(cast, role).pk
    bulk.add(10)
    small, small_total = _cost(_dashboard(user_id, bulk.round))

    bulk.add(990)
    large, large_total = _cost(_dashboard(user_id, bulk.round))

    assert large_total > small_total > 0
    assert large == small


def test_triage_detail_costs_the_same_with_1_and_50_notes_and_events(cast: Cast, position: Position) -> None:
    officials = [cast.official_of_chapter, cast.coordinator]

    def add(count: int) -> None:
        for index in range(count):
            author = officials[index % 2]
            InternalNote.objects.create(position=position, author=author, body=f"Nota {index}")
            TriageEvent.objects.create(position=position, actor=author, action=TriageEvent.Action.NOTE)

    def run() -> int:
        found = position_get_for_triage(user=User.objects.get(pk=cast.official_of_chapter.pk), position_id=position.pk)
        notes = [(n.body, n.author.full_name) for n in found.internal_notes.all()]
        events = [(e.get_action_display(), e.actor.full_name) for e in found.triage_events.all()]
        _ = (found.organisation.name, found.chapter.title, found.round.label, found.assigned_to, found.duplicate_of)
        _ = list(found.attachments.all())
        return len(notes) + len(events)

    add(1)
    small, small_rows = _cost(run)
    add(49)
    large, large_rows = _cost(run)

    assert (small_rows, large_rows) == (2, 100)
    assert large == small


def test_near_duplicate_markers_cost_one_query_for_a_page_of_any_length(bulk: Bulk) -> None:
    from consultations.selectors.triage import near_duplicate_counts

    bulk.add(200)
    ids = list(Position.objects.order_by("pk").values_list("pk", flat=True))
    few, few_counts = _cost(lambda: near_duplicate_counts(ids=ids[:5]))
    many, many_counts = _cost(lambda: near_duplicate_counts(ids=ids[:50]))

    assert (few, many) == (1, 1)
    assert len(many_counts) > len(few_counts) > 0  # the bulk titles read alike
