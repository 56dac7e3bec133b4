"""Fixtures and builders for the triage tests: filed positions in any state, row counts, eager Celery."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone, translation

from consultations.models import (
    AuditEvent,
    Chapter,
    InternalNote,
    Organisation,
    Position,
    PositionStatus,
    Round,
    TriageEvent,
    User,
)
from tests import factories

COUNTED = (Position, TriageEvent, InternalNote, AuditEvent)


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    """Messages are read in English here; the Spanish catalogue is checked elsewhere."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _tasks_run_in_process(eager_celery: None) -> None:
    """Every test here runs its Celery tasks in process (tests/conftest.py: eager_celery)."""


def make_position(
    *,
    organisation: Organisation,
    chapter: Chapter,
    round: Round,
    status: str = PositionStatus.SUBMITTED,
    created_by: User | None = None,
    **fields: Any,
) -> Position:
    """A position in ``status`` straight from the factory (the filing path is tested elsewhere)."""
    now = timezone.now()
    if status not in (PositionStatus.DRAFT, PositionStatus.AWAITING_SIGNOFF):
        fields.setdefault("filed_at", now)
    if status == PositionStatus.WITHDRAWN:
        fields.setdefault("withdrawn_at", now)
    if status == PositionStatus.MERGED and "duplicate_of" not in fields:
        fields["duplicate_of"] = factories.PositionFactory(
            organisation=organisation,
            chapter=chapter,
            round=round,
            status=PositionStatus.SUBMITTED,
            filed_at=now,
            created_by=created_by or factories.UserFactory(),
        )
    return factories.PositionFactory(
        organisation=organisation,
        chapter=chapter,
        round=round,
        status=status,
        created_by=created_by or factories.UserFactory(),
        **fields,
    )


def db_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def row(position: Position) -> dict[str, Any]:
    """The position as stored, to compare before and after a refused write."""
    return Position.objects.filter(pk=position.pk).values().get()


def fresh(user: User) -> User:
    """The user as a new request would load it, without the per-object role caches."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def position(cast: Any, chapter: Chapter, open_round: Round) -> Position:
    """A position of organisation A, just filed in chapter 4."""
    return make_position(
        organisation=cast.org_a,
        chapter=chapter,
        round=open_round,
        created_by=cast.delegate_a,
        title="Acumulación de origen para autopartes",
        summary="Mantener el valor de contenido regional en 75 %.",
    )
