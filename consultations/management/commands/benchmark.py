"""`manage.py benchmark`: how the hot reads and writes behave at scale.

Fills the database with synthetic positions inside a transaction that is rolled back at the end, so it can run
against any database without leaving anything behind, then times the pages officials and delegates use most.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import resource
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import timezone

from consultations.models import (
    Chapter,
    Membership,
    OfficialProfile,
    Organisation,
    Position,
    PositionStatus,
    Priority,
    Round,
    Stance,
    User,
)
from consultations.selectors.dashboards import dashboard_round_summary
from consultations.selectors.positions import PositionFilters, position_list_for_organisation
from consultations.selectors.triage import TriageFilters, position_list_for_triage
from consultations.services import positions as position_services
from consultations.services.api_tokens import api_token_create


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the triage queue, dashboard, filing and the API at N positions (default 100,000); changes nothing."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--positions", type=int, default=100_000)
        parser.add_argument("--repeat", type=int, default=5)

    def handle(self, *args: Any, positions: int, repeat: int, **options: Any) -> None:
        try:
            with transaction.atomic(), override_settings(API_RATE_LIMIT_PER_MINUTE=10**9):
                self._run(positions, repeat)
                raise Rollback
        except Rollback:
            self.stdout.write("All benchmark data rolled back.")

    @staticmethod
    def _api_client(user: User) -> Client:
        _token, secret = api_token_create(
            by=user, name="benchmark", scope="write", expires_at=timezone.now() + dt.timedelta(hours=1)
        )
        host = (settings.ALLOWED_HOSTS or ["localhost"])[0].lstrip(".").replace("*", "localhost")
        return Client(headers={"Authorization": f"Bearer {secret}"}, HTTP_HOST=host)

    def _run(self, count: int, repeat: int) -> None:
        rng = random.Random(2026)
        now = timezone.now()
        chapters = list(Chapter.objects.all()) or [
            Chapter.objects.create(number=n, title_en=f"Chapter {n}", title_es=f"Capítulo {n}") for n in range(1, 35)
        ]
        round_ = Round.objects.create(
            label=f"Benchmark {uuid.uuid4().hex[:6]}",
            starts_on=(now + dt.timedelta(days=20)).date(),
            ends_on=(now + dt.timedelta(days=24)).date(),
            input_opens_at=now - dt.timedelta(days=30),
            submission_deadline=now + dt.timedelta(days=10),
        )
        organisations = Organisation.objects.bulk_create(
            Organisation(name=f"Benchmark org {uuid.uuid4().hex[:8]}") for _ in range(300)
        )
        author = User.objects.create_user(email=f"bench-{uuid.uuid4().hex[:8]}@example.mx")
        Membership.objects.create(user=author, organisation=organisations[0])
        coordinator = User.objects.create_user(email=f"bench-coord-{uuid.uuid4().hex[:8]}@example.mx")
        OfficialProfile.objects.create(user=coordinator, is_coordinator=True)
        official = User.objects.create_user(email=f"bench-off-{uuid.uuid4().hex[:8]}@example.mx")
        OfficialProfile.objects.create(user=official).chapters.set(chapters[:3])

        started = time.perf_counter()
        statuses = [PositionStatus.SUBMITTED] * 6 + [PositionStatus.IN_REVIEW] * 3 + [PositionStatus.NOTED]
        words = (
            "origen",
            "automotriz",
            "aranceles",
            "acero",
            "agricultura",
            "servicios",
            "digital",
            "inversión",
            "laboral",
            "energía",
        )
        batch = []
        for i in range(count):
            title = f"{rng.choice(words).capitalize()} {rng.choice(words)} {i}"
            batch.append(
                Position(
                    organisation=rng.choice(organisations),
                    chapter=rng.choice(chapters),
                    round=round_,
                    title=title,
                    summary=f"Posición sobre {title} y {rng.choice(words)}.",
                    stance=rng.choice(Stance.values),
                    priority=rng.choice(Priority.values),
                    is_red_flag=rng.random() < 0.05,
                    status=rng.choice(statuses),
                    filed_at=now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 20)),
                    created_by=author,
                )
            )
            if len(batch) == 5000:
                Position.objects.bulk_create(batch)
                batch = []
        Position.objects.bulk_create(batch)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE consultations_position")
        self.stdout.write(f"{count:,} positions created in {time.perf_counter() - started:.1f} s\n")

        def queue(user: User, filters: TriageFilters) -> Callable[[], object]:
            def run() -> object:
                queryset = position_list_for_triage(user=user, filters=filters)
                return queryset.count(), list(queryset[:50])

            return run

        def filing() -> object:
            draft = position_services.position_create(
                by=author,
                organisation=organisations[0],
                data={
                    "chapter": chapters[0],
                    "round": round_,
                    "title": "Benchmark",
                    "summary": "Benchmark",
                    "stance": Stance.DEFENSIVE,
                    "priority": Priority.HIGH,
                },
            )
            return position_services.position_file(by=author, position=draft)

        # Through the whole stack (middleware, token, rate limit, serialisation), as a client of the REST API.
        api = self._api_client(author)
        api_official = self._api_client(coordinator)

        def api_get(client: Client, path: str) -> Callable[[], object]:
            def run() -> object:
                response = client.get(path)
                assert response.status_code == 200, response.content[:300]
                return response

            return run

        def api_filing() -> object:
            created = api.post(
                "/api/v1/positions",
                data={
                    "chapter": chapters[0].pk,
                    "round": round_.pk,
                    "title": "Benchmark API",
                    "summary": "Benchmark",
                    "stance": "defensive",
                },
                content_type="application/json",
                headers={"Idempotency-Key": uuid.uuid4().hex},
            )
            assert created.status_code == 201, created.content[:300]
            filed = api.post(
                f"/api/v1/positions/{created.json()['id']}/file", headers={"Idempotency-Key": uuid.uuid4().hex}
            )
            assert filed.status_code == 200, filed.content[:300]
            return filed

        cases: list[tuple[str, Callable[[], object]]] = [
            ("triage queue, coordinator, first page", queue(coordinator, TriageFilters())),
            (
                "triage queue, coordinator, page 100 offset",
                lambda: list(position_list_for_triage(user=coordinator, filters=TriageFilters())[4950:5000]),
            ),
            ("triage queue, official (3 chapters)", queue(official, TriageFilters())),
            (
                "triage queue, status+chapter filter",
                queue(coordinator, TriageFilters(statuses=("submitted",), chapter_id=chapters[3].pk)),
            ),
            ("triage queue, priority sort", queue(coordinator, TriageFilters(sort="priority"))),
            ("triage queue, full-text search", queue(coordinator, TriageFilters(query="automotriz"))),
            ("dashboard, coordinator", lambda: dashboard_round_summary(user=coordinator, round=round_)),
            (
                "our positions, delegate",
                lambda: list(position_list_for_organisation(user=author, filters=PositionFilters())[:25]),
            ),
            ("create + file a position", filing),
            ("API: our positions, page of 100", api_get(api, "/api/v1/positions?limit=100")),
            ("API: triage queue, page of 100", api_get(api_official, "/api/v1/triage/queue?limit=100")),
            (
                "API: triage queue, filtered, page of 100",
                api_get(api_official, f"/api/v1/triage/queue?limit=100&status=submitted&chapter={chapters[3].pk}"),
            ),
            ("API: create + file a position", api_filing),
        ]
        self.stdout.write(f"{'case':<46}{'median ms':>12}{'p95 ms':>10}{'max ms':>10}")
        for name, run in cases:
            timings = []
            for _ in range(repeat):
                start = time.perf_counter()
                run()
                timings.append((time.perf_counter() - start) * 1000)
            p95 = sorted(timings)[max(0, math.ceil(0.95 * len(timings)) - 1)]
            self.stdout.write(f"{name:<46}{statistics.median(timings):>12.1f}{p95:>10.1f}{max(timings):>10.1f}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(f"peak memory of this process: {peak:.0f} MB")
