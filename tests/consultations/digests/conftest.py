"""Fixtures of the digest tests: eager Celery, a due round with a filled room, and mail helpers."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from consultations.models import (
    Chapter,
    InternalNote,
    Organisation,
    Position,
    PositionStatus,
    Priority,
    Round,
    Stance,
    User,
)
from tests import factories
from tests.conftest import Cast

# Planted in organisation B's government-only position: it may reach org B and the officials of its chapter only.
SECRET = "SECRETO-GOB-ONLY-7781"
SECRET_NOTE = "NOTA-INTERNA-NUNCA-7781"
AGENDA = "Sesión plenaria de reglas de origen; revisión de anexos."


@pytest.fixture(autouse=True)
def _tasks_run_in_process(eager_celery: None) -> None:
    """Every test here runs its Celery tasks in process (tests/conftest.py: eager_celery)."""


def make_position(
    *,
    organisation: Organisation,
    chapter: Chapter,
    round: Round,
    status: str = PositionStatus.SUBMITTED,
    **fields: Any,
) -> Position:
    if status not in (PositionStatus.DRAFT, PositionStatus.AWAITING_SIGNOFF):
        fields.setdefault("filed_at", timezone.now())
    if status == PositionStatus.WITHDRAWN:
        fields.setdefault("withdrawn_at", timezone.now())
    fields.setdefault("created_by", factories.UserFactory())
    return factories.PositionFactory(organisation=organisation, chapter=chapter, round=round, status=status, **fields)


def due_round(**fields: Any) -> Round:
    """Open for input, starts in 20 days, digest time an hour ago: the pre-round digest is due."""
    fields.setdefault("digest_at", timezone.now() - dt.timedelta(hours=1))
    fields.setdefault("city", "Washington")
    return factories.RoundFactory(**fields)


@dataclass
class Room:
    """The cast, a due round and what was filed for it."""

    cast: Cast
    round: Round
    chapter: Chapter
    other_chapter: Chapter
    position_a: Position  # org A, chapter 4, red line, in review with a response
    position_a_other: Position  # org A, chapter 3
    position_b: Position  # org B, chapter 4, government only, carries the secret
    position_b_other: Position  # org B, chapter 3, offensive (a conflict with A in chapter 3)
    outsiders: list[User]  # never recipients

    @property
    def recipients(self) -> set[str]:
        c = self.cast
        users = (
            c.delegate_a,
            c.coordinator_a,
            c.delegate_b,
            c.official_of_chapter,
            c.official_of_other_chapter,
            c.coordinator,
        )
        return {user.email for user in users}

    @property
    def org_a_members(self) -> set[str]:
        return {self.cast.delegate_a.email, self.cast.coordinator_a.email}


@pytest.fixture
def room(cast: Cast, chapter: Chapter, other_chapter: Chapter) -> Room:
    round = due_round(label="Cuarta Ronda Washington", notes=AGENDA)
    position_a = make_position(
        organisation=cast.org_a,
        chapter=chapter,
        round=round,
        status=PositionStatus.IN_REVIEW,
        title="Acumulación regional para autopartes",
        priority=Priority.RED_LINE,
        stance=Stance.DEFENSIVE,
        official_response="Respuesta para la cámara A sobre autopartes.",
    )
    position_a_other = make_position(
        organisation=cast.org_a,
        chapter=other_chapter,
        round=round,
        title="Cupos de maíz amarillo",
        stance=Stance.DEFENSIVE,
    )
    position_b = make_position(
        organisation=cast.org_b,
        chapter=chapter,
        round=round,
        status=PositionStatus.IN_REVIEW,
        title=f"Contenido regional del acero {SECRET}",
        official_response=f"Respuesta oficial a la cámara B {SECRET}",
        stance=Stance.OFFENSIVE,
    )
    InternalNote.objects.create(position=position_b, author=cast.official_of_chapter, body=f"Ojo: {SECRET_NOTE}")
    position_b_other = make_position(
        organisation=cast.org_b,
        chapter=other_chapter,
        round=round,
        title="Acceso al mercado de fructosa",
        stance=Stance.OFFENSIVE,
    )
    # Never recipients: an inactive member, a member of an inactive organisation, an official without chapters,
    # an inactive official of the chapter, staff without a role.
    gone = factories.MembershipFactory(organisation=cast.org_a).user
    User.objects.filter(pk=gone.pk).update(is_active=False)
    dormant_org = factories.OrganisationFactory(name="Cámara Inactiva", is_active=False)
    dormant_member = factories.MembershipFactory(organisation=dormant_org).user
    make_position(organisation=dormant_org, chapter=chapter, round=round, title="Posición de una cámara inactiva")
    idle_official = factories.official(chapters=[])
    retired_official = factories.official(chapters=[chapter])
    User.objects.filter(pk=retired_official.pk).update(is_active=False)
    return Room(
        cast=cast,
        round=round,
        chapter=chapter,
        other_chapter=other_chapter,
        position_a=position_a,
        position_a_other=position_a_other,
        position_b=position_b,
        position_b_other=position_b_other,
        outsiders=[gone, dormant_member, idle_official, retired_official, cast.admin],
    )


def by_recipient(outbox: list[Any]) -> dict[str, Any]:
    """{address: message}; fails when a message goes to several people or a person gets two."""
    assert all(len(message.to) == 1 for message in outbox), "one e-mail per person, nobody sees the others"
    counts = Counter(message.to[0] for message in outbox)
    twice = {address: n for address, n in counts.items() if n > 1}
    assert not twice, f"sent more than once: {twice}"
    return {message.to[0]: message for message in outbox}


def full_text(message: Any) -> str:
    """Subject, text body and every alternative of a message: all a recipient can read."""
    parts = [message.subject, message.body]
    parts.extend(str(alternative.content) for alternative in message.alternatives)
    return "\n".join(parts)
