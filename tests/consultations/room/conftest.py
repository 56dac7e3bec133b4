"""The room of chapter 4: organisation A follows it, organisation B does not; a negotiator leads the chapter."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from consultations import models
from consultations.services import briefings as briefing_services
from consultations.services import room_questions as question_services
from tests import factories


@dataclass
class Room:
    negotiator: models.User
    negotiator_of_other_chapter: models.User
    question: models.RoomQuestion
    briefing: models.Briefing


@pytest.fixture
def room(cast, chapter, other_chapter, open_round) -> Room:
    cast.org_a.followed_chapters.add(chapter)
    cast.org_b.followed_chapters.add(other_chapter)
    negotiator = factories.official(chapters=[chapter], negotiator=True)
    question = question_services.room_question_ask(
        by=negotiator,
        chapter=chapter,
        round=open_round,
        text="¿Cuánto contenido regional de acero pueden acreditar hoy?",
        response_deadline=timezone.now() + dt.timedelta(hours=6),
    )
    briefing = briefing_services.briefing_post(
        by=negotiator,
        chapter=chapter,
        round=open_round,
        title="Sesión del martes: reglas de origen",
        body_markdown="Se discutió el **valor de contenido regional**.",
    )
    return Room(
        negotiator=negotiator,
        negotiator_of_other_chapter=factories.official(chapters=[other_chapter], negotiator=True),
        question=question,
        briefing=briefing,
    )


def past_deadline(question: models.RoomQuestion, *, minutes: int = 1) -> models.RoomQuestion:
    """Move the question's deadline into the past, as if the clock had run out (the check forbids a deadline
    before the question was asked, so the asking time moves back too)."""
    moment = timezone.now() - dt.timedelta(minutes=minutes)
    models.RoomQuestion.objects.filter(pk=question.pk).update(
        created_at=moment - dt.timedelta(hours=1), response_deadline=moment
    )
    question.refresh_from_db()
    return question
