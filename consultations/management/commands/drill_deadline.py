"""Deadline night drill: N delegates of M organisations open the form, save a draft twice and file it, all at once,
against a live gunicorn with several workers; prints expected versus observed counts and exits non-zero on any
loss, duplicate, 5xx or failed request.

Everything happens in a throwaway database on the configured PostgreSQL server (created, migrated and dropped
here), so no drill account or position is left in a real database.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from consultations.drills.deadline import database_url, gunicorn, run_drill, seed_delegates, throwaway_database


class Command(BaseCommand):
    help = "Run the deadline-night filing drill against a live multi-worker gunicorn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--delegates", type=int, default=60)
        parser.add_argument("--organisations", type=int, default=6)
        parser.add_argument("--workers", type=int, default=6, help="gunicorn worker processes")
        parser.add_argument("--spread", type=float, default=1.0, help="seconds over which the first saves arrive")
        parser.add_argument(
            "--in-place", action="store_true", help="use the configured database itself (the drill rows stay)"
        )

    def handle(self, *args, **options) -> None:
        database = contextlib.nullcontext() if options["in_place"] else throwaway_database()
        with database:
            scenario = seed_delegates(delegates=options["delegates"], organisations=options["organisations"])
            log = Path(tempfile.mkdtemp(prefix="cdj-drill-")) / "gunicorn.log"
            self.stdout.write(
                f"{options['delegates']} delegates of {options['organisations']} organisations, "
                f"gunicorn with {options['workers']} workers (log: {log})"
            )
            url = database_url(connection.settings_dict)
            with gunicorn(workers=options["workers"], database=url, log_path=log) as base_url:
                outcome = run_drill(base_url=base_url, scenario=scenario, spread=options["spread"])
        self.stdout.write(outcome.report())
        if not outcome.ok:
            raise CommandError("Deadline drill failed: a filing was lost, duplicated or answered with an error.")
        self.stdout.write(self.style.SUCCESS("Deadline drill passed: every filing stored once, no 5xx."))
