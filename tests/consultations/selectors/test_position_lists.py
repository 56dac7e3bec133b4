from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone

from consultations.models import CoSignature, Position, PositionStatus, User
from consultations.selectors.positions import (
    PositionFilters,
    chapter_list_with_counts,
    cosignature_list_for,
    position_list_for_organisation,
)
from consultations.services.cosignatures import cosignature_invite, cosignature_respond
from consultations.services.positions import position_update_draft, position_withdraw
from tests import factories
from tests.consultations.services.helpers import draft, filed

pytestmark = pytest.mark.django_db


@pytest.fixture
def positions(cast, chapter, other_chapter, open_round) -> dict[str, Position]:
    later_round = factories.RoundFactory(
        label="Ronda de Washington", submission_deadline=timezone.now() + dt.timedelta(days=12)
    )
    a = cast.delegate_a
    result = {
        "autopartes": draft(
            organisation=cast.org_a,
            by=a,
            chapter=chapter,
            round=open_round,
            title="Autopartes: valor de contenido regional",
            summary="Mantener 75 %.",
        ),
        "acero": filed(
            organisation=cast.org_a,
            by=a,
            chapter=chapter,
            round=later_round,
            title="Acero fundido en la región",
            summary="Requisito de acero norteamericano.",
        ),
        "aguacate": filed(
            organisation=cast.org_a,
            by=a,
            chapter=other_chapter,
            round=open_round,
            title="Acceso para aguacate",
            summary="Eliminar inspecciones duplicadas de AUTOPARTES fitosanitarias.",
        ),
        "b_cosigned": filed(organisation=cast.org_b, by=cast.delegate_b, chapter=chapter, round=open_round),
        "b_pending": filed(organisation=cast.org_b, by=cast.delegate_b, chapter=chapter, round=open_round),
        "b_unrelated": filed(organisation=cast.org_b, by=cast.delegate_b, chapter=chapter, round=open_round),
    }
    for name in ("b_cosigned", "b_pending"):
        cosignature_invite(by=cast.delegate_b, position=result[name], organisation=cast.org_a)
    cosignature_respond(by=a, cosignature=CoSignature.objects.get(position=result["b_cosigned"]), accept=True)
    return result


def _names(positions: dict[str, Position], queryset: QuerySet[Position]) -> list[str]:
    by_pk = {position.pk: name for name, position in positions.items()}
    return [by_pk[position.pk] for position in queryset]


def test_our_positions_are_the_organisations_own_and_those_it_co_signed(cast, positions):
    names = _names(positions, position_list_for_organisation(user=cast.delegate_a, filters=PositionFilters()))

    assert set(names) == {"autopartes", "acero", "aguacate", "b_cosigned"}


def test_our_positions_are_newest_change_first(cast, positions):
    position_update_draft(by=cast.delegate_a, position=positions["autopartes"], data={"title": "Reciente"})

    names = _names(positions, position_list_for_organisation(user=cast.delegate_a, filters=PositionFilters()))

    assert names[0] == "autopartes"


def test_our_positions_filter_by_round(cast, positions, open_round):
    queryset = position_list_for_organisation(user=cast.delegate_a, filters=PositionFilters(round_id=open_round.pk))

    assert set(_names(positions, queryset)) == {"autopartes", "aguacate", "b_cosigned"}


def test_our_positions_filter_by_chapter(cast, positions, other_chapter):
    queryset = position_list_for_organisation(
        user=cast.delegate_a, filters=PositionFilters(chapter_id=other_chapter.pk)
    )

    assert _names(positions, queryset) == ["aguacate"]


def test_our_positions_filter_by_status(cast, positions):
    queryset = position_list_for_organisation(
        user=cast.delegate_a, filters=PositionFilters(status=PositionStatus.DRAFT)
    )

    assert _names(positions, queryset) == ["autopartes"]


def test_our_positions_filter_by_text_in_title_or_summary_ignoring_case(cast, positions):
    queryset = position_list_for_organisation(user=cast.delegate_a, filters=PositionFilters(query="autopartes"))

    assert set(_names(positions, queryset)) == {"autopartes", "aguacate"}


def test_our_positions_filters_combine(cast, positions, chapter, open_round):
    queryset = position_list_for_organisation(
        user=cast.delegate_a,
        filters=PositionFilters(
            round_id=open_round.pk, chapter_id=chapter.pk, status=PositionStatus.SUBMITTED, query=""
        ),
    )

    assert _names(positions, queryset) == ["b_cosigned"]


def test_our_positions_filter_matching_nothing_is_empty(cast, positions):
    queryset = position_list_for_organisation(user=cast.delegate_a, filters=PositionFilters(query="petróleo"))

    assert not queryset.exists()


def test_our_positions_count_attachments(cast, positions):
    position = positions["autopartes"]
    for number in range(3):
        _attach(position=position, by=cast.delegate_a, number=number)

    queryset = position_list_for_organisation(user=cast.delegate_a, filters=PositionFilters())

    counts = {p.pk: p.attachment_count for p in queryset}
    assert counts[position.pk] == 3
    assert counts[positions["acero"].pk] == 0


def _attach(*, position: Position, by: User, number: int) -> None:
    position.attachments.create(
        file=f"attachments/00/{number}",
        original_name=f"{number}.pdf",
        kind="pdf",
        size=1,
        sha256=str(number),
        uploaded_by=by,
    )


def test_other_organisation_does_not_list_our_positions(cast, positions):
    names = _names(positions, position_list_for_organisation(user=cast.delegate_b, filters=PositionFilters()))

    assert set(names) == {"b_cosigned", "b_pending", "b_unrelated"}


@pytest.mark.parametrize("role", ["official_of_chapter", "coordinator", "admin"])
def test_users_without_an_organisation_have_no_positions_of_their_own(cast, positions, role):
    assert not position_list_for_organisation(user=getattr(cast, role), filters=PositionFilters()).exists()


def test_anonymous_user_has_no_positions_of_their_own(positions):
    queryset = position_list_for_organisation(user=AnonymousUser(), filters=PositionFilters())  # type: ignore[arg-type]

    assert not queryset.exists()


def test_invitations_list_those_addressed_to_the_users_organisations(cast, positions):
    invitations = list(cosignature_list_for(user=cast.delegate_a))

    assert {c.position_id for c in invitations} == {positions["b_cosigned"].pk, positions["b_pending"].pk}
    assert not cosignature_list_for(user=cast.delegate_b).exists()


def test_chapter_counts_count_our_positions_except_withdrawn(cast, positions, chapter, other_chapter):
    position_withdraw(by=cast.delegate_a, position=positions["acero"])

    counts = {c.pk: c.our_positions for c in chapter_list_with_counts(user=cast.delegate_a)}

    assert counts[chapter.pk] == 1
    assert counts[other_chapter.pk] == 1
