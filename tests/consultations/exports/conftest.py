"""A round of chapter 4 with what a briefing book holds: a red line of organisation A (with a text that starts like
a formula), a defensive position of organisation B in the same chapter (a conflict), a co-signer, a briefing, a
room question with an answer; and organisation B's canary in another chapter, which no reader of chapter 4 sees."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import timezone

from consultations import models
from consultations.services import briefings as briefing_services
from consultations.services import room_questions as question_services
from tests import factories
from tests.conftest import Cast

RED_TITLE = "Acero: regla de origen del 75 %"
FORMULA = '=HYPERLINK("http://example.com","clic")'
CANARY = "CANARIO-OTRA-ORG-9d2"
BRIEFING_TITLE = "Sesión del martes: reglas de origen"
ANSWER = "Podemos acreditar 62 % hoy."


@dataclass
class Book:
    cast: Cast
    chapter: models.Chapter
    other_chapter: models.Chapter
    round: models.Round
    red_line: models.Position
    defensive: models.Position
    canary: models.Position
    negotiator: models.User


def _filed(**kwargs) -> models.Position:  # noqa: ANN003
    return factories.PositionFactory(status=models.PositionStatus.SUBMITTED, filed_at=timezone.now(), **kwargs)


@pytest.fixture
def private_media(settings, tmp_path: Path) -> Path:
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
    }
    return media


@pytest.fixture
def book(cast: Cast, chapter, other_chapter, open_round, private_media) -> Book:
    org_c = factories.OrganisationFactory(name="Cámara Ficticia C", acronym="CFC")
    red_line = _filed(
        organisation=cast.org_a,
        chapter=chapter,
        round=open_round,
        title=RED_TITLE,
        summary="Mantener el valor de contenido regional.",
        stance=models.Stance.OFFENSIVE,
        priority=models.Priority.RED_LINE,
        requested_outcome=FORMULA,
        fallback_position="+70 % con transición",
        hs_lines=["7208.10", "7208.25"],
        exports_usd=1_500_000,
        jobs=120_000,
        official_response="Se incorpora a la posición de México.",
    )
    models.CoSignature.objects.create(
        position=red_line,
        organisation=org_c,
        status=models.CoSignature.Status.ACCEPTED,
        invited_by=cast.delegate_a,
        responded_by=cast.delegate_a,
        responded_at=timezone.now(),
    )
    defensive = _filed(
        organisation=cast.org_b,
        chapter=chapter,
        round=open_round,
        title="Proteger la industria nacional",
        stance=models.Stance.DEFENSIVE,
        priority=models.Priority.LOW,
    )
    canary = _filed(organisation=cast.org_b, chapter=other_chapter, round=open_round, title=CANARY)
    negotiator = factories.official(chapters=[chapter], negotiator=True)
    briefing_services.briefing_post(
        by=negotiator, chapter=chapter, round=open_round, title=BRIEFING_TITLE, body_markdown="Se discutió **acero**."
    )
    question = question_services.room_question_ask(
        by=negotiator,
        chapter=chapter,
        round=open_round,
        text="¿Cuánto contenido regional pueden acreditar?",
        response_deadline=timezone.now() + dt.timedelta(hours=6),
    )
    models.RoomAnswer.objects.create(
        question=question, organisation=cast.org_a, text=ANSWER, answered_by=cast.delegate_a
    )
    return Book(
        cast=cast,
        chapter=chapter,
        other_chapter=other_chapter,
        round=open_round,
        red_line=red_line,
        defensive=defensive,
        canary=canary,
        negotiator=negotiator,
    )
