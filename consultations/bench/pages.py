"""The pages the benchmark requests, one entry each: who signs in, what is asked, what it is compared with.

A new page is one more ``Page(...)`` in ``PAGES`` (an export whose peak memory matters goes in ``EXPORTS``).
``path`` gets the dataset's ``World`` and, for pages that change something, one item made by ``setup`` per request
(a fresh draft to file, a fresh form token), so every request does the same work. API pages (``api_scope``) are
requested by a client without a session, with a personal token of that scope made for the page (one per page, so
the per-token rate limit is never what is measured). An export with ``build`` is measured as its background job
makes it: the writer called straight into a file, the way a job runs for more rows than a request may stream.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import IO, Any

from consultations.bench.dataset import World

Path = Callable[[World, Any], str]


@dataclass(frozen=True)
class Page:
    name: str
    user: str  # "delegate", "coordinator", "official" (three chapters) or "admin"
    path: Path
    method: str = "GET"
    htmx: bool = False
    # POST pages: the form data, and what each request needs made beforehand (not timed).
    data: Callable[[World, Any], dict[str, str]] | None = None
    setup: Callable[[World, int], list[Any]] | None = None
    expect: int = 200
    # The name of the Django admin page that does the same job: the peer reference (ratio page ÷ admin).
    admin_peer: str | None = None
    # The target p95 of the issue (filing pages have a stricter one).
    target_p95_ms: float = 150.0
    # Timed requests for a page too slow to repeat ``--requests`` times in one run (None: ``--requests``).
    requests: int | None = None
    # API pages: the scope of the personal token the request carries (``Authorization: Bearer``), JSON bodies.
    api_scope: str | None = None
    # Exports: what a job does instead of a request (writes the file to ``target``, returns its rows), and the
    # issue's peak-memory target.
    build: Callable[[World, IO[bytes]], int] | None = None
    target_peak_mb: float = 150.0


def _triage(query: str = "") -> Path:
    return lambda w, _item: f"/triage/{'?' + query if query else ''}"


def _triage_with(make: Callable[[World], str]) -> Path:
    return lambda w, _item: f"/triage/?{make(w)}"


def _draft_data(w: World, token: Any) -> dict[str, str]:
    from consultations.models import Chapter

    return {
        "chapter": str(Chapter.objects.only("pk").get(number=w.chapter_number).pk),
        "round": str(w.current_round_id),
        "title": "Reglas de origen para autopartes",
        "summary": "Mantener el valor de contenido regional en 75 %.",
        "body": "Texto completo de la posición.",
        "stance": "defensive",
        "priority": "high",
        "confidentiality": "government",
        "hs_lines": "8708.29",
        "exports_usd": "1,500,000",
        "jobs": "120",
        "client_token": str(token),
    }


def _fresh_tokens(w: World, n: int) -> list[uuid.UUID]:
    return [uuid.uuid4() for _ in range(n)]


def _fresh_drafts(w: World, n: int) -> list[int]:
    """Drafts of the delegate's organisation in the current round, one per filing request."""
    from consultations.models import Chapter, Organisation, Round, User
    from consultations.services import positions as position_services

    delegate = User.objects.get(pk=w.delegate_id)
    organisation = Organisation.objects.get(pk=w.delegate_organisation_id)
    data = {
        "chapter": Chapter.objects.get(number=w.chapter_number),
        "round": Round.objects.get(pk=w.current_round_id),
        "title": "Benchmark: posición por presentar",
        "summary": "Se presenta en la medición.",
        "stance": "offensive",
        "priority": "medium",
    }
    return [position_services.position_create(by=delegate, organisation=organisation, data=data).pk for _ in range(n)]


@functools.cache
def _book_of(official_id: int, current_round_id: int, *, limit: int, current_only: bool) -> str:
    """The path of the largest chapter book of the official that a request still makes itself (at most ``limit``
    positions; a larger one becomes a background job): in the current round, or in any round."""
    from django.db.models import Count

    from consultations.models import Round, User
    from consultations.selectors.exports import book_scope_for

    user = User.objects.get(pk=official_id)
    books = Round.objects.exclude(kind=Round.Kind.MILESTONE).order_by("pk").values_list("pk", flat=True)
    rounds = [current_round_id] if current_only else books
    best: tuple[int, int, int] | None = None
    for round_id in rounds:
        counts = (
            book_scope_for(user=user, round_id=round_id)
            .positions.order_by()
            .values("chapter__number")
            .annotate(n=Count("pk"))
        )
        for row in counts:
            if row["n"] <= limit and (best is None or row["n"] > best[0]):
                best = (row["n"], round_id, row["chapter__number"])
    if best is None:
        raise LookupError("no chapter book small enough to be made by a request")
    return f"/rounds/{best[1]}/chapters/{best[2]}/book"


def _book_path(fmt: str, *, current_only: bool) -> Path:
    def path(w: World, _item: Any) -> str:
        from django.conf import settings

        limit = settings.EXPORT_SYNC_MAX_PDF_POSITIONS if fmt == "pdf" else settings.EXPORT_SYNC_MAX_ROWS
        return f"{_book_of(w.official_id, w.current_round_id, limit=limit, current_only=current_only)}.{fmt}"

    return path


def _book_writer(fmt: str, rows: int | None) -> Callable[[World, IO[bytes]], int]:
    """The coordinator's briefing book of the current round written as its job writes it, over the first ``rows``
    positions of the whole dataset (None: all of them), whatever their round, so the file has exactly that many."""

    def build(w: World, target: IO[bytes]) -> int:
        from consultations.models import Position, User
        from consultations.selectors.exports import book_scope_for
        from consultations.services.exports import book_write

        coordinator = User.objects.get(pk=w.coordinator_id)
        positions = Position.objects.all()
        if rows is not None:
            positions = positions.filter(pk__in=Position.objects.order_by("pk").values("pk")[:rows])
        scope = replace(book_scope_for(user=coordinator, round_id=w.current_round_id), positions=positions)
        return book_write(user=coordinator, scope=scope, fmt=fmt, target=target)

    return build


ADMIN_CHANGELIST = "admin changelist, positions"
ADMIN_FILTERED = "admin changelist, status + search"
SEARCH = "automotriz"

PAGES: list[Page] = [
    # --- Delegates -------------------------------------------------------------------------------------------
    Page("our positions (delegate)", "delegate", lambda w, _: "/positions/"),
    Page("position detail (delegate)", "delegate", lambda w, _: f"/positions/{w.delegate_position_id}/"),
    Page(
        "save a draft (POST)",
        "delegate",
        lambda w, _: "/positions/new/",
        method="POST",
        data=_draft_data,
        setup=_fresh_tokens,
        expect=302,
        target_p95_ms=100,
    ),
    Page(
        "file a position (POST)",
        "delegate",
        lambda w, pk: f"/positions/{pk}/file/",
        method="POST",
        data=lambda w, pk: {},
        setup=_fresh_drafts,
        expect=302,
        target_p95_ms=100,
    ),
    # --- The triage queue ------------------------------------------------------------------------------------
    Page("triage: first visit (what needs work)", "coordinator", _triage()),
    Page("triage: all, newest", "coordinator", _triage("sort=newest"), admin_peer=ADMIN_CHANGELIST),
    Page("triage: page 100", "coordinator", _triage("sort=newest&page=100")),
    Page("triage: official, 3 chapters", "official", _triage()),
    Page(
        "triage: status + search",
        "coordinator",
        _triage(f"status=submitted&q={SEARCH}&sort=newest"),
        admin_peer=ADMIN_FILTERED,
    ),
    Page("triage: search", "coordinator", _triage(f"q={SEARCH}")),
    Page("triage: filter round", "coordinator", _triage_with(lambda w: f"round={w.current_round_id}")),
    Page("triage: filter chapter", "coordinator", _triage_with(lambda w: f"chapter={w.chapter_id}")),
    Page("triage: filter status", "coordinator", _triage("status=in_review")),
    Page("triage: filter priority", "coordinator", _triage("priority=red_line")),
    Page("triage: filter red flag", "coordinator", _triage("red_flag=1")),
    Page("triage: filter red line", "coordinator", _triage("red_line=1")),
    Page("triage: filter stance", "coordinator", _triage("stance=conditional")),
    Page("triage: filter organisation", "coordinator", _triage_with(lambda w: f"organisation={w.organisation_id}")),
    Page("triage: filter sector", "coordinator", _triage_with(lambda w: f"sector={w.sector_id}")),
    Page("triage: filter unassigned", "coordinator", _triage("assignee=none")),
    Page("triage: filter assigned to me", "official", _triage("assignee=me")),
    Page("triage: filter filed late", "coordinator", _triage("late=1")),
    Page("triage: filter waiting 20+ days", "coordinator", _triage("age=20")),
    *(
        Page(f"triage: sort {sort}", "coordinator", _triage(f"sort={sort}"))
        for sort in ("oldest", "priority", "chapter", "organisation")
    ),
    Page("triage: list (htmx)", "coordinator", _triage("sort=newest"), htmx=True),
    Page("triage: pane (htmx)", "official", lambda w, _: f"/triage/{w.triage_position_id}/", htmx=True),
    # --- Dashboards ------------------------------------------------------------------------------------------
    Page("round dashboard (coordinator)", "coordinator", lambda w, _: f"/dashboard/{w.current_round_id}/"),
    Page("round dashboard (official, 3 chapters)", "official", lambda w, _: f"/dashboard/{w.current_round_id}/"),
    Page("chapter evolution (coordinator)", "coordinator", lambda w, _: f"/chapters/{w.chapter_number}/evolution/"),
    Page("digest preview (official)", "official", lambda w, _: f"/rounds/{w.current_round_id}/digest/"),
    Page("search (delegate)", "delegate", lambda w, _: f"/search/?q={SEARCH}"),
    Page("search (coordinator)", "coordinator", lambda w, _: f"/search/?q={SEARCH}"),
    Page("negotiation board (coordinator)", "coordinator", lambda w, _: "/board/"),
    # --- Briefing books: the largest chapter book a request makes itself (larger ones are background jobs) ------
    Page("briefing book CSV (official, chapter)", "official", _book_path("csv", current_only=True)),
    # WeasyPrint takes seconds for 200 positions: a few requests tell as much as thirty.
    Page("briefing book PDF (official, chapter)", "official", _book_path("pdf", current_only=False), requests=5),
    # --- The API, with a personal token ----------------------------------------------------------------------
    Page("API: our positions, 100 (token)", "delegate", lambda w, _: "/api/v1/positions?limit=100", api_scope="read"),
    Page(
        "API: file a position (POST, token)",
        "delegate",
        lambda w, pk: f"/api/v1/positions/{pk}/file",
        method="POST",
        data=lambda w, pk: {},
        setup=_fresh_drafts,
        target_p95_ms=100,
        api_scope="write",
    ),
    # --- The peer reference: what an official would use instead ------------------------------------------------
    Page(ADMIN_CHANGELIST, "admin", lambda w, _: "/admin/consultations/position/"),
    Page(ADMIN_FILTERED, "admin", lambda w, _: f"/admin/consultations/position/?status__exact=submitted&q={SEARCH}"),
]

# Downloads whose peak memory is measured (the targets: CSV of 100,000 rows under 150 MB, XLSX of 20,000
# rows under 300 MB). The first streams through a request (more rows than a request may stream, so the limit is
# lifted for it); the others are written as their background job writes them.
EXPORTS: list[Page] = [
    Page(
        "briefing book CSV, current round (coordinator, streamed)",
        "coordinator",
        lambda w, _: f"/rounds/{w.current_round_id}/book.csv",
    ),
    Page("CSV export, every position (job)", "coordinator", lambda w, _: "", build=_book_writer("csv", None)),
    Page(
        "XLSX export, 20,000 positions (job)",
        "coordinator",
        lambda w, _: "",
        build=_book_writer("xlsx", 20_000),
        target_peak_mb=300,
    ),
]
