"""The queue's "N similar" markers are cached per position and stay right: any change to a candidate of the same
chapter and round (filed, withdrawn, its text amended, even through a plain UPDATE) makes the cached counts stale,
while triage status changes, which do not change who is a candidate, keep them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consultations.models import Chapter, Position, PositionStatus, Round, SimilarityCount, SimilarityGroup
from consultations.selectors.triage import near_duplicate_counts
from tests.conftest import Cast
from tests.consultations.triage.conftest import make_position

pytestmark = pytest.mark.django_db

S = PositionStatus
TITLE = "Valor de contenido regional para autopartes"
SUMMARY = "Mantener el valor de contenido regional de las autopartes en 75 por ciento."


def similar(cast: Cast, chapter: Chapter, round: Round, suffix: str, status: str = S.SUBMITTED) -> Position:
    return make_position(
        organisation=cast.org_a,
        chapter=chapter,
        round=round,
        status=status,
        created_by=cast.delegate_a,
        title=f"{TITLE} {suffix}",
        summary=SUMMARY,
    )


def counts(*positions: Position) -> dict[int, int]:
    with CaptureQueriesContext(connection) as captured:
        found = near_duplicate_counts(ids=[p.pk for p in positions])
    assert len(captured) == 1
    return {p.pk: found.get(p.pk, 0) for p in positions}


def version(position: Position) -> int:
    group = SimilarityGroup.objects.filter(chapter_id=position.chapter_id, round_id=position.round_id).first()
    return group.version if group else 0


def test_counts_are_stored_then_read_back(cast: Cast, chapter: Chapter, open_round: Round) -> None:
    a, b = similar(cast, chapter, open_round, "A"), similar(cast, chapter, open_round, "B")
    assert counts(a, b) == {a.pk: 1, b.pk: 1}
    assert SimilarityCount.objects.filter(position__in=[a, b], group_version=version(a)).count() == 2
    # Read from the cache: the stored rows answer (a wrong stored count would show).
    SimilarityCount.objects.filter(position=a).update(count=7)
    assert counts(a, b) == {a.pk: 7, b.pk: 1}


def test_a_new_filing_or_a_withdrawal_makes_the_counts_stale(cast: Cast, chapter: Chapter, open_round: Round) -> None:
    a, b = similar(cast, chapter, open_round, "A"), similar(cast, chapter, open_round, "B")
    assert counts(a, b) == {a.pk: 1, b.pk: 1}
    c = similar(cast, chapter, open_round, "C", status=S.DRAFT)
    assert counts(a, b) == {a.pk: 1, b.pk: 1}  # a draft is no candidate
    c.status, c.filed_at = S.SUBMITTED, c.created_at
    c.save()
    assert counts(a, b, c) == {a.pk: 2, b.pk: 2, c.pk: 2}
    Position.objects.filter(pk=b.pk).update(status=S.WITHDRAWN, withdrawn_at=b.filed_at)  # no save(): the trigger
    assert counts(a, c) == {a.pk: 1, c.pk: 1}


def test_an_amended_text_refreshes_its_own_count_and_the_others(
    cast: Cast, chapter: Chapter, open_round: Round
) -> None:
    a, b = similar(cast, chapter, open_round, "A"), similar(cast, chapter, open_round, "B")
    assert counts(a, b) == {a.pk: 1, b.pk: 1}
    Position.objects.filter(pk=a.pk).update(title="Acceso al mercado de servicios financieros", summary="Otra cosa.")
    assert counts(a, b) == {a.pk: 0, b.pk: 0}


def test_triage_status_changes_keep_the_cache(cast: Cast, chapter: Chapter, open_round: Round) -> None:
    a, b = similar(cast, chapter, open_round, "A"), similar(cast, chapter, open_round, "B")
    counts(a, b)
    before = version(a)
    Position.objects.filter(pk=a.pk).update(status=S.IN_REVIEW)
    Position.objects.filter(pk=b.pk).update(status=S.NOTED)
    assert version(a) == before
    assert counts(a, b) == {a.pk: 1, b.pk: 1}


def test_another_chapter_or_round_is_not_touched(
    cast: Cast, chapter: Chapter, other_chapter: Chapter, open_round: Round
) -> None:
    a, b = similar(cast, chapter, open_round, "A"), similar(cast, chapter, open_round, "B")
    counts(a, b)
    before = version(a)
    similar(cast, other_chapter, open_round, "elsewhere")
    assert version(a) == before
    assert counts(a, b) == {a.pk: 1, b.pk: 1}
