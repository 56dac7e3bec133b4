"""Merging near-duplicates without surprises: the two texts side by side before merging, and near-duplicates grouped
in the queue (an "N similar" marker on a row, and a filter that lists the position with its near-duplicates)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from consultations.models import Position, PositionStatus, TriageEvent
from consultations.selectors.triage import near_duplicate_counts
from tests.consultations.views.test_triage_views import HTMX, file, queue, refresh

pytestmark = pytest.mark.django_db

RESPONSE = "Las atendemos juntas."


@pytest.fixture
def pair(cast, chapter, open_round) -> tuple[Position, Position]:
    """A duplicate filed by organisation A and the original filed by B, alike but not the same."""
    original = file(
        cast,
        chapter,
        open_round,
        organisation=cast.org_b,
        by=cast.delegate_b,
        title="Reglas de origen para autopartes",
        summary="Contenido regional del 75 % para autopartes.",
        body="Pedimos mantener el valor de contenido regional.",
        requested_outcome="Mantener el 75 %.",
    )
    duplicate = file(
        cast,
        chapter,
        open_round,
        title="Reglas de origen para autopartes ligeras",
        summary="Contenido regional del 62 % para autopartes.",
        body="Pedimos bajar el valor de contenido regional.",
        requested_outcome="Bajar al 62 %.",
        hs_lines=["8708.29"],
    )
    return duplicate, original


def compare_url(duplicate: Position, original: Position) -> str:
    return reverse("consultations:triage_merge", args=[duplicate.pk]) + f"?original={original.pk}"


@pytest.mark.parametrize("htmx", [False, True])
def test_comparison_shows_both_texts_side_by_side_with_the_words_that_differ(official_client, pair, htmx):
    duplicate, original = pair
    response = official_client.get(compare_url(duplicate, original), headers=HTMX if htmx else {})

    assert response.status_code == 200
    content = response.content.decode()
    for position in (duplicate, original):
        for text in (position.title, position.summary, position.body, position.requested_outcome):
            assert text in content
        assert position.organisation.name in content
    assert "8708.29" in content
    assert ("<html" in content) is not htmx  # the pane partial under htmx, a whole page without JavaScript
    assert 'id="triage-pane"' in content
    # The differing words, marked: the original's struck through, the duplicate's underlined.
    assert '<del><span class="visually-hidden">removed: </span>mantener </del>' in content
    assert '<ins><span class="visually-hidden">added: </span>bajar </ins>' in content
    assert "differs" in content
    # The merge form, with its explicit confirmation.
    assert f'action="{reverse("consultations:triage_merge", args=[duplicate.pk])}"' in content
    assert 'name="confirm"' in content
    assert f'name="original" value="{original.pk}"' in content


def test_comparison_merges_nothing(official_client, pair):
    duplicate, original = pair
    before = [(p.status, p.triage_version, p.duplicate_of_id) for p in (refresh(duplicate), refresh(original))]
    official_client.get(compare_url(duplicate, original))
    official_client.get(compare_url(duplicate, original), headers=HTMX)
    assert [(p.status, p.triage_version, p.duplicate_of_id) for p in (refresh(duplicate), refresh(original))] == before
    assert not TriageEvent.objects.exists()


def test_merge_without_the_confirmation_is_refused_on_the_comparison(official_client, pair):
    duplicate, original = pair
    response = official_client.post(
        reverse("consultations:triage_merge", args=[duplicate.pk]),
        {"triage_version": duplicate.triage_version, "original": original.pk, "response": RESPONSE},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Confirm that you compared both texts before merging." in content
    assert original.body in content and duplicate.body in content  # still the comparison
    assert RESPONSE in content  # what the official typed is kept
    assert refresh(duplicate).status == PositionStatus.SUBMITTED


def test_confirmed_merge_from_the_comparison_merges_as_before(official_client, pair):
    duplicate, original = pair
    response = official_client.post(
        reverse("consultations:triage_merge", args=[duplicate.pk]),
        {
            "triage_version": duplicate.triage_version,
            "original": original.pk,
            "response": RESPONSE,
            "confirm": "on",
            "next_query": "chapter=1",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("consultations:triage_queue") + f"?chapter=1&position={duplicate.pk}"
    merged = refresh(duplicate)
    assert (merged.status, merged.duplicate_of_id, merged.official_response) == (
        PositionStatus.MERGED,
        original.pk,
        RESPONSE,
    )
    assert refresh(original).status == PositionStatus.SUBMITTED


def test_comparison_needs_an_original_of_the_same_chapter_and_round(
    official_client, cast, chapter, other_chapter, open_round, pair
):
    duplicate, _original = pair
    url = reverse("consultations:triage_merge", args=[duplicate.pk])
    elsewhere = file(cast, chapter, factory_round(open_round))
    for original in ("", "abc", str(duplicate.pk), str(elsewhere.pk), "999999"):
        assert official_client.get(url, {"original": original}).status_code == 404, original


def factory_round(open_round):
    from tests import factories

    return factories.RoundFactory(label=open_round.label + " bis")


# The queue groups near-duplicates -------------------------------------------------------------------------------


def test_a_row_with_near_duplicates_links_to_them_and_the_filter_lists_them_together(
    official_client, cast, chapter, open_round, pair
):
    duplicate, original = pair
    third = file(cast, chapter, open_round, title="Reglas de origen para autopartes pesadas", summary="Otro resumen.")
    alone = file(cast, chapter, open_round, title="Compras públicas de medicamentos", summary="Licitaciones.")

    content = queue(official_client, status="submitted").content.decode()
    counts = near_duplicate_counts(ids=[duplicate.pk, original.pk, third.pk, alone.pk])
    assert alone.pk not in counts and counts[duplicate.pk] >= 1
    for position in (duplicate, original):
        marker = f'href="{reverse("consultations:triage_queue")}?similar_to={position.pk}"'
        assert marker in content
    assert f"?similar_to={alone.pk}" not in content

    response = queue(official_client, similar_to=duplicate.pk)
    listed = {position.pk for position in response.context["page"].object_list}
    assert {duplicate.pk, original.pk} <= listed
    assert alone.pk not in listed
    assert listed == {duplicate.pk, *counts_for(duplicate)}
    assert "and its near-duplicates" in response.content.decode()


def counts_for(position: Position) -> set[int]:
    from consultations.selectors.triage import position_near_duplicates

    return set(position_near_duplicates(position=position, limit=None).values_list("pk", flat=True))


def test_the_similar_filter_shows_nothing_of_a_position_out_of_scope(official_client, cast, other_chapter, open_round):
    foreign = file(cast, other_chapter, open_round, title="Reglas de origen para autopartes")
    file(cast, other_chapter, open_round, title="Reglas de origen para autopartes ligeras")
    response = queue(official_client, similar_to=foreign.pk)
    assert list(response.context["page"].object_list) == []
