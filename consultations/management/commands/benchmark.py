"""`manage.py benchmark`: how the hot reads and writes behave at scale.

Fills the database with synthetic positions inside a transaction that is rolled back at the end, so it can run
against any database without leaving anything behind, then times the pages officials and delegates use most.
"""

from __future__ import annotations

import datetime as dt
import random
import resource
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, transaction
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


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the triage queue, dashboard and filing at N positions (default 100,000); changes nothing."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--positions", type=int, default=100_000)
        parser.add_argument("--repeat", type=int, default=5)

    def handle(self, *args: Any, positions: int, repeat: int, **options: Any) -> None:
        try:
            with transaction.atomic():
                self._run(positions, repeat)
                raise Rollback
        except Rollback:
            self.stdout.write("All benchmark data rolled back.")

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
        ]
        self.stdout.write(f"{'case':<46}{'median ms':>12}{'max ms':>10}")
        for name, run in cases:
            timings = []
            for _ in range(repeat):
                start = time.perf_counter()
                run()
                timings.append((time.perf_counter() - start) * 1000)
            self.stdout.write(f"{name:<46}{statistics.median(timings):>12.1f}{max(timings):>10.1f}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(f"peak memory of this process: {peak:.0f} MB")
