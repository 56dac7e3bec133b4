"""Positions through the API: the delegate's whole path, and every refusal answered as problem details."""

from __future__ import annotations

from consultations import models
from tests.consultations.api.conftest import ApiWorld
from tests.consultations.permission_cases import NEW_TITLE, PDF_BYTES


def _new(w) -> dict:
    return {
        "chapter": w.chapter.pk,
        "round": w.round.pk,
        "title": NEW_TITLE,
        "summary": "Una posición nueva por la API.",
        "stance": "offensive",
        "hs_lines": ["8703.23"],
    }


def test_delegate_creates_updates_files_and_reads_status(api_world: ApiWorld) -> None:
    w, client = api_world.world, api_world.client("delegate_a")
    created = client.post("/positions", _new(w), headers={"Idempotency-Key": "k-1"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["organisation"]["id"] == w.cast.org_a.pk
    assert created["ETag"] == '"1"'
    pk = body["id"]

    updated = client.patch(f"/positions/{pk}", {"summary": "Otro resumen."}, headers={"If-Match": '"1"'})
    assert updated.status_code == 200, updated.content
    assert updated.json()["version"] == 2

    stale = client.patch(f"/positions/{pk}", {"summary": "Tarde."}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale["Content-Type"] == "application/problem+json"
    assert stale.json()["current_version"] == 2
    assert models.Position.objects.get(pk=pk).summary == "Otro resumen."

    attached = client.upload(f"/positions/{pk}/attachments", {"file": _pdf()})
    assert attached.status_code == 201, attached.content

    filed = client.post(f"/positions/{pk}/file")
    assert filed.status_code == 200, filed.content
    assert filed.json()["status"] == "submitted"

    read = client.get(f"/positions/{pk}")
    assert read.json()["status"] == "submitted"
    attachment_id = read.json()["attachments"][0]["id"]
    download = client.get(f"/attachments/{attachment_id}")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES

    audit = models.AuditEvent.objects.filter(data__channel="api")
    actions = set(audit.values_list("action", flat=True))
    assert {"position.create", "position.update_draft", "position.file", "attachment.download", "api.write"} <= actions


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("anexo-api.pdf", PDF_BYTES, content_type="application/pdf")


def test_same_idempotency_key_creates_one_position(api_world: ApiWorld) -> None:
    w, client = api_world.world, api_world.client("delegate_a")
    first = client.post("/positions", _new(w), headers={"Idempotency-Key": "same"})
    again = client.post("/positions", _new(w), headers={"Idempotency-Key": "same"})
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert models.Position.objects.filter(title=NEW_TITLE).count() == 1
    other = client.post("/positions", _new(w) | {"title": "Otra"}, headers={"Idempotency-Key": "same"})
    assert other.status_code == 422


def test_unknown_and_forbidden_fields_are_refused_and_change_nothing(api_world: ApiWorld) -> None:
    w, client = api_world.world, api_world.client("delegate_a")
    draft = w.positions["draft_a"]
    before = models.Position.objects.get(pk=draft.pk)
    for field, value in (
        ("organisation", w.cast.org_b.pk),
        ("status", "incorporated"),
        ("created_by", 1),
        ("assigned_to", 1),
        ("official_response", "x"),
        ("tags", ["x"]),
        ("colour", "red"),
    ):
        answer = client.patch(f"/positions/{draft.pk}", {field: value}, headers={"If-Match": f'"{draft.version}"'})
        assert answer.status_code == 422, (field, answer.content)
        problem = answer.json()
        assert answer["Content-Type"] == "application/problem+json"
        assert field in problem["detail"]
        assert [e["field"] for e in problem["errors"]] == [field]
        assert problem["errors"][0]["message"] == "Campo desconocido: no forma parte de esta solicitud."
    after = models.Position.objects.get(pk=draft.pk)
    assert (after.version, after.organisation_id, after.status) == (
        before.version,
        before.organisation_id,
        before.status,
    )


def test_bad_input_answers_4xx_never_500(api_world: ApiWorld) -> None:
    w, client = api_world.world, api_world.client("delegate_a")
    draft = w.positions["draft_a"]
    assert client.request("post", "/positions", "{not json", headers={"Idempotency-Key": "x"}).status_code == 400
    assert client.post("/positions", _new(w) | {"chapter": "cuatro"}).status_code == 422
    assert client.post("/positions", [1, 2]).status_code == 422
    assert client.get("/positions?cursor=bogus").status_code == 400
    assert client.get("/positions?limit=abc").status_code == 422
    assert client.get("/positions?updated_since=ayer").status_code == 422
    assert client.get("/positions?updated_since=1709-01-05T14:19:45%2B19:56").status_code == 200
    assert client.get("/positions?updated_since=0001-01-01T00:00:00%2B01:00").status_code == 422
    huge = '{"title": "' + "x" * (300 * 1024) + '"}'
    assert client.request("patch", f"/positions/{draft.pk}", huge, headers={"If-Match": "1"}).status_code == 413
    missing_version = client.patch(f"/positions/{draft.pk}", {"summary": "x"})
    assert missing_version.status_code == 428
    assert client.get("/positions/99999999999").status_code == 404
    invalid = client.post("/positions", _new(w) | {"hs_lines": ["abc"]})
    assert invalid.status_code == 422
    assert invalid.json()["errors"][0]["field"] == "hs_lines"


def test_forbidden_position_is_a_404_like_a_missing_one(api_world: ApiWorld) -> None:
    w = api_world.world
    client = api_world.client("delegate_b")
    missing = client.get("/positions/987654")
    forbidden = client.get(f"/positions/{w.positions['gov_a'].pk}")
    assert missing.status_code == forbidden.status_code == 404
    assert missing.content == forbidden.content
    # Shared with the room: B reads the text, not how the government treated it.
    room = client.get(f"/positions/{w.positions['room_a'].pk}").json()
    assert room["status"] is None and room["official_response"] is None
    # Seeing is not acting: B cannot withdraw A's position shared with the room.
    withdraw = client.post(f"/positions/{w.positions['room_a'].pk}/withdraw", {})
    assert withdraw.status_code == 404
    assert models.Position.objects.get(pk=w.positions["room_a"].pk).status == "submitted"
