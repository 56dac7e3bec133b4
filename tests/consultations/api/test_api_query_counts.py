"""Every list of the API costs the same number of queries for a page of 10 rows as for a page of 100 out of
1,000: the lists are found in the schema (a page is an object with ``items`` and ``next_cursor``), so a new list
without a measure here fails the suite."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consultations import models
from consultations.api import api
from tests import factories
from tests.consultations.api.conftest import ApiWorld

# (role, path) per list, keyed by the schema's path template. Rounds, chapters, sectors and tokens are reference
# lists that do not grow with use; the others grow by ``_grow``.
LISTS: dict[str, list[tuple[str, str]]] = {
    "/positions": [("delegate_a", "/positions"), ("coordinator_a", "/positions?status=submitted")],
    "/positions/{position_id}/revisions": [("delegate_a", "/positions/{gov_a}/revisions")],
    "/cosignatures": [("delegate_b", "/cosignatures")],
    "/notifications": [("delegate_a", "/notifications"), ("official_of_chapter", "/notifications")],
    "/briefings": [("delegate_a", "/briefings"), ("official_of_chapter", "/briefings")],
    "/room/questions": [("delegate_a", "/room/questions"), ("official_of_chapter", "/room/questions")],
    "/rounds": [("delegate_a", "/rounds")],
    "/chapters": [("delegate_a", "/chapters")],
    "/sectors": [("delegate_a", "/sectors")],
    "/tokens": [("delegate_a", "/tokens")],
    "/triage/queue": [("official_of_chapter", "/triage/queue"), ("coordinator", "/triage/queue")],
    # A search costs one query per kind on its page (at most six): measured one kind at a time.
    "/search": [
        ("delegate_a", "/search?q=Masa&kind=position"),
        ("official_of_chapter", "/search?q=Masa&kind=position"),
        ("coordinator", "/search?q=Masa&kind=intelligence"),
    ],
    "/state-of-play/issues": [
        ("official_of_chapter", "/state-of-play/issues"),
        ("coordinator", "/state-of-play/issues"),
    ],
    "/ministries/consultations": [
        ("official_of_chapter", "/ministries/consultations?box=sent"),
        ("official_of_other_chapter", "/ministries/consultations"),
    ],
    "/intelligence/notes": [("official_of_chapter", "/intelligence/notes"), ("coordinator", "/intelligence/notes")],
    "/exports": [("official_of_chapter", "/exports")],
}


REFERENCE_LISTS = {"/rounds", "/chapters", "/sectors", "/tokens"}


def schema_lists() -> set[str]:
    schema = api.get_openapi_schema()
    pages = {
        f"#/components/schemas/{name}"
        for name, definition in schema["components"]["schemas"].items()
        if {"items", "next_cursor"} <= set(definition.get("properties", {}))
    }
    found = set()
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        content = get["responses"].get("200", {}).get("content", {}).get("application/json", {})
        if content.get("schema", {}).get("$ref") in pages:
            found.add(path.removeprefix("/api/v1"))
    return found


def test_every_list_is_measured() -> None:
    assert schema_lists() == set(LISTS), "add the new list to LISTS (and grow its rows in _grow)"


def _grow(aw: ApiWorld, n: int, start: int = 0) -> None:
    w = aw.world
    cast = w.cast
    now = timezone.now()
    positions = models.Position.objects.bulk_create(
        [
            models.Position(
                organisation=cast.org_a,
                chapter=w.chapter,
                round=w.round,
                title=f"Masa {i}",
                summary="s",
                stance="offensive",
                status="submitted",
                filed_at=now,
                created_by=cast.delegate_a,
            )
            for i in range(start, start + n)
        ]
    )
    models.CoSignature.objects.bulk_create(
        [models.CoSignature(position=p, organisation=cast.org_b, invited_by=cast.delegate_a) for p in positions]
    )
    gov_a = w.positions["gov_a"]
    last = gov_a.revisions.order_by("-number").first()
    models.PositionRevision.objects.bulk_create(
        [
            models.PositionRevision(
                position=gov_a,
                number=last.number + 1 + i,
                content={**last.content, "summary": f"Enmienda {i}"},
                reason=f"r{i}",
                created_by=cast.delegate_a,
            )
            for i in range(n)
        ]
    )
    models.Notification.objects.bulk_create(
        [
            models.Notification(recipient=u, kind="status", title=f"n{i}", url="/", key=f"k{i}-{u.pk}")
            for i in range(start, start + n)
            for u in (cast.delegate_a, cast.official_of_chapter)
        ]
    )
    negotiator = factories.official(chapters=[w.chapter], negotiator=True)
    models.Briefing.objects.bulk_create(
        [
            models.Briefing(chapter=w.chapter, round=w.round, author=negotiator, title=f"b{i}", body_markdown="x")
            for i in range(n)
        ]
    )
    models.RoomQuestion.objects.bulk_create(
        [
            models.RoomQuestion(
                chapter=w.chapter,
                round=w.round,
                author=negotiator,
                text=f"q{i}",
                response_deadline=now + dt.timedelta(days=1),
            )
            for i in range(n)
        ]
    )
    issues = models.OpenIssue.objects.bulk_create(
        [
            models.OpenIssue(
                chapter=w.chapter,
                text=f"Tema {i}",
                parties=["US"],
                round=w.round,
                created_by=cast.coordinator,
                created_at=now,
                updated_by=cast.coordinator,
                updated_at=now,
            )
            for i in range(n)
        ]
    )
    models.OpenIssue.positions.through.objects.bulk_create(
        [
            models.OpenIssue.positions.through(openissue_id=issue.pk, position_id=p.pk)
            for issue, p in zip(issues, positions, strict=True)
        ]
    )
    addressed = w.consultations["addressed"]
    models.ConsultationRequest.objects.bulk_create(
        [
            models.ConsultationRequest(
                position=p,
                from_ministry_id=addressed.from_ministry_id,
                to_ministry_id=addressed.to_ministry_id,
                requested_by=cast.official_of_chapter,
                question=f"Pregunta {i}",
                due_on=addressed.due_on,
            )
            for i, p in enumerate(positions)
        ]
    )
    notes = models.IntelligenceNote.objects.bulk_create(
        [
            models.IntelligenceNote(
                chapter=w.chapter,
                title=f"Nota {i}",
                body_markdown="Masa",
                created_by=cast.official_of_chapter,
                updated_by=cast.official_of_chapter,
                created_at=now,
                updated_at=now,
            )
            for i in range(n)
        ]
    )
    models.IntelligenceNote.authors.through.objects.bulk_create(
        [models.IntelligenceNote.authors.through(intelligencenote_id=note.pk, user_id=negotiator.pk) for note in notes]
    )
    models.IntelligenceNote.rounds.through.objects.bulk_create(
        [models.IntelligenceNote.rounds.through(intelligencenote_id=note.pk, round_id=w.round.pk) for note in notes]
    )
    models.ExportJob.objects.bulk_create(
        [
            models.ExportJob(
                requester=cast.official_of_chapter,
                kind=models.ExportKind.BOOK_CSV,
                parameters={"round_id": w.round.pk},
                expires_at=now + dt.timedelta(days=7),
            )
            for _ in range(n)
        ]
    )


def _counts(aw: ApiWorld) -> dict[tuple[str, str], int]:
    counts = {}
    gov_a = aw.world.positions["gov_a"].pk
    for key, measures in LISTS.items():
        for role, template in measures:
            path = template.format(gov_a=gov_a)
            client = aw.client(role)
            client.get(path)  # warm: the token's last use is written once a minute
            sep = "&" if "?" in path else "?"
            with CaptureQueriesContext(connection) as queries:
                answer = client.get(f"{path}{sep}limit=100")
            assert answer.status_code == 200, (role, path, answer.content)
            assert answer.json()["items"] or key in REFERENCE_LISTS, (role, path)
            counts[(role, path)] = len(queries)
    return counts


@pytest.mark.timeout(900)
def test_list_query_counts_do_not_grow_from_10_to_1000_rows(api_world: ApiWorld, settings) -> None:
    settings.API_RATE_LIMIT_PER_MINUTE = 10**6
    _grow(api_world, 10)
    small = _counts(api_world)
    _grow(api_world, 990, start=10)
    large = _counts(api_world)
    assert small == large


def _detail_queries(aw: ApiWorld, path: str) -> int:
    client = aw.client("delegate_a")
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(path)
    assert answer.status_code == 200, answer.content
    return len(queries)


def test_position_detail_queries_do_not_grow_with_its_cosignatures_and_attachments(
    api_world: ApiWorld, settings
) -> None:
    settings.API_RATE_LIMIT_PER_MINUTE = 10**6
    w = api_world.world
    gov_a = w.positions["gov_a"]
    path = f"/positions/{gov_a.pk}"

    def grow(n: int, start: int = 0) -> None:
        organisations = models.Organisation.objects.bulk_create(
            [models.Organisation(name=f"Cámara {i}", acronym=f"C{i}") for i in range(start, start + n)]
        )
        models.CoSignature.objects.bulk_create(
            [models.CoSignature(position=gov_a, organisation=o, invited_by=w.cast.delegate_a) for o in organisations]
        )
        attachment = w.gov_attachment
        models.Attachment.objects.bulk_create(
            [
                models.Attachment(
                    position=gov_a,
                    file=attachment.file.name,
                    original_name=f"anexo-{start + i}.pdf",
                    kind=attachment.kind,
                    size=attachment.size,
                    sha256=f"{start + i:064x}",
                    uploaded_by=w.cast.delegate_a,
                )
                for i in range(n)
            ]
        )

    grow(10)
    small = _detail_queries(api_world, path)
    grow(200, start=10)
    assert len(api_world.client("delegate_a").get(path).json()["cosignatures"]) > 200
    assert _detail_queries(api_world, path) == small
