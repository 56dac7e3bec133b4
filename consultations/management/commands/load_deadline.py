"""Deadline night under load: 300 signed-in delegates of 30 organisations against gunicorn with 12 workers, driven
by locust (loadtest/locustfile.py) headless for 60 seconds on a loopback port, in a throwaway database. Prints
locust's percentiles, throughput and failures per step, and what the database kept (filed once, duplicated)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import Count

from consultations.drills.deadline import database_url, gunicorn, seed_delegates, throwaway_database
from consultations.models import Position, PositionStatus


class Command(BaseCommand):
    help = "Load-test deadline night with locust against gunicorn (throwaway database, loopback only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--delegates", type=int, default=300)
        parser.add_argument("--organisations", type=int, default=30)
        parser.add_argument("--workers", type=int, default=12)
        parser.add_argument("--seconds", type=int, default=60)
        parser.add_argument("--spawn-rate", type=int, default=50)

    def handle(self, *args, **options) -> None:
        folder = Path(tempfile.mkdtemp(prefix="cdj-load-"))
        with throwaway_database():
            scenario = seed_delegates(delegates=options["delegates"], organisations=options["organisations"])
            accounts = folder / "accounts.json"
            accounts.write_text(
                json.dumps(
                    {
                        "round": scenario.round_id,
                        "chapter": scenario.chapter_id,
                        "delegates": [d.session_key for d in scenario.delegates],
                    }
                )
            )
            url = database_url(connection.settings_dict)
            with gunicorn(workers=options["workers"], database=url, log_path=folder / "gunicorn.log") as base_url:
                command = [
                    sys.executable,
                    "-m",
                    "locust",
                    "-f",
                    str(settings.BASE_DIR / "loadtest" / "locustfile.py"),
                    "--headless",
                    "--users",
                    str(options["delegates"]),
                    "--spawn-rate",
                    str(options["spawn_rate"]),
                    "--run-time",
                    f"{options['seconds']}s",
                    "--stop-timeout",
                    "15",
                    "--host",
                    base_url,
                    "--csv",
                    str(folder / "locust"),
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                ]
                env = {**os.environ, "LOAD_ACCOUNTS": str(accounts)}
                subprocess.run(command, env=env, timeout=options["seconds"] + 120, check=False)
            rows = Position.objects.filter(round_id=scenario.round_id).values("created_by").annotate(n=Count("id"))
            filed = Position.objects.filter(round_id=scenario.round_id, status=PositionStatus.SUBMITTED).count()
            duplicated = sum(max(0, row["n"] - 1) for row in rows)
        stats = list(csv.DictReader((folder / "locust_stats.csv").open()))
        self.stdout.write(
            f"{'step':<20}{'requests':>9}{'failures':>9}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'req/s':>8}"
        )
        for row in stats:
            self.stdout.write(
                f"{row['Name']:<20}{row['Request Count']:>9}{row['Failure Count']:>9}{row['50%']:>8}"
                f"{row['95%']:>8}{row['99%']:>8}{float(row['Requests/s']):>8.1f}"
            )
        self.stdout.write(f"filed positions: {filed} of {options['delegates']} delegates; duplicated: {duplicated}")
        self.stdout.write(f"locust CSV and gunicorn log: {folder}")
        aggregated = next((row for row in stats if row["Name"] == "Aggregated"), None)
        if duplicated or aggregated is None or int(aggregated["Failure Count"]):
            raise CommandError("Load test: failures or duplicates (see above).")
