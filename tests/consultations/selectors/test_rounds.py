from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from consultations.models import Round
from consultations.selectors.rounds import round_list_open_for_input, round_list_targetable, round_next_open
from tests import factories

pytestmark = pytest.mark.django_db


def _round(label: str, *, deadline_in_days: float, opens_in_days: float = -5, **fields: object) -> Round:
    now = timezone.now()
    return factories.RoundFactory(
        label=label,
        input_opens_at=now + dt.timedelta(days=opens_in_days),
        submission_deadline=now + dt.timedelta(days=deadline_in_days),
        **fields,
    )


def test_next_open_round_is_the_open_one_with_the_earliest_deadline():
    _round("Tarde", deadline_in_days=12)
    earliest = _round("Pronto", deadline_in_days=2)
    _round("Medio", deadline_in_days=7)

    assert round_next_open() == earliest


def test_next_open_round_skips_the_excluded_round():
    earliest = _round("Pronto", deadline_in_days=2)
    second = _round("Medio", deadline_in_days=7)

    assert round_next_open(exclude=earliest) == second


def test_next_open_round_skips_cancelled_and_closed_rounds():
    _round("Cancelada", deadline_in_days=1, cancelled_at=timezone.now())
    factories.RoundFactory(closed=True, label="Cerrada")
    open_round = _round("Abierta", deadline_in_days=9)

    assert round_next_open() == open_round


def test_next_open_round_falls_back_to_the_next_round_to_open():
    factories.RoundFactory(closed=True)
    _round("Después", deadline_in_days=9, opens_in_days=4)
    sooner = _round("Antes", deadline_in_days=9, opens_in_days=2)

    assert round_next_open() == sooner


def test_next_open_round_prefers_an_open_round_to_one_opening_sooner():
    _round("Por abrir", deadline_in_days=5, opens_in_days=1)
    open_round = _round("Abierta", deadline_in_days=12)

    assert round_next_open() == open_round


def test_no_next_open_round_when_none_is_open_or_planned():
    factories.RoundFactory(closed=True)
    _round("Cancelada", deadline_in_days=3, cancelled_at=timezone.now())

    assert round_next_open() is None


def test_rounds_open_for_input_are_ordered_by_deadline_at_a_given_moment():
    late = _round("Tarde", deadline_in_days=12)
    soon = _round("Pronto", deadline_in_days=2)
    _round("Por abrir", deadline_in_days=5, opens_in_days=1)

    assert list(round_list_open_for_input()) == [soon, late]
    assert list(round_list_open_for_input(now=timezone.now() + dt.timedelta(days=3))) == [
        *Round.objects.filter(label="Por abrir"),
        late,
    ]


def test_targetable_rounds_exclude_cancelled_milestones_and_concluded_rounds():
    open_round = _round("Abierta", deadline_in_days=3)
    closed = factories.RoundFactory(closed=True)
    _round("Cancelada", deadline_in_days=3, cancelled_at=timezone.now())
    factories.RoundFactory(kind=Round.Kind.MILESTONE, input_opens_at=None, submission_deadline=None)
    today = timezone.now().date()
    factories.RoundFactory(
        starts_on=today - dt.timedelta(days=30),
        ends_on=today - dt.timedelta(days=26),
        input_opens_at=timezone.now() - dt.timedelta(days=60),
        submission_deadline=timezone.now() - dt.timedelta(days=40),
    )

    assert set(round_list_targetable()) == {open_round, closed}
