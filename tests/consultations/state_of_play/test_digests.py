"""The digests gain the state of play for officials and negotiators; delegates never read an open issue."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consultations import models
from consultations.models import ChapterStatus
from consultations.services import digests
from consultations.services import state_of_play as services
from tests import factories

pytestmark = pytest.mark.django_db
CANARY = "CANARIO-DIGESTO-TEMA-5k1"
NOTE_CANARY = "CANARIO-DIGESTO-NOTA-5k1"


def _full_text(message: Any) -> str:
    return "\n".join([message.subject, message.body, *(str(a.content) for a in message.alternatives)])


@pytest.fixture
def due_round(db) -> models.Round:
    return factories.RoundFactory(label="Ronda de la revisión", digest_at=timezone.now() - dt.timedelta(hours=1))


@pytest.fixture
def state(negotiator, chapter, rounds, cast, due_round) -> models.OpenIssue:
    services.chapter_status_set(
        chapter=chapter, round=rounds[0], by=negotiator, status=ChapterStatus.ADVANCED, note=NOTE_CANARY
    )
    services.chapter_status_share(chapter=chapter, by=negotiator, shared=True)
    # Both organisations filed in the due round, so every delegate gets a digest.
    for organisation in (cast.org_a, cast.org_b):
        factories.PositionFactory(
            organisation=organisation,
            chapter=chapter,
            round=due_round,
            status=models.PositionStatus.SUBMITTED,
            filed_at=timezone.now(),
        )
    return services.open_issue_create(
        chapter=chapter, round=rounds[0], by=negotiator, text=f"Reglas de origen {CANARY}", parties=["US", "CA"]
    )


def test_pre_round_digest_carries_state_of_play_to_officials_and_never_to_delegates(
    state, cast, negotiator, eager_celery, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    models.User.objects.update(language="en")
    with django_capture_on_commit_callbacks(execute=True):
        digests.digests_dispatch_due()
    counts = Counter(message.to[0] for message in mailoutbox)
    assert set(counts.values()) == {1}
    sent = {message.to[0]: _full_text(message) for message in mailoutbox}
    for user in (cast.official_of_chapter, cast.coordinator, negotiator):
        text = sent[user.email]
        assert "State of play of your chapters" in text
        assert CANARY in text and "Advanced" in text, user
        assert "United States, Canada" in text
    for user in (cast.delegate_a, cast.delegate_b, cast.coordinator_a, cast.official_of_other_chapter):
        assert CANARY not in sent[user.email], user
        assert NOTE_CANARY not in sent[user.email], user
    assert "State of play of your chapters" not in sent[cast.official_of_other_chapter.email]
    for text in sent.values():
        assert NOTE_CANARY not in text  # notes stay on the chapter page


def test_debrief_says_what_closed_in_the_round(negotiator, chapter, other_chapter, rounds, cast) -> None:
    services.chapter_status_set(chapter=chapter, round=rounds[1], by=negotiator, status=ChapterStatus.ADVANCED)
    services.chapter_status_set(
        chapter=chapter, round=rounds[2], by=negotiator, status=ChapterStatus.CLOSED_AD_REFERENDUM
    )
    services.chapter_status_set(chapter=other_chapter, round=rounds[2], by=cast.coordinator, status="closed")
    models.User.objects.update(language="en")
    negotiator.refresh_from_db()
    _subject, text, html = digests.render_digest(round=rounds[2], user=negotiator, kind=digests.POST)
    for body in (text, html):
        assert "Closed in this round" in body
        assert f"{chapter.number}. {chapter.title_en}: Closed ad referendum" in body
        assert other_chapter.title_en not in body  # not the negotiator's chapter
    _subject, text, _html = digests.render_digest(round=rounds[1], user=negotiator, kind=digests.POST)
    assert "Closed in this round" not in text
    _subject, text, _html = digests.render_digest(round=rounds[2], user=negotiator, kind=digests.PRE)
    assert "Closed in this round" not in text
    coordinator = models.User.objects.get(pk=cast.coordinator.pk)
    _subject, text, _html = digests.render_digest(round=rounds[2], user=coordinator, kind=digests.POST)
    assert chapter.title_en in text and other_chapter.title_en in text


def test_state_of_play_in_the_digest_costs_the_same_for_few_and_many_issues(negotiator, chapter, rounds, cast):
    coordinator = models.User.objects.get(pk=cast.coordinator.pk)
    chapters = [factories.ChapterFactory(number=n) for n in range(10, 20)]

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            digests.digest_context(round=rounds[2], user=coordinator, kind=digests.POST)
        return len(captured)

    for c in chapters[:2]:
        services.chapter_status_set(chapter=c, round=rounds[0], by=coordinator, status="advanced")
        services.open_issue_create(chapter=c, round=rounds[0], by=coordinator, text="Tema", parties=["US"])
    queries()  # the user's memberships are read once per user object (room visibility): not what is measured here
    few = queries()
    for c in chapters:
        services.chapter_status_set(chapter=c, round=rounds[2], by=coordinator, status="closed")
        for i in range(5):
            services.open_issue_create(chapter=c, round=rounds[0], by=coordinator, text=f"Tema {i}", parties=["CA"])
    assert queries() == few
