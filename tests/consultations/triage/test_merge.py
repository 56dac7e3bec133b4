"""Merge as duplicate: same chapter and round, both texts kept, linked, both organisations told."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from consultations.models import AuditEvent, Chapter, Position, PositionStatus, Round, TriageEvent
from consultations.services import triage
from tests import factories
from tests.conftest import Cast
from tests.consultations.triage.conftest import db_counts, make_position, row

pytestmark = pytest.mark.django_db

S = PositionStatus
RESPONSE = "Su posición coincide con la de otra cámara; las atendemos juntas."
TEXT = ("title", "summary", "body", "requested_outcome", "stance", "priority")


@pytest.fixture
def original(cast: Cast, chapter: Chapter, open_round: Round) -> Position:
    return make_position(
        organisation=cast.org_b,
        chapter=chapter,
        round=open_round,
        status=S.IN_REVIEW,
        created_by=cast.delegate_b,
        title="Valor de contenido regional para autopartes",
        body="Texto de la cámara B.",
    )


@pytest.fixture
def duplicate(cast: Cast, chapter: Chapter, open_round: Round) -> Position:
    return make_position(
        organisation=cast.org_a,
        chapter=chapter,
        round=open_round,
        created_by=cast.delegate_a,
        title="Contenido regional de autopartes",
        body="Texto de la cámara A.",
    )


def _text(position: Position) -> dict[str, Any]:
    return {name: value for name, value in row(position).items() if name in TEXT}


def test_merge_links_keeps_both_texts_and_records_both_positions(
    cast: Cast, duplicate: Position, original: Position, django_capture_on_commit_callbacks: Any
) -> None:
    texts = (_text(duplicate), _text(original))

    with django_capture_on_commit_callbacks() as callbacks:
        result = triage.position_merge_duplicate(
            by=cast.official_of_chapter, position=duplicate, original=original, response=f" {RESPONSE} "
        )

    merged, kept = Position.objects.get(pk=duplicate.pk), Position.objects.get(pk=original.pk)
    assert result.pk == merged.pk
    assert (merged.status, merged.duplicate_of_id) == (S.MERGED, original.pk)
    assert merged.official_response == RESPONSE and merged.responded_at is not None
    assert kept.status == S.IN_REVIEW and kept.duplicate_of_id is None
    assert (_text(merged), _text(kept)) == texts
    assert (merged.triage_version, kept.triage_version) == (2, 2)
    event = TriageEvent.objects.get(position=duplicate)
    assert (event.action, event.from_status, event.to_status) == (TriageEvent.Action.MERGE, S.SUBMITTED, S.MERGED)
    assert event.data == {"original": original.pk, "response": RESPONSE}
    original_event = TriageEvent.objects.get(position=original)
    assert original_event.action == TriageEvent.Action.MERGE
    assert original_event.data == {"duplicate": duplicate.pk, "response": RESPONSE, "status": S.IN_REVIEW}
    assert set(AuditEvent.objects.filter(action="triage.merge").values_list("target_id", flat=True)) == {
        duplicate.pk,
        original.pk,
    }
    assert len(callbacks) == 2  # one notification per position, queued after commit
    assert list(original.duplicates.all()) == [merged]


def test_merge_tells_both_organisations(
    cast: Cast,
    duplicate: Position,
    original: Position,
    django_capture_on_commit_callbacks: Any,
    mailoutbox: list[Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        triage.position_merge_duplicate(
            by=cast.official_of_chapter, position=duplicate, original=original, response=RESPONSE
        )

    recipients = {address for mail in mailoutbox for address in mail.to}
    assert recipients == {cast.delegate_a.email, cast.coordinator_a.email, cast.delegate_b.email}
    to_a = [mail for mail in mailoutbox if cast.delegate_a.email in mail.to]
    assert len(to_a) == 1 and duplicate.title in to_a[0].subject and RESPONSE in to_a[0].body
    to_b = [mail for mail in mailoutbox if cast.delegate_b.email in mail.to]
    assert len(to_b) == 1 and original.title in to_b[0].subject
    assert TriageEvent.objects.filter(notified_at__isnull=True).count() == 0


def test_organisation_of_the_original_reads_the_merge_response(
    cast: Cast,
    duplicate: Position,
    original: Position,
    django_capture_on_commit_callbacks: Any,
    mailoutbox: list[Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        triage.position_merge_duplicate(
            by=cast.official_of_chapter, position=duplicate, original=original, response=RESPONSE
        )

    to_b = [mail for mail in mailoutbox if cast.delegate_b.email in mail.to]
    assert len(to_b) == 1
    assert RESPONSE in to_b[0].body


def _refused(call: Callable[[], Any], *positions: Position) -> ValidationError:
    rows = [row(p) for p in positions]
    before = db_counts()
    with pytest.raises(ValidationError) as caught:
        call()
    assert [row(p) for p in positions] == rows
    assert db_counts() == before
    return caught.value


def test_merge_into_itself_is_refused(cast: Cast, duplicate: Position) -> None:
    error = _refused(
        lambda: triage.position_merge_duplicate(
            by=cast.official_of_chapter, position=duplicate, original=duplicate, response=RESPONSE
        ),
        duplicate,
    )
    assert error.code == "self"


def test_merge_across_rounds_is_refused(cast: Cast, chapter: Chapter, duplicate: Position) -> None:
    other = make_position(organisation=cast.org_b, chapter=chapter, round=factories.RoundFactory())

    error = _refused(
        lambda: triage.position_merge_duplicate(
            by=cast.official_of_chapter, position=duplicate, original=other, response=RESPONSE
        ),
        duplicate,
        other,
    )
    assert error.code == "scope"


def test_merge_across_chapters_is_refused_even_for_the_coordinator(
    cast: Cast, other_chapter: Chapter, open_round: Round, duplicate: Position
) -> None:
    other = make_position(organisation=cast.org_b, chapter=other_chapter, round=open_round)

    error = _refused(
        lambda: triage.position_merge_duplicate(
            by=cast.coordinator, position=duplicate, original=other, response=RESPONSE
        ),
        duplicate,
        other,
    )
    assert error.code == "scope"


def test_merge_into_a_position_of_a_chapter_one_does_not_triage_is_forbidden(
    cast: Cast, other_chapter: Chapter, open_round: Round, duplicate: Position
) -> None:
    other = make_position(organisation=cast.org_b, chapter=other_chapter, round=open_round)

    error = _refused(
        lambda: triage.position_merge_duplicate(
            by=cast.official_of_chapter, position=duplicate, original=other, response=RESPONSE
        ),
        duplicate,
        other,
    )
    assert error.code == "forbidden"


@pytest.mark.parametrize("role", ["official_of_other_chapter", "delegate_a", "admin"])
def test_merge_by_someone_who_may_not_triage_is_forbidden(
    cast: Cast, duplicate: Position, original: Position, role: str
) -> None:
    error = _refused(
        lambda: triage.position_merge_duplicate(
            by=getattr(cast, role), position=duplicate, original=original, response=RESPONSE
        ),
        duplicate,
        original,
    )
    assert error.code == "forbidden"


@pytest.mark.parametrize("side", ["position", "original"])
def test_merge_with_a_merged_position_is_refused(
    cast: Cast, chapter: Chapter, open_round: Round, duplicate: Position, original: Position, side: str
) -> None:
    merged = make_position(organisation=cast.org_b, chapter=chapter, round=open_round, status=S.MERGED)
    position, into = (merged, original) if side == "position" else (duplicate, merged)

    error = _refused(
        lambda: triage.position_merge_duplicate(
            by=cast.official_of_chapter, position=position, original=into, response=RESPONSE
        ),
        position,
        into,
    )
    assert error.code == "closed"


@pytest.mark.parametrize("side", ["position", "original"])
def test_merge_with_a_withdrawn_position_is_refused(
    cast: Cast, chapter: Chapter, open_round: Round, duplicate: Position, original: Position, side: str
) -> None:
    withdrawn = make_position(organisation=cast.org_b, chapter=chapter, round=open_round, status=S.WITHDRAWN)
    position, into = (withdrawn, original) if side == "position" else (duplicate, withdrawn)

    error = _refused(
        lambda: triage.position_merge_duplicate(
            by=cast.official_of_chapter, position=position, original=into, response=RESPONSE
        ),
        position,
        into,
    )
    assert error.code == "closed"


@pytest.mark.parametrize("response", ["", "  \n"])
def test_merge_without_a_response_is_refused(
    cast: Cast, duplicate: Position, original: Position, response: str
) -> None:
    error = _refused(
        lambda: triage.position_merge_duplicate(
            by=cast.official_of_chapter, position=duplicate, original=original, response=response
        ),
        duplicate,
        original,
    )
    assert "response" in error.message_dict


def test_merged_position_cannot_be_moved_back_with_set_status(
    cast: Cast, duplicate: Position, original: Position
) -> None:
    triage.position_merge_duplicate(
        by=cast.official_of_chapter, position=duplicate, original=original, response=RESPONSE
    )

    error = _refused(
        lambda: triage.position_set_status(by=cast.official_of_chapter, position=duplicate, status=S.IN_REVIEW),
        duplicate,
    )
    assert error.code == "transition"
