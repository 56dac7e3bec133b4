"""The access matrix of the API, driven by its OpenAPI schema: every operation × every role, with the status
each role must get. An operation without expectations here fails the suite, and so does an expectation for an
operation that no longer exists. Plus the canary: another organisation's strings never reach a delegate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction

from consultations import models
from consultations.api import api
from consultations.selectors.search import SOURCES as SEARCH_SOURCES
from consultations.services.exports import export_job_run
from tests.consultations.api.conftest import ANSWER_B, ApiClient, ApiWorld
from tests.consultations.permission_cases import (
    CAST_ROLES,
    CONSULTATION_QUESTION,
    INTELLIGENCE_BODY,
    INTELLIGENCE_TITLE,
    ISSUE_CANARY,
    NEW_TITLE,
    STATUS_NOTE_CANARY,
    TITLES,
    pdf_upload,
)

SEARCH_KINDS = tuple(SEARCH_SOURCES)
GOV = ("official_of_chapter", "coordinator")  # the officials who may triage gov_a (chapter's official, coordinator)
OFFICIALS = ("official_of_chapter", "official_of_other_chapter", "coordinator")
ORG_A = ("delegate_a", "coordinator_a")
SIGNED_IN = tuple(role for role in CAST_ROLES if role != "anonymous")


def allowed(status: int, roles: tuple[str, ...], otherwise: int = 404) -> dict[str, int]:
    """``status`` for ``roles``; ``otherwise`` for the other signed-in roles; 401 without a token."""
    return {"anonymous": 401} | {role: status if role in roles else otherwise for role in SIGNED_IN}


@dataclass(frozen=True)
class Op:
    path: Callable[[ApiWorld, str], str]  # (world, role) -> path under /api/v1
    expect: dict[str, int]
    body: Callable[[ApiWorld], Any] | None = None
    headers: Callable[[ApiWorld], dict[str, str]] = field(default=lambda aw: {})
    upload: bool = False


def _p(key: str) -> Callable[[ApiWorld], int]:
    return lambda aw: aw.world.positions[key].pk


def _version(key: str) -> Callable[[ApiWorld], dict[str, str]]:
    return lambda aw: {"If-Match": f'"{models.Position.objects.get(pk=aw.world.positions[key].pk).version}"'}


def _new_position(aw: ApiWorld) -> dict[str, Any]:
    return {
        "chapter": aw.world.chapter.pk,
        "round": aw.world.round.pk,
        "title": NEW_TITLE,
        "summary": "Nueva.",
        "stance": "defensive",
    }


# Keyed by (method, path template) exactly as the schema names them.
OPS: dict[tuple[str, str], Op] = {
    ("get", "/rounds"): Op(lambda aw, r: "/rounds", allowed(200, SIGNED_IN)),
    ("get", "/rounds/{round_id}"): Op(lambda aw, r: f"/rounds/{aw.world.round.pk}", allowed(200, SIGNED_IN)),
    ("get", "/chapters"): Op(lambda aw, r: "/chapters", allowed(200, SIGNED_IN)),
    ("get", "/sectors"): Op(lambda aw, r: "/sectors", allowed(200, SIGNED_IN)),
    ("get", "/positions"): Op(lambda aw, r: "/positions", allowed(200, SIGNED_IN)),
    ("post", "/positions"): Op(lambda aw, r: "/positions", allowed(201, (*ORG_A, "delegate_b")), body=_new_position),
    ("get", "/positions/{position_id}"): Op(
        lambda aw, r: f"/positions/{_p('gov_a')(aw)}", allowed(200, (*ORG_A, *GOV, "admin"))
    ),
    ("patch", "/positions/{position_id}"): Op(
        lambda aw, r: f"/positions/{_p('draft_a')(aw)}",
        allowed(200, ORG_A),
        body=lambda aw: {"summary": "Cambiado por la API."},
        headers=_version("draft_a"),
    ),
    ("post", "/positions/{position_id}/file"): Op(
        lambda aw, r: f"/positions/{_p('draft_a')(aw)}/file", allowed(200, ORG_A)
    ),
    ("post", "/positions/{position_id}/amend"): Op(
        lambda aw, r: f"/positions/{_p('gov_a')(aw)}/amend",
        allowed(200, ORG_A),
        body=lambda aw: {"summary": "Enmendada por la API.", "reason": "Precisión."},
        headers=_version("gov_a"),
    ),
    ("post", "/positions/{position_id}/withdraw"): Op(
        lambda aw, r: f"/positions/{_p('gov_a')(aw)}/withdraw", allowed(200, ORG_A), body=lambda aw: {}
    ),
    ("get", "/positions/{position_id}/revisions"): Op(
        lambda aw, r: f"/positions/{_p('gov_a')(aw)}/revisions", allowed(200, (*ORG_A, *GOV, "admin"))
    ),
    ("post", "/positions/{position_id}/attachments"): Op(
        lambda aw, r: f"/positions/{_p('draft_a')(aw)}/attachments", allowed(201, ORG_A), upload=True
    ),
    ("get", "/attachments/{attachment_id}"): Op(
        lambda aw, r: f"/attachments/{aw.world.gov_attachment.pk}", allowed(200, (*ORG_A, *GOV, "admin"))
    ),
    ("post", "/positions/{position_id}/cosignatures"): Op(
        lambda aw, r: f"/positions/{_p('gov_a')(aw)}/cosignatures",
        allowed(201, ORG_A),
        body=lambda aw: {"organisation": aw.world.cast.org_b.pk},
    ),
    ("get", "/cosignatures"): Op(lambda aw, r: "/cosignatures", allowed(200, SIGNED_IN)),
    ("post", "/cosignatures/{cosignature_id}/answer"): Op(
        lambda aw, r: f"/cosignatures/{aw.world.pending_cosignature.pk}/answer",
        allowed(200, ("delegate_b",)),
        body=lambda aw: {"accept": True},
    ),
    ("get", "/triage/queue"): Op(lambda aw, r: "/triage/queue", allowed(200, OFFICIALS)),
    ("get", "/triage/positions/{position_id}"): Op(
        lambda aw, r: f"/triage/positions/{_p('gov_a')(aw)}", allowed(200, GOV)
    ),
    ("post", "/triage/positions/{position_id}/status"): Op(
        lambda aw, r: f"/triage/positions/{_p('gov_a')(aw)}/status",
        allowed(200, GOV),
        body=lambda aw: {"status": "in_review"},
    ),
    ("post", "/triage/positions/{position_id}/assign"): Op(
        lambda aw, r: f"/triage/positions/{_p('gov_a')(aw)}/assign",
        allowed(200, GOV),
        body=lambda aw: {"assignee": "me"},
    ),
    ("post", "/triage/positions/{position_id}/notes"): Op(
        lambda aw, r: f"/triage/positions/{_p('gov_a')(aw)}/notes",
        allowed(201, GOV),
        body=lambda aw: {"body": "NOTA-API-7f3"},
    ),
    ("post", "/triage/positions/{position_id}/response"): Op(
        lambda aw, r: f"/triage/positions/{_p('gov_a')(aw)}/response",
        allowed(200, GOV),
        body=lambda aw: {"response": "RESPUESTA-API-7f3"},
    ),
    ("post", "/triage/positions/{position_id}/tags"): Op(
        lambda aw, r: f"/triage/positions/{_p('gov_a')(aw)}/tags", allowed(200, GOV), body=lambda aw: {"tag": "api"}
    ),
    ("get", "/dashboards/rounds/{round_id}"): Op(
        lambda aw, r: f"/dashboards/rounds/{aw.world.round.pk}", allowed(200, OFFICIALS)
    ),
    ("get", "/briefings"): Op(lambda aw, r: "/briefings", allowed(200, SIGNED_IN)),
    ("get", "/briefings/{briefing_id}"): Op(
        lambda aw, r: f"/briefings/{aw.briefing.pk}",
        allowed(200, (*ORG_A, "delegate_b", "official_of_chapter", "coordinator", "admin")),
    ),
    ("get", "/room/questions"): Op(lambda aw, r: "/room/questions", allowed(200, SIGNED_IN)),
    ("get", "/room/questions/{question_id}"): Op(
        lambda aw, r: f"/room/questions/{aw.question.pk}",
        allowed(200, (*ORG_A, "delegate_b", "official_of_chapter", "coordinator", "admin")),
    ),
    ("put", "/room/questions/{question_id}/answer"): Op(
        lambda aw, r: f"/room/questions/{aw.question.pk}/answer",
        allowed(200, (*ORG_A, "delegate_b")),
        body=lambda aw: {"text": "Nuestra respuesta por la API."},
    ),
    ("get", "/notifications"): Op(lambda aw, r: "/notifications", allowed(200, SIGNED_IN)),
    ("post", "/notifications/read"): Op(
        lambda aw, r: "/notifications/read", allowed(200, SIGNED_IN), body=lambda aw: {}
    ),
    ("get", "/search"): Op(lambda aw, r: "/search?q=TITULO", allowed(200, SIGNED_IN)),
    ("get", "/state-of-play"): Op(lambda aw, r: "/state-of-play", allowed(200, OFFICIALS)),
    ("get", "/state-of-play/issues"): Op(lambda aw, r: "/state-of-play/issues", allowed(200, OFFICIALS)),
    ("get", "/state-of-play/issues/{issue_id}"): Op(
        lambda aw, r: f"/state-of-play/issues/{aw.world.issue.pk}", allowed(200, GOV)
    ),
    ("get", "/ministries/consultations"): Op(lambda aw, r: "/ministries/consultations", allowed(200, OFFICIALS)),
    # Economía (the chapter's official) asked Agricultura (the other chapter's official) about gov_a.
    ("get", "/ministries/consultations/{consultation_id}"): Op(
        lambda aw, r: f"/ministries/consultations/{aw.world.consultations['addressed'].pk}",
        allowed(200, OFFICIALS),
    ),
    ("post", "/ministries/consultations/{consultation_id}/answer"): Op(
        lambda aw, r: f"/ministries/consultations/{aw.world.consultations['addressed'].pk}/answer",
        allowed(200, ("official_of_other_chapter",)),
        body=lambda aw: {"answer": "RESPUESTA-MINISTERIO-API-7f3"},
    ),
    ("get", "/intelligence/notes"): Op(lambda aw, r: "/intelligence/notes", allowed(200, (*OFFICIALS, "admin"))),
    ("get", "/intelligence/notes/{note_id}"): Op(
        lambda aw, r: f"/intelligence/notes/{aw.world.intelligence_note.pk}", allowed(200, (*GOV, "admin"))
    ),
    ("get", "/exports"): Op(lambda aw, r: "/exports", allowed(200, SIGNED_IN)),
    ("post", "/exports"): Op(
        lambda aw, r: "/exports",
        allowed(202, OFFICIALS),
        body=lambda aw: {"kind": "book_csv", "round": aw.world.round.pk},
    ),
    # official_of_chapter's finished job: its requester alone.
    ("get", "/exports/{job_id}"): Op(
        lambda aw, r: f"/exports/{aw.world.export_done.pk}", allowed(200, ("official_of_chapter",))
    ),
    ("get", "/exports/{job_id}/file"): Op(
        lambda aw, r: f"/exports/{aw.world.export_done.pk}/file", allowed(200, ("official_of_chapter",))
    ),
    ("get", "/me"): Op(lambda aw, r: "/me", allowed(200, SIGNED_IN)),
    ("get", "/tokens"): Op(lambda aw, r: "/tokens", allowed(200, SIGNED_IN)),
    # Every role revokes delegate A's token: only delegate A may.
    ("post", "/tokens/{token_id}/revoke"): Op(
        lambda aw, r: f"/tokens/{aw.tokens['delegate_a'].pk}/revoke", allowed(200, ("delegate_a",))
    ),
}


def schema_operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return {
        (method, path.removeprefix("/api/v1")) for path, operations in schema["paths"].items() for method in operations
    }


def test_every_api_operation_has_expectations() -> None:
    assert schema_operations() == set(OPS), "add the new operation to OPS with the status each role gets"


def test_every_write_operation_is_wrapped_for_idempotency_and_audit() -> None:
    for path_view in api.default_router.path_operations.values():
        for operation in path_view.operations:
            if set(operation.methods) & {"POST", "PUT", "PATCH", "DELETE"}:
                assert getattr(operation.view_func, "api_write", False), operation.view_func.__name__


def _call(aw: ApiWorld, role: str, key: tuple[str, str], client: ApiClient | None = None):
    method, _template = key
    op = OPS[key]
    client = client or ApiClient(aw.secrets.get(role))
    path = op.path(aw, role)
    if op.upload:
        return client.upload(path, {"file": pdf_upload("api.pdf", b"%PDF-1.4\n%api\n%%EOF\n")})
    body = op.body(aw) if op.body else None
    if body is None and method != "get":
        body = {}
    return client.request(method, path, body, headers=op.headers(aw))


@pytest.mark.parametrize("key", sorted(OPS), ids=lambda key: f"{key[0]} {key[1]}")
def test_api_access_matrix(api_world: ApiWorld, key: tuple[str, str]) -> None:
    """Each role in a savepoint rolled back afterwards: every role meets the same world."""
    answers = {}
    for role in CAST_ROLES:
        with transaction.atomic():
            response = _call(api_world, role, key)
            answers[role] = response.status_code
            if response.status_code >= 400:
                assert response["Content-Type"] == "application/problem+json", (role, response.content)
            transaction.set_rollback(True)
    assert answers == OPS[key].expect


# What no delegate may read: internal notes, the state of play's issue and status note, intelligence notes and the
# questions between ministries.
GOVERNMENT_ONLY = [
    "NOTA-CANARIO-7f3",
    ISSUE_CANARY,
    STATUS_NOTE_CANARY,
    INTELLIGENCE_TITLE,
    INTELLIGENCE_BODY,
    CONSULTATION_QUESTION,
]
# What each delegate must never read: the other organisation's government-only positions and answers, and the above.
CANARIES = {
    "delegate_b": [TITLES[k] for k in ("draft_a", "awaiting_a", "gov_a", "declined_a")] + GOVERNMENT_ONLY,
    "delegate_a": [TITLES["gov_b"], ANSWER_B, *GOVERNMENT_ONLY],
}


@pytest.mark.parametrize("role", sorted(CANARIES))
def test_canary_never_reaches_a_delegate_through_any_api_read(api_world: ApiWorld, role: str, settings) -> None:
    settings.API_RATE_LIMIT_PER_MINUTE = 10_000  # hundreds of reads: the rate limit is tested on its own
    from consultations.services.triage import position_note_add

    w = api_world.world
    for key in ("gov_a", "gov_b"):
        official = w.cast.coordinator
        position_note_add(by=official, position=w.positions[key], body="NOTA-CANARIO-7f3")
    # Read every GET operation, pointed at every object of the world, plus each list's filters.
    client = ApiClient(api_world.secrets[role])
    paths = []
    for (method, template), op in OPS.items():
        if method != "get":
            continue
        if "{position_id}" in template:
            paths += [template.replace("{position_id}", str(p.pk)) for p in w.positions.values()]
        elif "{attachment_id}" in template:
            paths += [f"/attachments/{a.pk}" for a in (w.gov_attachment, w.draft_attachment)]
        else:
            paths.append(op.path(api_world, role))
    paths += [f"/positions?status={s}" for s in ("submitted", "draft")] + ["/triage/queue?q=TITULO"]
    # Search for every canary, in every kind (those a delegate may not search are ignored, as on the page).
    words = [*CANARIES[role], "TITULO", "7f3"]
    paths += [f"/search?q={word}" for word in words]
    paths += [f"/search?q={word}&kind={kind}" for word in words for kind in SEARCH_KINDS]
    # The delegate's own export, built by the worker's service, then downloaded.
    job = client.post("/exports", {"kind": "own_csv"})
    assert job.status_code == 202, job.content
    export_job_run(job_id=job.json()["id"])
    paths += [f"/exports/{job.json()['id']}", f"/exports/{job.json()['id']}/file"]
    # Every other export job of the world: another user's jobs are not found.
    paths += [f"/exports/{j.pk}/file" for j in (w.export_done, w.export_failed)]
    reached = set()
    for path in paths:
        response = client.get(path)
        assert response.status_code < 500, path
        if response.status_code == 200:
            reached.add(path)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        text = content.decode("utf-8", "replace")
        for canary in CANARIES[role]:
            assert canary not in text, (path, canary)
    # The delegate's own export reached the delegate: the canary test read the file, not a 404.
    assert f"/exports/{job.json()['id']}/file" in reached
    own = client.get(f"/exports/{job.json()['id']}/file")
    own_title = TITLES["gov_a" if role == "delegate_a" else "gov_b"]
    assert own_title in b"".join(own.streaming_content).decode("utf-8-sig")
