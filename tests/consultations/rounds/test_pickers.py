"""Every round picker lists the same rounds in the same order: rounds that take positions, the latest first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from consultations.forms.positions import PositionFilterForm
from consultations.forms.triage import TriageFilterForm
from consultations.models import Round
from tests import factories
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_position_and_triage_pickers_list_rounds_taking_positions_latest_first(cast: Cast) -> None:
    today = timezone.localdate()
    older = factories.RoundFactory(label="Anterior", closed=True)
    newer = factories.RoundFactory(label="Siguiente", starts_on=today + dt.timedelta(days=40))
    factories.RoundFactory(
        label="Entrada en vigor",
        kind=Round.Kind.MILESTONE,
        starts_on=today + dt.timedelta(days=60),
        ends_on=today + dt.timedelta(days=60),
        input_opens_at=None,
        submission_deadline=None,
        digest_at=None,
    )

    expected = [newer, older]
    assert list(PositionFilterForm().fields["round"].queryset) == expected
    assert list(TriageFilterForm(user=cast.coordinator).fields["round"].queryset) == expected
