"""The round dashboard and the chapter view across rounds, on a small set counted by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from consultations.models import Chapter, Organisation, Position, PositionStatus, Priority, Round, Stance
from consultations.selectors.dashboards import chapter_evolution, dashboard_round_summary
from tests import factories
from tests.conftest import Cast
from tests.consultations.triage.conftest import fresh, make_position

pytestmark = pytest.mark.django_db

S = PositionStatus


class World:
    """Round R in chapters 4 and 3: organisations A (sectors S1, S2), B (S2) and C (none)."""

    def __init__(self, cast: Cast, chapter: Chapter, other_chapter: Chapter, round: Round) -> None:
        self.round = round
        self.s1 = factories.SectorFactory(code="1111", name_en="Crops", name_es="Cultivos")
        self.s2 = factories.SectorFactory(code="3361", name_en="Vehicles", name_es="Vehículos")
        self.org_a, self.org_b = cast.org_a, cast.org_b
        self.org_c = factories.OrganisationFactory(name="Cámara Ficticia C")
        self.org_a.sectors.set([self.s1, self.s2])
        self.org_b.sectors.set([self.s2])
        now = timezone.now()

        def make(org: Organisation, where: Chapter, status: str, days_ago: int, **fields: Any) -> Position:
            return make_position(
                organisation=org,
                chapter=where,
                round=round,
                status=status,
                filed_at=now - dt.timedelta(days=days_ago),
                **fields,
            )

        # Chapter 4: A (offensive) against B (defensive), with C conditional.
        self.p1 = make(self.org_a, chapter, S.SUBMITTED, 3, stance=Stance.OFFENSIVE, priority=Priority.RED_LINE)
        self.p2 = make(self.org_b, chapter, S.SUBMITTED, 1, stance=Stance.DEFENSIVE, is_red_flag=True)
        self.p3 = make(self.org_c, chapter, S.IN_REVIEW, 2, stance=Stance.CONDITIONAL, priority=Priority.MEDIUM)
        self.p4 = make(self.org_a, chapter, S.NOTED, 4, stance=Stance.OFFENSIVE, priority=Priority.LOW)
        # Not counted: withdrawn, a draft, another round.
        make(self.org_b, chapter, S.WITHDRAWN, 1, stance=Stance.OFFENSIVE, priority=Priority.RED_LINE)
        make_position(organisation=self.org_c, chapter=chapter, round=round, status=S.DRAFT, stance=Stance.DEFENSIVE)
        make_position(
            organisation=self.org_c,
            chapter=chapter,
            round=factories.RoundFactory(),
            status=S.SUBMITTED,
            stance=Stance.DEFENSIVE,
            priority=Priority.RED_LINE,
        )
        # Chapter 3: everybody offensive, no conflict.
        self.p5 = make(self.org_b, other_chapter, S.IN_REVIEW, 2, stance=Stance.OFFENSIVE)
        self.p6 = make(self.org_c, other_chapter, S.SUBMITTED, 5, stance=Stance.OFFENSIVE, priority=Priority.MEDIUM)


@pytest.fixture
def world(cast: Cast, chapter: Chapter, other_chapter: Chapter, open_round: Round) -> World:
    return World(cast, chapter, other_chapter, open_round)


def test_round_summary_for_the_coordinator(cast: Cast, chapter: Chapter, other_chapter: Chapter, world: World) -> None:
    board = dashboard_round_summary(user=fresh(cast.coordinator), round=world.round)

    ch3, ch4 = board.chapters
    assert (ch3.chapter, ch4.chapter) == (other_chapter, chapter)

    assert ch4.by_status == {S.SUBMITTED: 2, S.IN_REVIEW: 1, S.NOTED: 1}
    assert (ch4.total, ch4.untriaged, ch4.oldest_untriaged, ch4.red_lines) == (4, 2, world.p1.filed_at, 2)
    assert ch4.by_stance == {Stance.OFFENSIVE: 2, Stance.DEFENSIVE: 1, Stance.CONDITIONAL: 1}
    assert (ch4.offensive_orgs, ch4.defensive_orgs) == (["Cámara Ficticia A"], ["Cámara Ficticia B"])
    assert ch4.in_conflict
    assert (ch4.stance_share(Stance.OFFENSIVE), ch4.stance_share(Stance.DEFENSIVE)) == (50, 25)

    assert ch3.by_status == {S.SUBMITTED: 1, S.IN_REVIEW: 1}
    assert (ch3.total, ch3.untriaged, ch3.oldest_untriaged, ch3.red_lines) == (2, 1, world.p6.filed_at, 0)
    assert ch3.by_stance == {Stance.OFFENSIVE: 2}
    assert (ch3.offensive_orgs, ch3.defensive_orgs) == (["Cámara Ficticia B", "Cámara Ficticia C"], [])
    assert not ch3.in_conflict
    assert ch3.stance_share(Stance.CONDITIONAL) == 0

    assert (board.total, board.untriaged, board.oldest_untriaged) == (6, 3, world.p6.filed_at)
    assert board.conflicts == [ch4]
    assert [p.pk for p in board.red_lines] == [world.p2.pk, world.p1.pk]  # by chapter, newest first


def test_heat_map_counts_positions_per_sector_and_chapter(
    cast: Cast, chapter: Chapter, other_chapter: Chapter, world: World
) -> None:
    board = dashboard_round_summary(user=fresh(cast.coordinator), round=world.round)

    assert board.sectors == [world.s1, world.s2]
    assert board.heat == {
        (world.s1.pk, chapter.pk): 2,  # A's p1, p4
        (world.s2.pk, chapter.pk): 3,  # A's p1, p4 and B's p2
        (world.s2.pk, other_chapter.pk): 1,  # B's p5; C has no sector
    }
    assert board.heat_max == 3


def test_round_summary_for_an_official_covers_own_chapters(cast: Cast, chapter: Chapter, world: World) -> None:
    board = dashboard_round_summary(user=fresh(cast.official_of_chapter), round=world.round)

    assert [c.chapter for c in board.chapters] == [chapter]
    assert (board.total, board.untriaged, board.oldest_untriaged) == (4, 2, world.p1.filed_at)
    assert board.time_to_deadline is not None and board.time_to_deadline > dt.timedelta(days=9)
    statuses = [value for value, _label in board.statuses]
    assert S.DRAFT not in statuses and S.WITHDRAWN not in statuses and S.SUBMITTED in statuses


def test_red_line_list_is_limited(cast: Cast, world: World) -> None:
    board = dashboard_round_summary(user=fresh(cast.coordinator), round=world.round, red_line_limit=1)

    assert [p.pk for p in board.red_lines] == [world.p2.pk]
    assert board.chapters[1].red_lines == 2


@pytest.mark.parametrize("role", ["delegate_a", "admin"])
def test_round_summary_is_empty_for_who_is_no_official(cast: Cast, world: World, role: str) -> None:
    board = dashboard_round_summary(user=fresh(getattr(cast, role)), round=world.round)

    assert (board.chapters, board.red_lines, board.heat, board.total, board.oldest_untriaged) == ([], [], {}, 0, None)


def test_round_without_positions(cast: Cast, closed_round: Round) -> None:
    board = dashboard_round_summary(user=fresh(cast.coordinator), round=closed_round)

    assert (board.chapters, board.heat_max, board.conflicts, board.untriaged) == ([], 0, [], 0)


def test_one_organisation_on_both_sides_is_no_conflict(cast: Cast, chapter: Chapter, open_round: Round) -> None:
    make_position(organisation=cast.org_a, chapter=chapter, round=open_round, stance=Stance.OFFENSIVE)
    make_position(organisation=cast.org_a, chapter=chapter, round=open_round, stance=Stance.DEFENSIVE)

    board = dashboard_round_summary(user=fresh(cast.coordinator), round=open_round)

    assert board.conflicts == []


def test_conflict_lists_every_organisation_on_each_side(cast: Cast, chapter: Chapter, open_round: Round) -> None:
    org_c = factories.OrganisationFactory(name="Cámara Ficticia C")
    for organisation, stance in (
        (cast.org_a, Stance.OFFENSIVE),
        (cast.org_a, Stance.DEFENSIVE),
        (cast.org_b, Stance.DEFENSIVE),
        (org_c, Stance.OFFENSIVE),
        (org_c, Stance.OFFENSIVE),
    ):
        make_position(organisation=organisation, chapter=chapter, round=open_round, stance=stance)

    (summary,) = dashboard_round_summary(user=fresh(cast.coordinator), round=open_round).conflicts

    # A has positions on both sides: named once, as such, and on neither side.
    assert summary.offensive_orgs == ["Cámara Ficticia C"]
    assert summary.defensive_orgs == ["Cámara Ficticia B"]
    assert summary.both_sides_orgs == ["Cámara Ficticia A"]
    assert summary.by_stance == {Stance.OFFENSIVE: 3, Stance.DEFENSIVE: 2}


# The chapter across rounds.


def test_chapter_evolution_follows_red_lines_and_statuses_round_by_round(
    cast: Cast, chapter: Chapter, other_chapter: Chapter
) -> None:
    first = factories.RoundFactory(closed=True, label="Primera ronda")
    second = factories.RoundFactory(label="Segunda ronda")
    assert first.starts_on < second.starts_on

    def make(org: Organisation, round: Round, status: str, **fields: Any) -> Position:
        return make_position(organisation=org, chapter=chapter, round=round, status=status, **fields)

    make(cast.org_a, second, S.IN_REVIEW, title="Acumulación", priority=Priority.RED_LINE)
    make(cast.org_a, first, S.NEEDS_INFO, title="Acumulación", priority=Priority.RED_LINE)
    make(cast.org_b, first, S.DECLINED, title="Salvaguardas", is_red_flag=True, priority=Priority.LOW)
    make(cast.org_b, second, S.SUBMITTED, title="Aranceles", priority=Priority.MEDIUM)
    make(cast.org_b, second, S.DRAFT, title="Borrador", priority=Priority.RED_LINE)
    make_position(organisation=cast.org_a, chapter=other_chapter, round=first, priority=Priority.RED_LINE)

    view = chapter_evolution(user=fresh(cast.official_of_chapter), chapter=chapter)

    assert view.chapter == chapter
    assert view.rounds == [first, second]
    assert view.red_lines == [
        ("Cámara Ficticia A", "Acumulación", {first.pk: S.NEEDS_INFO, second.pk: S.IN_REVIEW}),
        ("Cámara Ficticia B", "Salvaguardas", {first.pk: S.DECLINED}),
    ]
    assert view.status_counts == {
        first.pk: {S.NEEDS_INFO: 1, S.DECLINED: 1},
        second.pk: {S.IN_REVIEW: 1, S.SUBMITTED: 1},
    }


def test_chapter_evolution_is_empty_outside_ones_chapters(cast: Cast, chapter: Chapter, world: World) -> None:
    for role in ("official_of_other_chapter", "delegate_a", "admin"):
        view = chapter_evolution(user=fresh(getattr(cast, role)), chapter=chapter)
        assert (view.rounds, view.red_lines, view.status_counts) == ([], [], {})
