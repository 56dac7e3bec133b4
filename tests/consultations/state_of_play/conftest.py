from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from consultations import models
from tests import factories


@pytest.fixture
def negotiator(chapter: models.Chapter) -> models.User:
    return factories.official(chapters=[chapter], negotiator=True)


@pytest.fixture
def rounds(db) -> list[models.Round]:
    """Three past rounds, a week apart, oldest first."""
    today = timezone.now().date()
    return [
        factories.RoundFactory(
            label=f"Ronda {n}",
            starts_on=today - dt.timedelta(days=100 - 7 * n),
            ends_on=today - dt.timedelta(days=98 - 7 * n),
            input_opens_at=None,
            submission_deadline=None,
            digest_at=None,
        )
        for n in (1, 2, 3)
    ]
