"""Measuring the pages: whole requests through the full middleware stack as signed-in users (Django's test client
with ``force_login``: sessions, CSRF, locale, permissions, templates and htmx partials all run), their queries, the
SQL floor (the page's own queries replayed alone on a cursor) and the peer reference (the Django admin's
changelist); then the digests' throughput and the exports' peak memory.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consultations.bench.dataset import World
from consultations.bench.pages import Page

MAX_QUERIES = 15
MAX_RATIO_FLOOR = 3.0
MAX_RATIO_ADMIN = 0.5
DIGESTS_PER_SECOND = 100


@dataclass
class Measurement:
    name: str
    dataset: str
    kind: str = "page"
    p50_ms: float | None = None
    p95_ms: float | None = None
    # This process's CPU time per request (median): the Python side of the page (middleware, view, templates),
    # much less disturbed than the wall-clock times when other work shares the machine's cores.
    cpu_ms: float | None = None
    queries: int | None = None
    floor_ms: float | None = None
    ratio_floor: float | None = None
    ratio_admin: float | None = None
    requests: int = 0
    status: int | None = None
    ok: bool = True
    targets_met: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        extra = data.pop("extra")
        return {**data, **extra}


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: p95 of 30 requests is the 29th slowest."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


class Runner:
    """One signed-in test client per role; every page measured the same way."""

    def __init__(self, world: World, *, requests: int, warmup: int = 2) -> None:
        from consultations.models import User

        self.world = world
        self.requests = requests
        self.warmup = warmup
        users = {
            "delegate": world.delegate_id,
            "coordinator": world.coordinator_id,
            "official": world.official_id,
            "admin": world.admin_id,
        }
        self.clients: dict[str, Client] = {}
        for role, user_id in users.items():
            client = Client(raise_request_exception=False)
            client.force_login(User.objects.get(pk=user_id))
            self.clients[role] = client
        self.users = users
        self.tokens: dict[str, str] = {}

    def _token(self, page: Page) -> str:
        """A personal token of the page's user and scope, made once per page (not timed)."""
        from consultations.models import User
        from consultations.services.api_tokens import api_token_create

        if page.name not in self.tokens:
            _token, raw = api_token_create(
                by=User.objects.get(pk=self.users[page.user]),
                name=f"benchmark: {page.name}",
                scope=page.api_scope or "read",
                expires_at=timezone.now() + dt.timedelta(days=1),
            )
            self.tokens[page.name] = raw
        return self.tokens[page.name]

    def _request(self, page: Page, item: Any) -> int:
        path = page.path(self.world, item)
        if page.api_scope:
            # No session: the token alone, as a chamber's own tool would call.
            client = Client(raise_request_exception=False)
            headers = {"Authorization": f"Bearer {self._token(page)}"}
            if page.method == "POST":
                body = json.dumps(page.data(self.world, item) if page.data else {})
                response = client.post(path, body, content_type="application/json", headers=headers)
            else:
                response = client.get(path, headers=headers)
            return response.status_code
        client = self.clients[page.user]
        headers = {"HX-Request": "true"} if page.htmx else {}
        if page.method == "POST":
            response = client.post(path, page.data(self.world, item) if page.data else {}, headers=headers)
        else:
            response = client.get(path, headers=headers)
        if response.streaming:
            for _chunk in response.streaming_content:
                pass
        return response.status_code

    def page(self, page: Page) -> Measurement:
        requests = min(self.requests, page.requests or self.requests)
        total = self.warmup + requests + 1
        items: list[Any] = page.setup(self.world, total) if page.setup else [None] * total
        statuses = []
        for item in items[: self.warmup]:
            statuses.append(self._request(page, item))
        timings, cpu = [], []
        for item in items[self.warmup : self.warmup + requests]:
            started, cpu_started = time.perf_counter(), time.process_time()
            statuses.append(self._request(page, item))
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
        # One more request, its queries captured. A page that writes runs in a transaction rolled back afterwards,
        # so the same statements can be replayed (its unique keys are free again).
        with transaction.atomic():
            with CaptureQueriesContext(connection) as captured:
                statuses.append(self._request(page, items[-1]))
            transaction.set_rollback(True)
        queries = [query["sql"] for query in captured.captured_queries]
        floor = self.floor(queries)
        p50 = statistics.median(timings)
        bad = [status for status in statuses if status != page.expect]
        return Measurement(
            name=page.name,
            dataset=self.world.size,
            p50_ms=round(p50, 2),
            p95_ms=round(percentile(timings, 0.95), 2),
            cpu_ms=round(statistics.median(cpu), 2),
            queries=len(queries),
            floor_ms=round(floor, 2) if floor is not None else None,
            ratio_floor=round(p50 / floor, 2) if floor else None,
            requests=len(timings),
            status=bad[0] if bad else page.expect,
            ok=not bad,
            extra={"target_p95_ms": page.target_p95_ms},
        )

    def floor(self, queries: list[str], repeat: int | None = None) -> float | None:
        """The median time of the page's own SQL run alone, statement after statement on one cursor, reading every
        row, in a transaction that is rolled back. None when a statement cannot be replayed on its own."""
        sql = [q for q in queries if q and not q.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO"))]
        timings = []
        try:
            for _ in range(repeat or min(self.requests, 30)):
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        started = time.perf_counter()
                        for statement in sql:
                            cursor.execute(statement)
                            if cursor.description is not None:
                                cursor.fetchall()
                        timings.append((time.perf_counter() - started) * 1000)
                    transaction.set_rollback(True)
        except Exception:  # noqa: BLE001 - a statement that depends on an earlier one's result: no floor
            return None
        return statistics.median(timings)

    def export(self, page: Page) -> Measurement:
        """Peak Python memory while one export is produced and read to the end: a request (streamed, with the
        row limit of requests lifted) or, with ``build``, the job's writer into a scratch file."""
        rows = None
        tracemalloc.start()
        try:
            started = time.perf_counter()
            if page.build is not None:
                with tempfile.TemporaryFile() as target:
                    rows = page.build(self.world, target)
                status = page.expect
            else:
                with override_settings(EXPORT_SYNC_MAX_ROWS=10**9):
                    status = self._request(page, None)
            seconds = time.perf_counter() - started
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        peak_mb = peak / 1024 / 1024
        return Measurement(
            name=page.name,
            dataset=self.world.size,
            kind="export",
            p50_ms=round(seconds * 1000, 2),
            requests=1,
            status=status,
            ok=status == page.expect,
            targets_met=status == page.expect and peak_mb < page.target_peak_mb,
            extra={"peak_mb": round(peak_mb, 1), "rows": rows, "target_peak_mb": page.target_peak_mb},
        )


def judge(measurements: list[Measurement], pages: list[Page]) -> None:
    """Fill ratio_admin (page p50 ÷ its admin peer's p50) and whether each page meets the issue's targets."""
    by_name = {m.name: m for m in measurements}
    for page in pages:
        measurement = by_name.get(page.name)
        if measurement is None:
            continue
        peer = by_name.get(page.admin_peer or "")
        if peer is not None and peer.p50_ms:
            measurement.ratio_admin = round(measurement.p50_ms / peer.p50_ms, 2)
        if page.user == "admin":
            continue  # the reference itself is not held to the targets
        measurement.targets_met = bool(
            measurement.ok
            and measurement.p95_ms is not None
            and measurement.p95_ms <= page.target_p95_ms
            and (measurement.queries or 0) <= MAX_QUERIES
            and (measurement.ratio_floor is None or measurement.ratio_floor <= MAX_RATIO_FLOOR)
            and (measurement.ratio_admin is None or measurement.ratio_admin <= MAX_RATIO_ADMIN)
        )


def digests(world: World, *, sample: int, log: Callable[[str], None]) -> Measurement:
    """Build and render the pre-round digest of the current round for an even sample of its recipients (officials
    and delegates in their real proportion): digests per second, and queries per recipient."""
    from consultations.models import Round
    from consultations.services.digests import PRE, digest_recipients, render_digest

    current = Round.objects.get(pk=world.current_round_id)
    recipients = digest_recipients(round=current)
    step = max(1, len(recipients) // sample) if sample else 1
    chosen = recipients[::step][:sample] if sample else recipients
    started = time.perf_counter()
    for user in chosen:
        render_digest(round=current, user=user, kind=PRE)
    seconds = time.perf_counter() - started
    # Queries counted apart, so that recording them does not slow the timed pass.
    counted = chosen[:: max(1, len(chosen) // 20)]
    with CaptureQueriesContext(connection) as captured:
        for user in counted:
            render_digest(round=current, user=user, kind=PRE)
    rate = len(chosen) / seconds if seconds else 0.0
    per_recipient = len(captured.captured_queries) / len(counted) if counted else 0.0
    log(f"  digests: {len(chosen)} of {len(recipients)} recipients in {seconds:.1f} s")
    return Measurement(
        name="digests, one round",
        dataset=world.size,
        kind="digest",
        p50_ms=round(1000 * seconds / len(chosen), 2) if chosen else None,
        requests=len(chosen),
        ok=True,
        targets_met=rate >= DIGESTS_PER_SECOND,
        extra={
            "recipients": len(recipients),
            "sampled": len(chosen),
            "digests_per_second": round(rate, 1),
            "queries_per_recipient": round(per_recipient, 1),
        },
    )
