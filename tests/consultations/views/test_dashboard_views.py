"""The negotiators' round dashboard and the chapter across rounds: who sees what, the numbers, the drill-down links."""

from __future__ import annotations

import datetime as dt
import html
import itertools
import re
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultations.models import Chapter, Position, PositionStatus, Priority, Round, Sector, Stance, User
from consultations.services.positions import position_file
from tests import factories
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


@dataclass
class World:
    """Five filed positions in two chapters (plus one withdrawn), organisations in two sectors."""

    round: Round
    metal: Sector
    food: Sector
    red_flag_a: Position  # chapter 4, offensive, submitted, foco rojo
    red_line_b: Position  # chapter 4, defensive, in review, red-line priority
    filed_a: Position  # chapter 4, conditional, filed through the service
    other_b: Position  # chapter 3, offensive, submitted
    other_a: Position  # chapter 3, defensive, noted, foco rojo


def _filed(**kwargs: object) -> Position:
    kwargs.setdefault("status", PositionStatus.SUBMITTED)
    kwargs.setdefault("filed_at", timezone.now() - dt.timedelta(hours=2))
    return factories.PositionFactory(**kwargs)


@pytest.fixture
def world(cast: Cast, chapter: Chapter, other_chapter: Chapter, open_round: Round) -> World:
    metal = factories.SectorFactory(code="331", name_es="Industrias metálicas básicas", name_en="Primary metals")
    food = factories.SectorFactory(code="311", name_es="Industria alimentaria", name_en="Food manufacturing")
    cast.org_a.sectors.set([metal])
    cast.org_b.sectors.set([metal, food])
    common = {"round": open_round}
    red_flag_a = _filed(
        organisation=cast.org_a,
        chapter=chapter,
        stance=Stance.OFFENSIVE,
        is_red_flag=True,
        title="Acumulación regional de origen",
        filed_at=timezone.now() - dt.timedelta(days=3, hours=1),
        **common,
    )
    red_line_b = _filed(
        organisation=cast.org_b,
        chapter=chapter,
        stance=Stance.DEFENSIVE,
        priority=Priority.RED_LINE,
        status=PositionStatus.IN_REVIEW,
        title="Sin valor de contenido laboral",
        **common,
    )
    draft = factories.PositionFactory(
        organisation=cast.org_a, chapter=chapter, stance=Stance.CONDITIONAL, created_by=cast.delegate_a, **common
    )
    filed_a = position_file(by=cast.delegate_a, position=draft)
    _filed(
        organisation=cast.org_b,
        chapter=chapter,
        status=PositionStatus.WITHDRAWN,
        withdrawn_at=timezone.now(),
        is_red_flag=True,
        **common,
    )
    other_b = _filed(
        organisation=cast.org_b, chapter=other_chapter, stance=Stance.OFFENSIVE, title="Cupos de azúcar", **common
    )
    other_a = _filed(
        organisation=cast.org_a,
        chapter=other_chapter,
        stance=Stance.DEFENSIVE,
        status=PositionStatus.NOTED,
        is_red_flag=True,
        title="Salvaguarda estacional del tomate",
        **common,
    )
    factories.PositionFactory(organisation=cast.org_a, chapter=other_chapter, title="Borrador sin presentar", **common)
    return World(open_round, metal, food, red_flag_a, red_line_b, filed_a, other_b, other_a)


def _get(client: Client, user: User, url: str):
    client.force_login(user)
    return client.get(url)


def _dashboard_url(round: Round) -> str:
    return reverse("consultations:dashboard_round", args=(round.pk,))


def _link(query: str) -> str:
    """An href to the triage queue as it appears in the HTML (``&`` escaped)."""
    return f'href="/triage/?{html.escape(query)}"'


# Who may open the dashboards


def test_anonymous_is_sent_to_sign_in(client, world):
    for url in (
        reverse("consultations:dashboard"),
        _dashboard_url(world.round),
        reverse("consultations:chapter_evolution", args=(4,)),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", ["delegate_a", "coordinator_a", "admin"])
def test_non_officials_find_no_dashboard(client, cast, world, role):
    client.force_login(getattr(cast, role))
    for url in (
        reverse("consultations:dashboard"),
        _dashboard_url(world.round),
        reverse("consultations:chapter_evolution", args=(4,)),
    ):
        assert client.get(url).status_code == 404


def test_unknown_round_is_404(client, cast, world):
    assert _get(client, cast.coordinator, reverse("consultations:dashboard_round", args=(999_999,))).status_code == 404


def test_coordinator_sees_every_chapter_with_the_right_numbers(client, cast, chapter, other_chapter, world):
    response = _get(client, cast.coordinator, _dashboard_url(world.round))
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert [c.chapter for c in dashboard.chapters] == [other_chapter, chapter]
    assert (dashboard.total, dashboard.untriaged, response.context["red_line_total"]) == (5, 3, 3)
    by_chapter = {c.chapter.number: c for c in dashboard.chapters}
    assert by_chapter[4].by_status == {"submitted": 2, "in_review": 1}
    assert by_chapter[4].red_lines == 2
    assert by_chapter[3].by_status == {"submitted": 1, "noted": 1}
    content = response.content.decode()
    for text in ("Reglas de Origen", "Agricultura", "Salvaguarda estacional del tomate", "Sin valor de contenido"):
        assert text in content
    assert "Borrador sin presentar" not in content


def test_negotiator_sees_only_its_chapters(client, cast, chapter, world):
    response = _get(client, cast.official_of_chapter, _dashboard_url(world.round))
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert [c.chapter for c in dashboard.chapters] == [chapter]
    assert (dashboard.total, dashboard.untriaged, response.context["red_line_total"]) == (3, 2, 2)
    assert [p.pk for p in dashboard.red_lines] == [world.red_line_b.pk, world.red_flag_a.pk]
    content = response.content.decode()
    assert "Agricultura" not in content
    assert "Salvaguarda estacional del tomate" not in content
    assert "Cupos de azúcar" not in content


def test_dashboard_picks_the_round_open_for_input(client, cast, world):
    factories.RoundFactory(closed=True, label="Ronda ya cerrada")
    factories.RoundFactory(
        label="Ronda futura",
        starts_on=(timezone.now() + dt.timedelta(days=90)).date(),
        ends_on=(timezone.now() + dt.timedelta(days=92)).date(),
        input_opens_at=timezone.now() + dt.timedelta(days=30),
        submission_deadline=timezone.now() + dt.timedelta(days=60),
    )
    response = _get(client, cast.official_of_chapter, reverse("consultations:dashboard"))
    assert response.status_code == 200
    assert response.context["round"] == world.round
    assert "Ronda futura" in response.content.decode()  # in the picker


def test_dashboard_falls_back_to_the_next_round_then_the_latest(client, cast, closed_round):
    client.force_login(cast.coordinator)
    assert client.get(reverse("consultations:dashboard")).context["round"] == closed_round  # input closed: next
    past = factories.RoundFactory(
        label="Ronda concluida",
        starts_on=(timezone.now() - dt.timedelta(days=40)).date(),
        ends_on=(timezone.now() - dt.timedelta(days=38)).date(),
        input_opens_at=timezone.now() - dt.timedelta(days=80),
        submission_deadline=timezone.now() - dt.timedelta(days=50),
    )
    closed_round.delete()
    assert client.get(reverse("consultations:dashboard")).context["round"] == past


def test_round_picker_redirects_to_the_round_address(client, cast, world, closed_round):
    response = _get(client, cast.coordinator, reverse("consultations:dashboard") + f"?round={closed_round.pk}")
    assert response.status_code == 302
    assert response["Location"] == _dashboard_url(closed_round)


def test_dashboard_without_rounds_says_so(client, cast):
    response = _get(client, cast.coordinator, reverse("consultations:dashboard"))
    assert response.status_code == 200
    assert response.context["round"] is None


# Drill-down links


def test_every_figure_links_to_the_queue_with_its_filter(client, cast, chapter, world):
    response = _get(client, cast.coordinator, _dashboard_url(world.round))
    content = response.content.decode()
    r, c = world.round.pk, chapter.pk
    expected = [
        f"round={r}",  # positions received
        f"round={r}&status=submitted",  # untriaged backlog
        f"round={r}&status=submitted&age=3",  # the oldest untriaged, three days old
        f"round={r}&red_line=1",  # the red lines: focos rojos and red-line priorities together
        f"round={r}&red_flag=1",
        f"round={r}&priority=red_line",
        f"round={r}&chapter={c}&status=submitted",  # chapter × status cell
        f"round={r}&chapter={c}&status=in_review",
        f"round={r}&chapter={c}",  # chapter total
        f"round={r}&chapter={c}&red_line=1",
        f"round={r}&chapter={c}&priority=red_line",
        f"round={r}&status=in_review",  # column total
        f"round={r}&chapter={c}&stance=offensive",
        f"round={r}&chapter={c}&stance=defensive",
        f"round={r}&chapter={c}&stance=conditional",
        f"round={r}&chapter={c}&sector={world.metal.pk}",
        f"round={r}&chapter={c}&sector={world.food.pk}",
    ]
    for query in expected:
        assert _link(query) in content, query
    # The counts behind the links: the untriaged cell shows 2, the chapter 4 × metal sector cell 3.
    assert f"{_link(f'round={r}&chapter={c}&status=submitted')}>2</a>" in content
    assert f"{_link(f'round={r}&chapter={c}&sector={world.metal.pk}')}>3</a>" in content
    assert f"{_link(f'round={r}&chapter={c}&sector={world.food.pk}')}>1</a>" in content
    assert reverse("consultations:chapter_evolution", args=(chapter.number,)) in content


def test_red_lines_link_to_the_position(client, cast, world):
    content = _get(client, cast.official_of_chapter, _dashboard_url(world.round)).content.decode()
    for position in (world.red_flag_a, world.red_line_b):
        url = reverse("consultations:triage_detail", args=(position.pk,))
        assert f'href="{url}">{position.title}</a>' in content


def test_conflict_map_lists_the_organisations_on_each_side(client, cast, chapter, other_chapter, world):
    response = _get(client, cast.coordinator, _dashboard_url(world.round))
    conflicts = {c.chapter.number: c for c in response.context["dashboard"].conflicts}
    assert set(conflicts) == {3, 4}
    assert conflicts[4].offensive_orgs == [cast.org_a.name]
    assert conflicts[4].defensive_orgs == [cast.org_b.name]
    content = response.content.decode()
    card = re.search(
        rf'<article class="conflict-card" aria-labelledby="conflict-{chapter.pk}">(.*?)</article>', content, re.S
    )
    assert card is not None
    offensive, defensive = card.group(1).split('class="conflict-side side-defensive"')
    assert cast.org_a.name in offensive and cast.org_b.name not in offensive
    assert cast.org_b.name in defensive and cast.org_a.name not in defensive


def test_an_organisation_on_both_sides_is_named_once_on_the_map_never_on_a_side(client, cast, chapter, world):
    # A already has an offensive foco rojo in chapter 4; a defensive position puts it on both sides.
    _filed(organisation=cast.org_a, chapter=chapter, round=world.round, stance=Stance.DEFENSIVE)
    response = _get(client, cast.coordinator, _dashboard_url(world.round))
    content = response.content.decode()
    card = re.search(
        rf'<article class="conflict-card" aria-labelledby="conflict-{chapter.pk}">(.*?)</article>', content, re.S
    )
    assert card is not None
    offensive, defensive = card.group(1).split('class="conflict-side side-defensive"')
    assert cast.org_a.name not in offensive
    defensive, both = defensive.split('class="both-sides"')
    assert cast.org_a.name not in defensive and cast.org_b.name in defensive
    assert cast.org_a.name in both and card.group(1).count(cast.org_a.name) == 1


def test_heat_map_columns_carry_the_chapter_titles(client, cast, chapter, other_chapter, world):
    content = _get(client, cast.coordinator, _dashboard_url(world.round)).content.decode()
    heat = content.split('class="heat-map"', 1)[1].split("</thead>", 1)[0]
    for number, title in ((chapter.number, chapter.title_es), (other_chapter.number, other_chapter.title_es)):
        assert f'<span class="chapter-number">{number}</span> <span class="heat-chapter-title">{title}</span>' in heat


def test_no_conflict_when_a_chapter_has_a_single_side(client, cast, chapter, open_round):
    _filed(organisation=cast.org_a, chapter=chapter, round=open_round, stance=Stance.OFFENSIVE)
    _filed(organisation=cast.org_b, chapter=chapter, round=open_round, stance=Stance.OFFENSIVE)
    response = _get(client, cast.official_of_chapter, _dashboard_url(open_round))
    assert response.context["dashboard"].conflicts == []


# Chapter across rounds


@pytest.fixture
def two_rounds(cast: Cast, chapter: Chapter, closed_round: Round, open_round: Round) -> tuple[Round, Round]:
    """The same red line of A filed in two rounds; one more position of B in the later round."""
    for round, status in ((closed_round, PositionStatus.NOTED), (open_round, PositionStatus.SUBMITTED)):
        _filed(
            organisation=cast.org_a, chapter=chapter, round=round, status=status, is_red_flag=True, title="Línea roja A"
        )
    _filed(organisation=cast.org_b, chapter=chapter, round=open_round, status=PositionStatus.DECLINED)
    return closed_round, open_round


def test_chapter_evolution_shows_statuses_and_red_lines_round_by_round(client, cast, chapter, two_rounds):
    earlier, later = two_rounds
    response = _get(client, cast.official_of_chapter, reverse("consultations:chapter_evolution", args=(4,)))
    assert response.status_code == 200
    evolution = response.context["evolution"]
    assert evolution.rounds == [earlier, later]
    assert evolution.status_counts == {earlier.pk: {"noted": 1}, later.pk: {"submitted": 1, "declined": 1}}
    assert evolution.red_lines == [(cast.org_a.name, "Línea roja A", {earlier.pk: "noted", later.pk: "submitted"})]
    content = response.content.decode()
    assert f"{_link(f'round={later.pk}&chapter={chapter.pk}&status=declined')}>1</a>" in content
    assert f"{_link(f'round={earlier.pk}&chapter={chapter.pk}&status=noted')}>1</a>" in content
    assert '<span class="badge badge-noted">' in content and '<span class="badge badge-submitted">' in content


def test_chapter_evolution_is_404_for_an_official_of_another_chapter(client, cast, two_rounds):
    url = reverse("consultations:chapter_evolution", args=(4,))
    assert _get(client, cast.official_of_other_chapter, url).status_code == 404
    assert _get(client, cast.coordinator, url).status_code == 200
    assert _get(client, cast.coordinator, reverse("consultations:chapter_evolution", args=(33,))).status_code == 404


# The same number of queries for 10 positions as for 200


def _add_positions(chapters: list[Chapter], rounds: list[Round], organisations, count: int) -> None:
    combos = itertools.cycle(
        itertools.product(
            chapters,
            rounds,
            organisations,
            [Stance.OFFENSIVE, Stance.DEFENSIVE, Stance.CONDITIONAL],
            [PositionStatus.SUBMITTED, PositionStatus.IN_REVIEW, PositionStatus.NOTED],
        )
    )
    now = timezone.now()
    for index, (chapter, round, organisation, stance, status) in zip(range(count), combos, strict=False):
        factories.PositionFactory(
            chapter=chapter,
            round=round,
            organisation=organisation,
            stance=stance,
            status=status,
            filed_at=now - dt.timedelta(hours=index),
            is_red_flag=index % 4 == 0,
            priority=Priority.RED_LINE if index % 5 == 0 else Priority.HIGH,
        )


def _query_count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.fixture
def organisations_with_sectors() -> list:
    sectors = [factories.SectorFactory() for _ in range(3)]
    organisations = []
    for index in range(4):
        organisation = factories.OrganisationFactory()
        organisation.sectors.set(sectors[: index % 3 + 1])
        organisations.append(organisation)
    return organisations


def test_dashboard_costs_the_same_queries_for_10_and_200_positions(
    client, cast, chapter, other_chapter, open_round, organisations_with_sectors
):
    client.force_login(cast.coordinator)
    url = _dashboard_url(open_round)
    args = ([chapter, other_chapter], [open_round], organisations_with_sectors)
    _add_positions(*args, count=10)
    small = _query_count(client, url)
    _add_positions(*args, count=190)
    assert Position.objects.count() == 200
    assert _query_count(client, url) == small


def test_chapter_evolution_costs_the_same_queries_for_10_and_200_positions(
    client, cast, chapter, open_round, closed_round, organisations_with_sectors
):
    client.force_login(cast.official_of_chapter)
    url = reverse("consultations:chapter_evolution", args=(chapter.number,))
    args = ([chapter], [closed_round, open_round], organisations_with_sectors)
    _add_positions(*args, count=10)
    small = _query_count(client, url)
    _add_positions(*args, count=190)
    assert _query_count(client, url) == small
