"""The triage queue: who sees what, every filter, every sort; a position for triage; near-duplicates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.http import Http404
from django.utils import timezone

from consultations.models import (
    Chapter,
    Organisation,
    Position,
    PositionStatus,
    Priority,
    Round,
    Stance,
    TriageEvent,
    User,
)
from consultations.selectors.triage import (
    LATE_WINDOW,
    SORTS,
    TriageFilters,
    position_get_for_triage,
    position_list_for_triage,
    position_near_duplicates,
)
from consultations.services import triage
from tests import factories
from tests.conftest import Cast
from tests.consultations.triage.conftest import fresh, make_position

pytestmark = pytest.mark.django_db

S = PositionStatus


def listed(user: User, **filters: Any) -> list[int]:
    return [p.pk for p in position_list_for_triage(user=fresh(user), filters=TriageFilters(**filters))]


def ids(user: User, **filters: Any) -> set[int]:
    return set(listed(user, **filters))


def _at(organisation: Organisation, chapter: Chapter, round: Round, **fields: Any) -> Position:
    return make_position(organisation=organisation, chapter=chapter, round=round, **fields)


# Scope.


@pytest.fixture
def every_status(cast: Cast, chapter: Chapter, other_chapter: Chapter, open_round: Round) -> dict[str, Position]:
    """One position of each status in chapter 4, and one submitted in chapter 3."""
    positions = {status.value: _at(cast.org_a, chapter, open_round, status=status) for status in S}
    positions["chapter_3"] = _at(cast.org_b, other_chapter, open_round)
    return positions


TRIAGED = {S.SUBMITTED, S.IN_REVIEW, S.INCORPORATED, S.NOTED, S.NEEDS_INFO, S.DECLINED, S.MERGED}


def test_official_sees_filed_positions_of_own_chapters_without_withdrawn(
    cast: Cast, every_status: dict[str, Position]
) -> None:
    expected = {every_status[s].pk for s in TRIAGED}
    # make_position gives the merged one an original in the same chapter: it is filed, so it is listed too.
    expected.add(every_status[S.MERGED].duplicate_of_id)

    assert ids(cast.official_of_chapter) == expected


def test_withdrawn_is_listed_only_when_asked_for(cast: Cast, every_status: dict[str, Position]) -> None:
    assert ids(cast.official_of_chapter, statuses=(S.WITHDRAWN,)) == {every_status[S.WITHDRAWN].pk}
    assert ids(cast.official_of_chapter, statuses=(S.WITHDRAWN, S.NOTED)) == {
        every_status[S.WITHDRAWN].pk,
        every_status[S.NOTED].pk,
    }


def test_drafts_are_never_listed_even_when_asked_for(cast: Cast, every_status: dict[str, Position]) -> None:
    assert ids(cast.official_of_chapter, statuses=(S.DRAFT, S.AWAITING_SIGNOFF)) == set()
    assert ids(cast.coordinator, statuses=(S.DRAFT, S.AWAITING_SIGNOFF)) == set()


def test_official_of_the_other_chapter_sees_only_that_chapter(cast: Cast, every_status: dict[str, Position]) -> None:
    assert ids(cast.official_of_other_chapter) == {every_status["chapter_3"].pk}


def test_coordinator_sees_every_chapter(cast: Cast, every_status: dict[str, Position]) -> None:
    assert ids(cast.coordinator) == ids(cast.official_of_chapter) | {every_status["chapter_3"].pk}


@pytest.mark.parametrize("role", ["delegate_a", "delegate_b", "coordinator_a", "admin"])
def test_who_is_no_official_sees_nothing(cast: Cast, every_status: dict[str, Position], role: str) -> None:
    assert ids(getattr(cast, role)) == set()
    assert ids(getattr(cast, role), statuses=tuple(S.values)) == set()


# Filters.


def test_filter_by_round_and_chapter(
    cast: Cast, chapter: Chapter, other_chapter: Chapter, open_round: Round, closed_round: Round
) -> None:
    here = _at(cast.org_a, chapter, open_round)
    earlier = _at(cast.org_a, chapter, closed_round)
    elsewhere = _at(cast.org_a, other_chapter, open_round)

    assert ids(cast.coordinator, round_id=open_round.pk) == {here.pk, elsewhere.pk}
    assert ids(cast.coordinator, round_id=closed_round.pk) == {earlier.pk}
    assert ids(cast.coordinator, chapter_id=chapter.pk) == {here.pk, earlier.pk}
    assert ids(cast.coordinator, chapter_id=chapter.pk, round_id=open_round.pk) == {here.pk}
    # A chapter outside the official's own gives nothing, not that chapter's positions.
    assert ids(cast.official_of_chapter, chapter_id=other_chapter.pk) == set()


def test_filter_by_statuses(cast: Cast, every_status: dict[str, Position]) -> None:
    assert ids(cast.official_of_chapter, statuses=(S.SUBMITTED,)) >= {every_status[S.SUBMITTED].pk}
    assert ids(cast.official_of_chapter, statuses=(S.NOTED, S.DECLINED)) == {
        every_status[S.NOTED].pk,
        every_status[S.DECLINED].pk,
    }


def test_filter_by_priority_red_flag_and_stance(cast: Cast, chapter: Chapter, open_round: Round) -> None:
    red = _at(cast.org_a, chapter, open_round, priority=Priority.RED_LINE, stance=Stance.OFFENSIVE)
    flagged = _at(cast.org_a, chapter, open_round, priority=Priority.LOW, is_red_flag=True, stance=Stance.DEFENSIVE)
    plain = _at(cast.org_a, chapter, open_round, priority=Priority.LOW, stance=Stance.CONDITIONAL)

    user = cast.official_of_chapter
    assert ids(user, priority=Priority.RED_LINE) == {red.pk}
    assert ids(user, priority=Priority.LOW) == {flagged.pk, plain.pk}
    assert ids(user, red_flag=True) == {flagged.pk}
    assert ids(user, red_flag=False) == {red.pk, plain.pk}
    assert ids(user, stance=Stance.OFFENSIVE) == {red.pk}
    assert ids(user, stance=Stance.CONDITIONAL) == {plain.pk}
    assert ids(user, priority=Priority.LOW, red_flag=False) == {plain.pk}


def test_filter_by_organisation_and_sector(cast: Cast, chapter: Chapter, open_round: Round) -> None:
    autos, steel = factories.SectorFactory(code="3361"), factories.SectorFactory(code="3311")
    cast.org_a.sectors.set([autos, steel])  # two sectors must not list a position twice
    cast.org_b.sectors.set([steel])
    org_c = factories.OrganisationFactory()
    of_a = _at(cast.org_a, chapter, open_round)
    of_b = _at(cast.org_b, chapter, open_round)
    of_c = _at(org_c, chapter, open_round)

    user = cast.official_of_chapter
    assert ids(user, organisation_id=cast.org_b.pk) == {of_b.pk}
    assert ids(user, organisation_id=org_c.pk) == {of_c.pk}
    assert listed(user, sector_id=autos.pk) == [of_a.pk]
    assert sorted(listed(user, sector_id=steel.pk)) == sorted([of_a.pk, of_b.pk])


def test_filter_by_assignee(cast: Cast, chapter: Chapter, open_round: Round) -> None:
    mine = _at(cast.org_a, chapter, open_round)
    theirs = _at(cast.org_a, chapter, open_round)
    nobodys = _at(cast.org_a, chapter, open_round)
    triage.position_assign(by=cast.official_of_chapter, position=mine, assignee=cast.official_of_chapter)
    triage.position_assign(by=cast.official_of_chapter, position=theirs, assignee=cast.coordinator)

    user = cast.official_of_chapter
    assert ids(user, assignee="me") == {mine.pk}
    assert ids(cast.coordinator, assignee="me") == {theirs.pk}
    assert ids(user, assignee="none") == {nobodys.pk}
    assert ids(user, assignee=str(cast.coordinator.pk)) == {theirs.pk}
    assert ids(user, assignee="not-a-user") == {mine.pk, theirs.pk, nobodys.pk}


def test_filed_late_means_within_a_day_before_the_deadline(cast: Cast, chapter: Chapter, closed_round: Round) -> None:
    deadline = closed_round.submission_deadline
    assert deadline is not None and dt.timedelta(hours=24) == LATE_WINDOW
    at = {
        "last_hour": deadline - dt.timedelta(hours=1),
        "boundary": deadline - LATE_WINDOW,
        "just_before_window": deadline - LATE_WINDOW - dt.timedelta(seconds=1),
        "a_week_before": deadline - dt.timedelta(days=7),
    }
    positions = {name: _at(cast.org_a, chapter, closed_round) for name in at}
    for name, moment in at.items():
        Position.objects.filter(pk=positions[name].pk).update(filed_at=moment)
    late = {positions["last_hour"].pk, positions["boundary"].pk}

    assert ids(cast.official_of_chapter, filed_late=True) == late
    assert ids(cast.official_of_chapter, filed_late=False) == {p.pk for p in positions.values()} - late
    assert ids(cast.official_of_chapter) == {p.pk for p in positions.values()}


def test_filter_by_minimum_age(cast: Cast, chapter: Chapter, closed_round: Round) -> None:
    now = timezone.now()
    old = _at(cast.org_a, chapter, closed_round, filed_at=now - dt.timedelta(days=4))
    _at(cast.org_a, chapter, closed_round, filed_at=now - dt.timedelta(days=2))
    _at(cast.org_a, chapter, closed_round, filed_at=now)

    assert ids(cast.official_of_chapter, min_age_days=3) == {old.pk}
    assert len(ids(cast.official_of_chapter, min_age_days=0)) == 3


def test_query_matches_spanish_word_forms_and_title_fragments(cast: Cast, chapter: Chapter, open_round: Round) -> None:
    negotiation = _at(
        cast.org_a, chapter, open_round, title="Calendario de la negociación", summary="Fechas de la mesa."
    )
    in_summary = _at(
        cast.org_a, chapter, open_round, title="Transparencia", summary="Publicar los textos de las negociaciones."
    )
    autoparts = _at(cast.org_a, chapter, open_round, title="Autopartes de aluminio", summary="Aranceles.")

    user = cast.official_of_chapter
    assert ids(user, query="negociaciones") == {negotiation.pk, in_summary.pk}
    assert ids(user, query="negociación") == {negotiation.pk, in_summary.pk}
    assert ids(user, query="autopar") == {autoparts.pk}  # a fragment of the title
    assert ids(user, query="aguacate") == set()
    assert ids(user, query="negociaciones -transparencia") == {negotiation.pk}


@pytest.fixture
def sortable(cast: Cast, chapter: Chapter, other_chapter: Chapter, open_round: Round) -> dict[str, Position]:
    now = timezone.now()
    org_z = factories.OrganisationFactory(name="Zacatecas Minera")
    org_m = factories.OrganisationFactory(name="Maquiladoras del Norte")

    def make(name: str, organisation: Organisation, where: Chapter, hours_ago: int, **fields: Any) -> Position:
        return _at(organisation, where, open_round, filed_at=now - dt.timedelta(hours=hours_ago), **fields)

    return {
        "low": make("low", org_z, chapter, 1, priority=Priority.LOW),
        "high_old": make("high_old", org_m, other_chapter, 50, priority=Priority.HIGH),
        "high_new": make("high_new", cast.org_a, chapter, 2, priority=Priority.HIGH),
        "high_flag": make("high_flag", org_z, other_chapter, 3, priority=Priority.HIGH, is_red_flag=True),
        "red": make("red", cast.org_b, chapter, 10, priority=Priority.RED_LINE),
        "medium": make("medium", org_m, chapter, 20, priority=Priority.MEDIUM),
    }


def _names(order: list[int], positions: dict[str, Position]) -> list[str]:
    by_pk = {p.pk: name for name, p in positions.items()}
    return [by_pk[pk] for pk in order]


def test_sorts(cast: Cast, sortable: dict[str, Position]) -> None:
    user = cast.coordinator
    newest = ["low", "high_new", "high_flag", "red", "medium", "high_old"]

    assert _names(listed(user, sort="newest"), sortable) == newest
    assert _names(listed(user, sort="oldest"), sortable) == newest[::-1]
    assert _names(listed(user, sort="priority"), sortable) == [
        "red",
        "high_flag",
        "high_old",
        "high_new",
        "medium",
        "low",
    ]
    assert _names(listed(user, sort="chapter"), sortable) == [
        "high_flag",
        "high_old",
        "low",
        "high_new",
        "red",
        "medium",
    ]
    # Cámara Ficticia A, Cámara Ficticia B, Maquiladoras del Norte, Zacatecas Minera — newest first within each.
    assert _names(listed(user, sort="organisation"), sortable) == [
        "high_new",
        "red",
        "medium",
        "high_old",
        "low",
        "high_flag",
    ]
    assert listed(user, sort="no-such-sort") == listed(user, sort="newest")
    assert set(SORTS) == {"newest", "oldest", "priority", "chapter", "organisation"}


def test_equal_filing_times_sort_by_id(cast: Cast, chapter: Chapter, open_round: Round) -> None:
    moment = timezone.now()
    first, second = (_at(cast.org_a, chapter, open_round, filed_at=moment) for _ in range(2))

    assert listed(cast.official_of_chapter, sort="newest") == [second.pk, first.pk]
    assert listed(cast.official_of_chapter, sort="oldest") == [first.pk, second.pk]


# One position for triage.


def test_position_for_triage_comes_with_notes_and_history(cast: Cast, position: Position) -> None:
    triage.position_note_add(by=cast.official_of_chapter, position=position, body="Nota.")
    triage.position_set_status(by=cast.official_of_chapter, position=position, status=S.IN_REVIEW)

    found = position_get_for_triage(user=fresh(cast.official_of_chapter), position_id=position.pk)

    assert found.pk == position.pk
    assert [n.body for n in found.internal_notes.all()] == ["Nota."]
    assert [e.action for e in found.triage_events.all()] == [TriageEvent.Action.STATUS, TriageEvent.Action.NOTE]
    assert position_get_for_triage(user=fresh(cast.coordinator), position_id=position.pk).pk == position.pk


@pytest.mark.parametrize("role", ["official_of_other_chapter", "delegate_a", "coordinator_a", "delegate_b", "admin"])
def test_position_for_triage_is_a_404_for_whoever_may_not_triage_it(cast: Cast, position: Position, role: str) -> None:
    with pytest.raises(Http404):
        position_get_for_triage(user=fresh(getattr(cast, role)), position_id=position.pk)


def test_draft_and_missing_positions_are_404(cast: Cast, chapter: Chapter, open_round: Round) -> None:
    draft = _at(cast.org_a, chapter, open_round, status=S.DRAFT)

    for position_id in (draft.pk, 987654):
        with pytest.raises(Http404):
            position_get_for_triage(user=fresh(cast.official_of_chapter), position_id=position_id)


# Near-duplicates.


@pytest.fixture
def original(cast: Cast, chapter: Chapter, open_round: Round) -> Position:
    return _at(
        cast.org_a,
        chapter,
        open_round,
        title="Reglas de origen para autopartes",
        summary="Mantener el valor de contenido regional en 75 % para las autopartes.",
    )


def test_near_duplicates_are_found_in_the_same_chapter_and_round(
    cast: Cast, chapter: Chapter, other_chapter: Chapter, open_round: Round, closed_round: Round, original: Position
) -> None:
    alike = {
        "title": "Reglas de origen de autopartes",
        "summary": "Mantener el contenido regional en 75 % para autopartes.",
    }
    twin = _at(cast.org_b, chapter, open_round, **alike)
    _at(cast.org_b, chapter, closed_round, **alike)
    _at(cast.org_b, other_chapter, open_round, **alike)
    _at(cast.org_b, chapter, open_round, status=S.DRAFT, **alike)
    _at(cast.org_b, chapter, open_round, status=S.WITHDRAWN, **alike)
    _at(
        cast.org_b,
        chapter,
        open_round,
        title="Acceso al mercado del aguacate",
        summary="Eliminar las cuotas fitosanitarias al aguacate michoacano.",
    )

    found = list(position_near_duplicates(position=original))

    assert [p.pk for p in found] == [twin.pk]
    assert found[0].similarity >= 0.3  # type: ignore[attr-defined]
    assert [p.pk for p in position_near_duplicates(position=twin)] == [original.pk]


def test_near_duplicates_are_ordered_by_similarity_and_limited(
    cast: Cast, chapter: Chapter, open_round: Round, original: Position
) -> None:
    closest = _at(cast.org_b, chapter, open_round, title=original.title, summary=original.summary)
    close = _at(
        cast.org_b,
        chapter,
        open_round,
        title="Reglas de origen de autopartes",
        summary="Mantener el contenido regional en 75 % para autopartes.",
    )

    assert [p.pk for p in position_near_duplicates(position=original)] == [closest.pk, close.pk]
    assert [p.pk for p in position_near_duplicates(position=original, limit=1)] == [closest.pk]
