"""An official's digest costs the same number of queries for 2 chapters as for 12 (no query per chapter)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consultations.services.digests import PRE, digest_context
from tests import factories

pytestmark = pytest.mark.django_db


def _queries(*, user, **kwargs) -> tuple[int, dict]:
    user = type(user).objects.get(pk=user.pk)  # fresh: the role caches on a user object would hide queries
    with CaptureQueriesContext(connection) as captured:
        context = digest_context(user=user, **kwargs)
    return len(captured.captured_queries), context


def test_the_coordinators_digest_does_not_query_per_chapter(cast, open_round):
    def file_in(numbers: range) -> None:
        for number in numbers:
            chapter = factories.ChapterFactory(number=number)
            for _ in range(3):
                factories.PositionFactory(
                    organisation=cast.org_a,
                    chapter=chapter,
                    round=open_round,
                    status="submitted",
                    filed_at=timezone.now(),
                )

    file_in(range(20, 22))
    small, context = _queries(round=open_round, user=cast.coordinator, kind=PRE)
    assert [len(c.positions.items) for c in context["chapters"]] == [3, 3]
    file_in(range(22, 32))
    large, context = _queries(round=open_round, user=cast.coordinator, kind=PRE)
    assert [c.summary.chapter.number for c in context["chapters"]] == list(range(20, 32))
    assert large == small
