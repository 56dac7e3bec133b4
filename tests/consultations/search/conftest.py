"""A small world to search: positions of two organisations, a briefing, a room question with answers, an internal
note and an intelligence note. Every object carries two unique words: one to search for, and a companion that
shows up only if the object itself (its title or a snippet) is shown."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from consultations import models
from consultations.services import briefings as briefing_services
from consultations.services import intelligence as intelligence_services
from consultations.services import room_questions as question_services
from consultations.services import triage as triage_services
from tests import factories

# searched word → companion word, per canary object
CANARIES = {
    "gov_b": ("zafiro", "ESMERALDA-9d2"),
    "internal_note": ("obsidiana", "CUARZO-9d2"),
    "intelligence": ("turquesa", "GRANATE-9d2"),
    "answer_b": ("amatista", "TOPACIO-9d2"),
}


@dataclass
class SearchWorld:
    title_hit: models.Position  # org A, chapter 4, shared with the room: "Reglas de Origen" in its title
    body_hit: models.Position  # org A, chapter 4: "reglas de origen" only in its text
    english: models.Position  # org A, chapter 3, in English
    gov_b: models.Position  # org B, chapter 4, government only
    briefing: models.Briefing
    question: models.RoomQuestion
    answer_a: models.RoomAnswer
    answer_b: models.RoomAnswer
    internal_note: models.InternalNote
    intelligence: models.IntelligenceNote
    negotiator: models.User


def _filed(**kwargs: object) -> models.Position:
    return factories.PositionFactory(status=models.PositionStatus.SUBMITTED, filed_at=timezone.now(), **kwargs)


@pytest.fixture
def search_world(cast, chapter, other_chapter, open_round) -> SearchWorld:
    cast.org_a.followed_chapters.add(chapter)
    cast.org_b.followed_chapters.add(chapter)
    negotiator = factories.official(chapters=[chapter, other_chapter], negotiator=True)
    common = {"round": open_round}
    title_hit = _filed(
        organisation=cast.org_a,
        chapter=chapter,
        title="Reglas de Origen del sector automotor",
        summary="Pedimos un periodo de transición.",
        confidentiality=models.Confidentiality.ROOM,
        created_by=cast.delegate_a,
        **common,
    )
    body_hit = _filed(
        organisation=cast.org_a,
        chapter=chapter,
        title="Periodo de transición para autopartes",
        summary="Transición ordenada.",
        body="Las reglas de origen actuales afectan a las autopartes.",
        created_by=cast.delegate_a,
        **common,
    )
    english = _filed(
        organisation=cast.org_a,
        chapter=other_chapter,
        title="Sanitary rules for poultry exports",
        summary="Inspections delay shipments.",
        created_by=cast.delegate_a,
        **common,
    )
    gov_b = _filed(
        organisation=cast.org_b,
        chapter=chapter,
        title=f"Cupos de zafiro {CANARIES['gov_b'][1]}",
        summary="Solo para el gobierno.",
        created_by=cast.delegate_b,
        **common,
    )
    briefing = briefing_services.briefing_post(
        by=negotiator,
        chapter=chapter,
        round=open_round,
        title="Sesión del martes",
        body_markdown="Se habló de los **aceros planos** y de las cuotas.",
    )
    question = question_services.room_question_ask(
        by=negotiator,
        chapter=chapter,
        round=open_round,
        text="¿Qué volumen de importaciones de aluminio esperan?",
        response_deadline=timezone.now() + dt.timedelta(days=2),
    )
    answer_a = question_services.room_answer_submit(
        by=cast.delegate_a, question=question, text="Unas diez mil toneladas de lingote."
    )
    answer_b = question_services.room_answer_submit(
        by=cast.delegate_b, question=question, text=f"Mil toneladas de amatista {CANARIES['answer_b'][1]}."
    )
    internal_note = triage_services.position_note_add(
        by=cast.official_of_chapter,
        position=title_hit,
        body=f"Revisar obsidiana con Hacienda {CANARIES['internal_note'][1]}.",
    )
    intelligence = intelligence_services.intelligence_note_create(
        by=cast.official_of_chapter,
        chapter=chapter,
        title="Mercado de turquesa",
        body_markdown=f"Análisis de precios {CANARIES['intelligence'][1]}.",
        rounds=[open_round],
    )
    return SearchWorld(
        title_hit=title_hit,
        body_hit=body_hit,
        english=english,
        gov_b=gov_b,
        briefing=briefing,
        question=question,
        answer_a=answer_a,
        answer_b=answer_b,
        internal_note=internal_note,
        intelligence=intelligence,
        negotiator=negotiator,
    )
