"""The board and the chapter page cost the same number of queries whatever the chapters, rounds and issues."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultations import models
from consultations.models import ChapterStatus, ChapterStatusEntry, OpenIssue
from tests import factories

pytestmark = pytest.mark.django_db
STATUSES = [s for s in ChapterStatus.values]


def _rounds(n: int, first: int = 0) -> list[models.Round]:
    today = timezone.now().date()
    return [
        factories.RoundFactory(
            label=f"R{first + i}",
            starts_on=today - dt.timedelta(days=400 - 30 * (first + i)),
            ends_on=today - dt.timedelta(days=398 - 30 * (first + i)),
            input_opens_at=None,
            submission_deadline=None,
            digest_at=None,
        )
        for i in range(n)
    ]


def _fill(chapters, rounds, *, issues: int, by: models.User) -> None:
    now = timezone.now()
    ChapterStatusEntry.objects.bulk_create(
        ChapterStatusEntry(
            chapter=chapter, round=round, status=STATUSES[(c + r) % len(STATUSES)], recorded_by=by, recorded_at=now
        )
        for (c, chapter), (r, round) in itertools.product(enumerate(chapters), enumerate(rounds))
    )
    OpenIssue.objects.bulk_create(
        OpenIssue(
            chapter=chapters[i % len(chapters)],
            round=rounds[i % len(rounds)],
            text=f"Tema {i}",
            parties=["US"],
            status=OpenIssue.Status.OPEN if i % 3 else OpenIssue.Status.CONVERGING,
            format=models.Round.Format.TRILATERAL if i % 2 else models.Round.Format.MX_US,
            created_by=by,
            created_at=now,
            updated_by=by,
            updated_at=now,
        )
        for i in range(issues)
    )
    for chapter in chapters:
        factories.PositionFactory(
            chapter=chapter,
            round=rounds[0],
            status=models.PositionStatus.SUBMITTED,
            filed_at=now,
            priority=models.Priority.RED_LINE,
        )


def _count(client: Client, url: str, **params: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


def test_board_queries_do_not_grow_with_chapters_rounds_or_issues() -> None:
    coordinator = factories.official(chapters=[], coordinator=True)
    client = Client()
    client.force_login(coordinator)
    url = reverse("consultations:board")
    small_chapters = [factories.ChapterFactory(number=n) for n in (1, 2)]
    small_rounds = _rounds(2)
    _fill(small_chapters, small_rounds, issues=10, by=coordinator)
    small = _count(client, url)
    small_filtered = _count(client, url, format="mx_us")

    chapters = small_chapters + [factories.ChapterFactory(number=n) for n in range(3, 35)]
    rounds = small_rounds + _rounds(8, first=2)
    _fill(chapters[2:], rounds, issues=990, by=coordinator)
    assert (models.Chapter.objects.count(), len(rounds), OpenIssue.objects.count()) == (34, 10, 1000)
    assert _count(client, url) == small
    assert _count(client, url, format="mx_us") == small_filtered
    body = client.get(url).content.decode()
    assert body.count('class="sop-cell') == 34 * 10


def test_chapter_page_queries_do_not_grow_with_issues_and_positions() -> None:
    coordinator = factories.official(chapters=[], coordinator=True)
    chapter = factories.ChapterFactory(number=4)
    rounds = _rounds(3)
    client = Client()
    client.force_login(coordinator)
    url = reverse("consultations:chapter_state", args=[chapter.number])

    def add(issues: int) -> None:
        from consultations.services import state_of_play as services

        positions = [
            factories.PositionFactory(
                chapter=chapter, round=rounds[0], status=models.PositionStatus.SUBMITTED, filed_at=timezone.now()
            )
            for _ in range(2)
        ]
        for i in range(issues):
            issue = services.open_issue_create(
                chapter=chapter, round=rounds[i % 3], by=coordinator, text=f"T{i}", parties=["MX"], positions=positions
            )
            services.open_issue_set_status(issue=issue, by=coordinator, version=1, status="converging")

    add(2)
    few = _count(client, url)
    add(30)
    assert _count(client, url) == few
