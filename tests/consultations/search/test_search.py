"""Search everywhere: languages, accents and stems; ranking; escaped highlighting; filters; what each role may find;
malformed queries; the cost of a page; the triage queue on the same engine."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultations import models
from consultations.selectors.search import search
from tests import factories
from tests.consultations.search.conftest import CANARIES, SearchWorld

pytestmark = pytest.mark.django_db

URL = reverse("consultations:search")


def _client(user: models.User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _found(user: models.User, query: str, **filters: object) -> list[tuple[str, int]]:
    return [(hit.kind, hit.pk) for hit in search(user, query, **filters).hits]


def _results(body: str) -> str:
    """The results region of a page (the query is echoed in the search box; what matters is what was found)."""
    start = body.find('id="search-results"')
    return body[start:] if start >= 0 else body


@pytest.mark.parametrize("query", ["reglas de orígen", "Reglas de Origen", "REGLAS DE ORIGEN", "regla origen"])
def test_accents_capitals_and_stems_do_not_matter(cast, search_world: SearchWorld, query: str) -> None:
    found = _found(cast.official_of_chapter, query, kinds=["position"])
    assert ("position", search_world.title_hit.pk) in found
    assert ("position", search_world.body_hit.pk) in found


def test_a_singular_finds_the_plural_in_spanish_and_english(cast, search_world: SearchWorld) -> None:
    assert ("briefing", search_world.briefing.pk) in _found(cast.coordinator, "acero")
    assert ("position", search_world.english.pk) in _found(cast.coordinator, "sanitary rule export")
    assert ("question", search_world.question.pk) in _found(cast.coordinator, "importación aluminio")


def test_a_title_hit_ranks_above_a_text_hit(cast, search_world: SearchWorld) -> None:
    found = _found(cast.official_of_chapter, "reglas de origen", kinds=["position"])
    assert found.index(("position", search_world.title_hit.pk)) < found.index(("position", search_world.body_hit.pk))


def _glassmakers_position(chapter, open_round) -> models.Position:
    glassmakers = factories.OrganisationFactory(name="Asociación Nacional de Vidrieros", acronym="ANV")
    return factories.PositionFactory(
        organisation=glassmakers,
        chapter=chapter,
        round=open_round,
        status=models.PositionStatus.SUBMITTED,
        filed_at=timezone.now(),
        title="Aranceles a la importación de envases",
    )


def test_a_typo_or_an_organisation_name_is_found_by_trigrams(cast, search_world: SearchWorld, chapter, open_round):
    assert ("position", search_world.title_hit.pk) in _found(cast.coordinator, "automtor")
    theirs = _glassmakers_position(chapter, open_round)
    by_name = _found(cast.coordinator, "asociacion vidrieros", kinds=["position"])
    assert by_name == [("position", theirs.pk)]


def test_highlights_escape_the_text_and_mark_only_the_hits(cast, chapter, open_round) -> None:
    position = factories.PositionFactory(
        organisation=cast.org_a,
        chapter=chapter,
        round=open_round,
        status=models.PositionStatus.SUBMITTED,
        filed_at=timezone.now(),
        title='<b>Vanadio</b> & <script>alert("x")</script> \ue000falso\ue001',
        summary="El <i>vanadio</i> <img src=x onerror=alert(1)> importa.",
    )
    (hit,) = search(cast.official_of_chapter, "vanadio").hits
    assert hit.pk == position.pk
    assert "&lt;b&gt;<mark>Vanadio</mark>&lt;/b&gt;" in hit.title
    assert "<script" not in hit.title and "&lt;script&gt;" in hit.title
    assert "<mark>falso</mark>" not in hit.title  # the text's own marker characters are not ours
    assert "<mark>vanadio</mark>" in hit.snippet
    assert "<img" not in hit.snippet and "<i>" not in hit.snippet
    page = _client(cast.official_of_chapter).get(URL, {"q": "vanadio"}).content.decode()
    assert "&lt;b&gt;<mark>Vanadio</mark>&lt;/b&gt;" in page
    assert '<script>alert("x")' not in page


def test_each_filter_narrows_the_results(cast, search_world: SearchWorld, chapter, other_chapter, open_round) -> None:
    user = search_world.negotiator
    later = factories.RoundFactory()
    factories.PositionFactory(
        organisation=cast.org_a,
        chapter=chapter,
        round=later,
        status=models.PositionStatus.SUBMITTED,
        filed_at=timezone.now(),
        title="Reglas de origen para la ronda siguiente",
    )
    everything = _found(user, "reglas")
    assert len(everything) >= 3
    assert {kind for kind, _pk in _found(user, "toneladas", kinds=["answer"])} == {"answer"}
    assert _found(user, "toneladas", kinds=["briefing"]) == []
    assert _found(user, "sanitary rules", chapter=chapter) == []
    assert ("position", search_world.english.pk) in _found(user, "sanitary rules", chapter=other_chapter.pk)
    assert all(
        models.Position.objects.get(pk=pk).round_id == open_round.pk
        for kind, pk in _found(user, "reglas", round=open_round)
        if kind == "position"
    )
    assert len(_found(user, "reglas", round=later)) == 1
    # In the URL too, and htmx gets the results partial alone.
    client = _client(user)
    response = client.get(URL, {"q": "reglas", "round": later.pk, "kind": "position"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body and 'id="search-results"' in body and 'aria-live="polite"' in body
    assert "ronda siguiente" in body and "automotor" not in body


@pytest.mark.parametrize("role", ["delegate_a", "coordinator_a"])
def test_a_delegate_never_gets_counts_or_sees_what_its_organisation_may_not(
    cast, search_world: SearchWorld, role: str
) -> None:
    user = getattr(cast, role)
    client = _client(user)
    for name, (word, companion) in CANARIES.items():
        for kinds in (None, ["internal_note"], ["intelligence"], ["position"], ["answer"], ["briefing"], ["question"]):
            results = search(user, word, kinds=kinds)
            assert results.count == 0 and results.hits == [], (name, kinds)
        for params in ({"q": word}, {"q": word, "kind": "intelligence"}, {"q": word, "kind": "internal_note"}):
            for headers in ({}, {"HX-Request": "true"}):
                body = client.get(URL, params, headers=headers).content.decode()
                assert companion not in body, (name, params, headers)
                assert "<mark>" not in _results(body)
            preview = client.get(URL, {"q": word, "preview": "1"}, headers={"HX-Request": "true"}).content.decode()
            assert companion not in preview and "<mark>" not in preview
    # Not vacuous: the delegate does find its own organisation's answer and the room's position.
    assert ("answer", search_world.answer_a.pk) in _found(user, "toneladas")
    assert ("answer", search_world.answer_b.pk) not in _found(user, "toneladas")
    assert ("position", search_world.title_hit.pk) in _found(user, "automotor")
    # An organisation's name finds nothing of it that the delegate may not read.
    assert ("position", search_world.gov_b.pk) not in _found(user, "Cámara Ficticia B")


def test_delegate_b_reads_the_room_position_but_not_org_a_government_ones(cast, search_world: SearchWorld) -> None:
    found = _found(cast.delegate_b, "reglas de origen")
    assert ("position", search_world.title_hit.pk) in found  # shared with the room
    assert ("position", search_world.body_hit.pk) not in found  # government only


def test_the_government_side_finds_notes_of_its_chapters_only(cast, search_world: SearchWorld) -> None:
    official = cast.official_of_chapter
    assert ("internal_note", search_world.internal_note.pk) in _found(official, "obsidiana")
    assert ("intelligence", search_world.intelligence.pk) in _found(official, "turquesa")
    assert ("answer", search_world.answer_b.pk) in _found(official, "amatista")
    other = cast.official_of_other_chapter
    for name, (word, _companion) in CANARIES.items():
        if not name.endswith("_elsewhere"):
            assert search(other, word).count == 0, name
    # The coordinator reads every chapter's room.
    assert search(cast.coordinator, "berilo").count == 1
    assert search(cast.coordinator, "malaquita").count == 1
    body = _client(official).get(URL, {"q": "obsidiana"}).content.decode()
    assert CANARIES["internal_note"][1] in body
    assert reverse("consultations:triage_detail", args=[search_world.title_hit.pk]) in body


MALFORMED = [
    "",
    "   ",
    "a" * 5000,
    "de la el y",
    "the and of",
    "!!!",
    "&",
    "|",
    "!",
    ":*",
    "acero & | ! :*",
    'acero "reglas',
    '"""',
    "acero:* & !origen",
    "'; DROP TABLE consultations_position; --",
    "acero\x00origen",
    "((acero",
    "<->",
    "\ud800",  # a lone surrogate: the selector may be called with anything
]


@pytest.mark.parametrize("query", MALFORMED)
def test_malformed_queries_give_a_clear_answer_never_an_error(cast, search_world: SearchWorld, query: str) -> None:
    results = search(cast.coordinator, query)
    assert results.count >= 0
    client = _client(cast.coordinator)
    # As a browser would send it: a lone surrogate becomes bytes that are not UTF-8.
    sent = quote(query.encode("utf-8", "surrogatepass"))
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(f"{URL}?q={sent}", headers=headers)
        assert response.status_code == 200
    assert models.Position.objects.filter(pk=search_world.title_hit.pk).exists()


def test_each_kind_of_bad_query_says_why(cast, search_world: SearchWorld) -> None:
    client = _client(cast.coordinator)
    said = {
        "!!!": "puntuación",
        "de la el y": "demasiado comunes",
        "reglas " * 100: "Solo se buscaron los primeros 200 caracteres",
    }
    for query, message in said.items():
        body = client.get(URL, {"q": query}, headers={"HX-Request": "true"}).content.decode()
        assert message in body, query
    assert search(cast.coordinator, "reglas " * 100).count > 0


def test_the_results_page_costs_the_same_queries_for_3_and_30_hits(cast, search_world: SearchWorld, chapter) -> None:
    client = _client(search_world.negotiator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get(URL, {"q": "vanadio"})
        assert response.status_code == 200
        return len(context.captured_queries)

    def add(count: int) -> None:
        for n in range(count):
            factories.PositionFactory(
                organisation=cast.org_a,
                chapter=chapter,
                round=search_world.title_hit.round,
                status=models.PositionStatus.SUBMITTED,
                filed_at=timezone.now(),
                title=f"Vanadio {n}",
            )

    add(3)
    small = queries()
    add(27)
    assert queries() == small


def test_the_triage_queue_searches_with_the_same_engine(cast, search_world: SearchWorld, chapter, open_round):
    client = _client(cast.official_of_chapter)
    body = client.get(reverse("consultations:triage_queue"), {"q": "reglas de orígen", "status": ""}).content.decode()
    assert search_world.title_hit.title in body and search_world.body_hit.title in body
    theirs = _glassmakers_position(chapter, open_round)
    body = client.get(reverse("consultations:triage_queue"), {"q": "asociacion vidrieros"}).content.decode()
    assert theirs.title in body and search_world.title_hit.title not in body
    for query in ("!!!", ":*", 'acero "', "de la"):
        assert client.get(reverse("consultations:triage_queue"), {"q": query}).status_code == 200


def test_pages_read_as_get_page_reads_them_and_a_typo_falls_back_to_trigrams(cast, chapter, open_round) -> None:
    """The count comes with the page (one query); an empty page asks again: past the last page it shows the last
    one, and a query the full-text search finds nothing for tries the trigram fallback."""
    titles = [f"Wolframio {n}" for n in range(25)]
    for title in titles:
        factories.PositionFactory(
            organisation=cast.org_a,
            chapter=chapter,
            round=open_round,
            status=models.PositionStatus.SUBMITTED,
            filed_at=timezone.now(),
            title=title,
        )
    first = search(cast.coordinator, "wolframio")
    assert (first.count, first.page.number, first.page.paginator.num_pages, len(first.hits)) == (25, 1, 2, 20)
    second = search(cast.coordinator, "wolframio", page=2)
    assert (second.count, second.page.number, len(second.hits)) == (25, 2, 5)
    assert {hit.pk for hit in first.hits}.isdisjoint(hit.pk for hit in second.hits)
    assert search(cast.coordinator, "wolframio", page=99).page.number == 2
    assert search(cast.coordinator, "wolframio", page="x").page.number == 1
    typo = search(cast.coordinator, "wolframo")
    assert typo.count == 25 and len(typo.hits) == 20
    assert search(cast.coordinator, "zzqqxxwv").count == 0
