"""Search, intelligence, ministries and exports through the API: what each role finds and does, beyond the access
matrix's status codes."""

from __future__ import annotations

import pytest

from consultations import models
from consultations.services.exports import export_job_run
from consultations.services.state_of_play import chapter_status_share
from consultations.services.triage import position_note_add
from tests.consultations.api.conftest import ApiWorld
from tests.consultations.permission_cases import (
    CONSULTATION_QUESTION,
    INTELLIGENCE_BODY,
    INTELLIGENCE_TITLE,
    TITLES,
)

NOTE = "NOTA-INTERNA-BUSQUEDA-7f3"


@pytest.fixture(autouse=True)
def unlimited(settings) -> None:
    settings.API_RATE_LIMIT_PER_MINUTE = 10**6


def _kinds(response) -> set[str]:  # noqa: ANN001 - a test response
    assert response.status_code == 200, response.content
    return {hit["kind"] for hit in response.json()["items"]}


def test_official_finds_intelligence_and_internal_notes_a_delegate_never_does(api_world: ApiWorld) -> None:
    w = api_world.world
    position_note_add(by=w.cast.coordinator, position=w.positions["gov_a"], body=NOTE)
    official = api_world.client("official_of_chapter")
    assert _kinds(official.get(f"/search?q={INTELLIGENCE_BODY}")) == {"intelligence"}
    found = official.get(f"/search?q={NOTE}").json()
    assert [hit["kind"] for hit in found["items"]] == ["internal_note"]
    assert found["items"][0]["organisation"] == w.cast.org_a.name
    assert found["items"][0]["chapter_id"] == w.chapter.pk
    delegate = api_world.client("delegate_a")
    for word, kind in ((INTELLIGENCE_BODY, "intelligence"), (NOTE, "internal_note")):
        for path in (f"/search?q={word}", f"/search?q={word}&kind={kind}"):
            answer = delegate.get(path)
            assert answer.json()["items"] == [] and answer.json()["count"] == 0, path


def test_search_finds_the_delegates_own_position_with_its_snippet_and_pages_with_a_cursor(
    api_world: ApiWorld,
) -> None:
    client = api_world.client("delegate_a")
    found = client.get(f"/search?q={TITLES['gov_a']}&kind=position").json()
    assert [hit["id"] for hit in found["items"]] == [api_world.world.positions["gov_a"].pk]
    assert "<mark>" in found["items"][0]["title"]
    first = client.get("/search?q=7f3&limit=1").json()
    assert first["count"] > 1 and len(first["items"]) == 1 and first["next_cursor"]
    second = client.get(f"/search?q=7f3&limit=1&cursor={first['next_cursor']}").json()
    assert second["items"] and second["items"][0] != first["items"][0]


@pytest.mark.parametrize(
    "query",
    ["!!!", "&|:*()", "'", "\\", "the of and", "a:*", "((", "<script>", "%00", "é" * 199, "x" * 800],
)
def test_malformed_search_finds_nothing_or_answers_4xx_never_500(api_world: ApiWorld, query: str) -> None:
    answer = api_world.client("official_of_chapter").get("/search", data={"q": query})
    assert answer.status_code in (200, 422), answer.content
    if answer.status_code == 200:
        assert isinstance(answer.json()["items"], list)


def test_bad_search_cursor_answers_400(api_world: ApiWorld) -> None:
    for cursor in ("nada", "MA:1a2b", "0"):
        answer = api_world.client("delegate_a").get(f"/search?q=7f3&cursor={cursor}")
        assert answer.status_code == 400, cursor


def test_a_delegate_neither_lists_nor_reads_intelligence(api_world: ApiWorld) -> None:
    note = api_world.world.intelligence_note
    for role in ("delegate_a", "delegate_b", "coordinator_a"):
        client = api_world.client(role)
        assert client.get("/intelligence/notes").status_code == 404
        assert client.get(f"/intelligence/notes/{note.pk}").status_code == 404
    listed = api_world.client("official_of_chapter").get("/intelligence/notes").json()["items"]
    assert [n["title"] for n in listed] == [INTELLIGENCE_TITLE]
    detail = api_world.client("official_of_chapter").get(f"/intelligence/notes/{note.pk}").json()
    assert detail["position_ids"] == [api_world.world.positions["gov_a"].pk] and detail["attachments"]


def test_the_ministry_consulted_answers_once_and_the_asking_official_reads_it(api_world: ApiWorld) -> None:
    request = api_world.world.consultations["addressed"]
    asked = api_world.client("official_of_other_chapter")  # Agricultura
    received = asked.get("/ministries/consultations").json()["items"]
    assert request.pk in {r["id"] for r in received}
    answered = asked.post(f"/ministries/consultations/{request.pk}/answer", {"answer": "Sin objeción."})
    assert answered.status_code == 200, answered.content
    assert answered.json()["status"] == "answered"
    again = asked.post(f"/ministries/consultations/{request.pk}/answer", {"answer": "Otra."})
    assert again.status_code == 409
    # The asking ministry (Economía) reads the answer in its sent box; it may not answer its own question.
    asking = api_world.client("official_of_chapter")
    sent = {r["id"]: r for r in asking.get("/ministries/consultations?box=sent").json()["items"]}
    assert sent[request.pk]["answer"] == "Sin objeción."
    assert asking.post(f"/ministries/consultations/{request.pk}/answer", {"answer": "x"}).status_code == 404
    assert CONSULTATION_QUESTION in sent[request.pk]["question"]


def test_export_job_asked_polled_and_downloaded_by_its_requester_alone(api_world: ApiWorld) -> None:
    w = api_world.world
    client = api_world.client("delegate_a")
    asked = client.post("/exports", {"kind": "own_csv", "status": "submitted"})
    assert asked.status_code == 202, asked.content
    job = asked.json()
    assert job["status"] == "queued" and job["download_url"] is None
    assert asked["Location"] == f"/api/v1/exports/{job['id']}"
    assert client.get(f"/exports/{job['id']}/file").status_code == 404  # not ready yet
    assert export_job_run(job_id=job["id"]) == "done"
    polled = client.get(f"/exports/{job['id']}").json()
    assert polled["status"] == "done" and polled["download_url"] == f"/api/v1/exports/{job['id']}/file"
    downloaded = client.get(polled["download_url"])
    assert downloaded.status_code == 200
    text = b"".join(downloaded.streaming_content).decode("utf-8-sig")
    assert TITLES["gov_a"] in text and TITLES["gov_b"] not in text
    audit = models.AuditEvent.objects.filter(action="export.download", actor=w.cast.delegate_a).get()
    assert audit.data["channel"] == "api" and audit.data["api_token"] == api_world.tokens["delegate_a"].prefix
    # Anyone else: not found, even the organisation's coordinator.
    for role in ("coordinator_a", "delegate_b", "coordinator", "admin"):
        other = api_world.client(role)
        assert other.get(f"/exports/{job['id']}").status_code == 404
        assert other.get(f"/exports/{job['id']}/file").status_code == 404


def test_export_requests_follow_the_pages_forms_and_scopes(api_world: ApiWorld) -> None:
    w = api_world.world
    official = api_world.client("official_of_chapter")
    assert official.post("/exports", {"kind": "book_pdf"}).status_code == 422  # a book needs its round
    assert official.post("/exports", {"kind": "handover"}).status_code == 404  # the coordinator's and admins'
    other_chapter = {"kind": "book_csv", "round": w.round.pk, "chapter": w.other_chapter.pk}
    assert official.post("/exports", other_chapter).status_code == 404
    assert official.post("/exports", {"kind": "own_csv"}).status_code == 404  # no organisation
    assert official.post("/exports", {"kind": "book_csv", "round": w.round.pk, "extra": 1}).status_code == 422
    coordinator = api_world.client("coordinator")
    handover = coordinator.post("/exports", {"kind": "handover", "chapter": w.chapter.pk})
    assert handover.status_code == 202 and handover.json()["parameters"] == {"chapter": w.chapter.number}
    delegate = api_world.client("delegate_a")
    assert delegate.post("/exports", {"kind": "own_xlsx", "status": "nonsense"}).status_code == 422
    assert delegate.post("/exports", {"kind": "book_csv", "round": w.round.pk}).status_code == 404


def test_chapters_carry_the_status_line_a_delegate_sees_only_once_shared(api_world: ApiWorld) -> None:
    w = api_world.world

    def status(role: str) -> str | None:
        items = api_world.client(role).get("/chapters?limit=200").json()["items"]
        return next(c["status"] for c in items if c["id"] == w.chapter.pk)

    assert status("official_of_chapter") == models.ChapterStatus.IN_NEGOTIATION
    assert status("delegate_a") is None
    chapter_status_share(chapter=w.chapter, by=w.cast.coordinator, shared=True)
    assert status("delegate_a") == models.ChapterStatus.IN_NEGOTIATION


def test_open_issues_list_only_the_positions_the_official_may_read(api_world: ApiWorld) -> None:
    w = api_world.world
    issue = w.issue
    issue.positions.add(w.positions["draft_a"])  # a draft: no official reads it
    listed = api_world.client("official_of_chapter").get("/state-of-play/issues").json()["items"]
    assert [i["position_ids"] for i in listed if i["id"] == issue.pk] == [[w.positions["gov_a"].pk]]
    detail = api_world.client("coordinator").get(f"/state-of-play/issues/{issue.pk}").json()
    assert detail["position_ids"] == [w.positions["gov_a"].pk]
    assert api_world.client("official_of_other_chapter").get(f"/state-of-play/issues/{issue.pk}").status_code == 404


def test_intelligence_filters_are_the_pages_and_bad_ones_answer_422(api_world: ApiWorld) -> None:
    w = api_world.world
    client = api_world.client("official_of_chapter")
    assert [n["title"] for n in client.get("/intelligence/notes?tag=acero").json()["items"]] == [INTELLIGENCE_TITLE]
    assert client.get(f"/intelligence/notes?chapter={w.chapter.pk}&round={w.round.pk}").json()["items"]
    for query in ("tag=%00%08", "tag=ninguna", f"chapter={w.other_chapter.pk}", "round=999999"):
        answer = client.get(f"/intelligence/notes?{query}")
        assert answer.status_code == 422, (query, answer.content)
