"""One current round, whatever overlaps: the round in session, else the open round whose deadline comes first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from consultations.selectors.rounds import round_current, round_list
from tests import factories
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_of_two_rounds_taking_input_the_one_closing_first_is_current() -> None:
    later = factories.RoundFactory(label="Cierra después", submission_deadline=timezone.now() + dt.timedelta(days=12))
    sooner = factories.RoundFactory(label="Cierra antes", submission_deadline=timezone.now() + dt.timedelta(days=3))

    assert round_current(rounds=list(round_list()), now=timezone.now()) == sooner
    assert later.status == sooner.status  # both take input: only one may be called current


def test_a_round_in_session_is_current_over_one_taking_input() -> None:
    today = timezone.localdate()
    factories.RoundFactory(label="Abierta")
    in_session = factories.RoundFactory(
        label="En sesión",
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=2),
        input_opens_at=timezone.now() - dt.timedelta(days=30),
        submission_deadline=timezone.now() - dt.timedelta(days=8),
        digest_at=timezone.now() - dt.timedelta(days=4),
    )
    assert round_current(rounds=list(round_list()), now=timezone.now()) == in_session


def test_the_calendar_and_the_timeline_mark_one_round_only(client, cast: Cast) -> None:
    factories.RoundFactory(label="Cierra después", submission_deadline=timezone.now() + dt.timedelta(days=12))
    factories.RoundFactory(label="Cierra antes", submission_deadline=timezone.now() + dt.timedelta(days=3))
    client.force_login(cast.delegate_a)

    timeline = client.get(reverse("consultations:round_timeline")).content.decode()
    assert timeline.count('class="timeline-round') >= 2
    assert timeline.count('aria-current="true"') == 1
    calendar = client.get(reverse("consultations:round_list")).content.decode()
    assert calendar.count('class="current" aria-current="true"') == 1


def test_the_digest_is_linked_from_the_calendar_the_timeline_and_round_management(client, cast: Cast) -> None:
    round = factories.RoundFactory(label="Ronda con resumen")
    preview = reverse("consultations:digest_preview", args=[round.pk])
    deliveries = reverse("consultations:round_deliveries", args=[round.pk])
    client.force_login(cast.delegate_a)
    for name in ("consultations:round_list", "consultations:round_timeline"):
        page = client.get(reverse(name)).content.decode()
        assert f'href="{preview}"' in page, name
        assert f'href="{deliveries}"' not in page, name  # the delivery history is for staff
    client.force_login(cast.admin)
    for name in ("consultations:round_list", "consultations:round_timeline", "consultations:round_manage_list"):
        page = client.get(reverse(name)).content.decode()
        assert f'href="{preview}"' in page, name
        assert f'href="{deliveries}"' in page, name
