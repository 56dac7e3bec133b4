"""A list costs the same number of queries for 3 positions as for 30."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consultations.models import Chapter, Confidentiality, CoSignature, Position, PositionStatus, Round, User
from consultations.selectors.positions import (
    PositionFilters,
    position_list_for_organisation,
    position_list_visible_to,
)
from tests import factories
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def _add_positions(cast: Cast, chapter: Chapter, open_round: Round, count: int) -> None:
    """A mix, each with an attachment: A's drafts, B's room-shared filed ones, B's ones A co-signed."""
    filed_at = open_round.input_opens_at
    for index in range(count):
        kind = index % 3
        if kind == 0:
            position = factories.PositionFactory(
                organisation=cast.org_a, created_by=cast.delegate_a, chapter=chapter, round=open_round
            )
        else:
            position = factories.PositionFactory(
                organisation=cast.org_b,
                created_by=cast.delegate_b,
                chapter=chapter,
                round=open_round,
                status=PositionStatus.SUBMITTED,
                filed_at=filed_at,
                confidentiality=Confidentiality.ROOM if kind == 1 else Confidentiality.GOVERNMENT,
            )
        if kind == 2:
            CoSignature.objects.create(
                position=position,
                organisation=cast.org_a,
                invited_by=cast.delegate_b,
                status=CoSignature.Status.ACCEPTED,
                responded_by=cast.delegate_a,
                responded_at=filed_at,
            )
        position.attachments.create(
            file=f"attachments/00/{position.pk}",
            original_name="a.pdf",
            kind="pdf",
            size=1,
            sha256=str(position.pk),
            uploaded_by=position.created_by,
        )


def _render(positions: list[Position]) -> None:
    """What a list page reads from each row."""
    for position in positions:
        _ = (position.title, position.organisation.name, position.chapter.title, position.round.label)


def _cost(user_id: int, build: Callable[[User], Iterable[Position]]) -> tuple[int, int]:
    """(queries, rows) to evaluate and render the list for a freshly loaded user (no per-request caches)."""
    user = User.objects.get(pk=user_id)
    with CaptureQueriesContext(connection) as context:
        positions = list(build(user))
        _render(positions)
    return len(context.captured_queries), len(positions)


def _visible(user: User) -> Iterable[Position]:
    return position_list_visible_to(user=user)


def _ours(user: User) -> Iterable[Position]:
    positions = list(position_list_for_organisation(user=user, filters=PositionFilters()))
    assert all(getattr(p, "attachment_count", 0) == 1 for p in positions)
    return positions


@pytest.mark.parametrize(
    ("role", "build"),
    [
        ("delegate_a", _visible),
        ("delegate_b", _visible),
        ("official_of_chapter", _visible),
        ("coordinator", _visible),
        ("admin", _visible),
        ("delegate_a", _ours),
        ("delegate_b", _ours),
    ],
)
def test_list_costs_the_same_queries_for_3_and_30_positions(cast, chapter, open_round, role, build):
    user_id = getattr(cast, role).pk
    _add_positions(cast, chapter, open_round, 3)
    small_queries, small_rows = _cost(user_id, build)

    _add_positions(cast, chapter, open_round, 27)
    large_queries, large_rows = _cost(user_id, build)

    assert large_rows > small_rows > 0
    assert large_queries == small_queries


def test_list_of_our_positions_is_two_queries_once_the_memberships_are_known(cast, chapter, open_round):
    # The co-signed positions' ids, then the list: its condition stays one an index answers in order (no UNION
    # or EXISTS over every position, which read the whole table at 100,000 positions).
    _add_positions(cast, chapter, open_round, 30)
    user = User.objects.get(pk=cast.delegate_a.pk)
    list(position_list_for_organisation(user=user, filters=PositionFilters()))

    with CaptureQueriesContext(connection) as context:
        _render(list(position_list_for_organisation(user=user, filters=PositionFilters(query="Posición"))))

    assert len(context.captured_queries) == 2
    listing = context.captured_queries[1]["sql"].upper()
    assert "UNION" not in listing and "EXISTS" not in listing
