"""`make run`: the whole app as one process tree — web, Celery worker and beat — on the embedded defaults.

The web is gunicorn, as in production, with static files through WhiteNoise; ``--dev`` (``make run-dev``) runs
Django's development server instead. Ctrl-C stops every process, and the embedded PostgreSQL too when this command
started it.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from honcho.manager import Manager

from consultations.reference.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_TOTP_SECRET
from usmca import embedded


def child_env(host: str, port: int) -> dict[str, str]:
    """The environment of web, worker and beat."""
    env = os.environ.copy()
    # The children use the server this process started instead of each probing for it.
    env["DATABASE_URL"] = settings.DATABASE_URL
    env["PYTHONUNBUFFERED"] = "1"
    # Links in e-mails point at this server, whatever port it was given, unless a site URL was configured.
    env.setdefault("SITE_URL", f"http://{host}:{port}")
    return env


def web_command(host: str, port: int, *, dev: bool, workers: int) -> str:
    """gunicorn as production runs it (a newcomer's first impression and the deadline-night test meet the real
    server: several processes, no auto-reload, static files from WhiteNoise), or Django's development server."""
    python = sys.executable
    if dev:
        return f"{python} manage.py runserver {host}:{port} --noreload"
    # Two threads per worker: a slow request (an export, a dashboard) does not hold up the next page.
    return (
        f"{python} -m gunicorn usmca.wsgi:application --bind {host}:{port} --workers {workers} --threads 2"
        " --timeout 120 --graceful-timeout 5 --access-logfile - --log-level info"
    )


class Command(BaseCommand):
    help = "Migrate, load USMCA and demo data once, then run web + worker + beat until Ctrl-C."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-demo", action="store_true", help="Load reference data only, no demo data.")
        parser.add_argument(
            "--dev", action="store_true", help="Serve with Django's development server instead of gunicorn."
        )
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")), help="gunicorn workers"
        )

    def handle(self, *args: Any, host: str, port: int, no_demo: bool, dev: bool, workers: int, **options: Any) -> None:
        try:
            self._prepare(no_demo=no_demo)
            server = "Django's development server" if dev else f"gunicorn, {workers} workers"
            self._print_welcome(host, port, demo=not no_demo, server=server)
            exit_code = self._run(host, port, web_command(host, port, dev=dev, workers=workers))
        finally:
            if settings.EMBEDDED_DATABASE:
                from django.db import connections

                connections.close_all()
                embedded.stop(settings.EMBEDDED_PG_DIR)
                self.stdout.write("Embedded PostgreSQL stopped.")
        sys.exit(exit_code)

    def _prepare(self, *, no_demo: bool) -> None:
        for folder in ("mail", "cache"):
            (settings.VAR_DIR / folder).mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_usmca", verbosity=0)
        if not no_demo:
            call_command("seed_demo", verbosity=0)

    def _print_welcome(self, host: str, port: int, *, demo: bool, server: str) -> None:
        url = f"http://{host}:{port}"
        database = "embedded PostgreSQL" if settings.EMBEDDED_DATABASE else "DATABASE_URL"
        broker = "filesystem" if settings.CELERY_BROKER_URL == "filesystem://" else "Redis"
        self.stdout.write(
            self.style.SUCCESS(f"\nCuarto de Junto on {url}  (web: {server}, database: {database}, broker: {broker})")
        )
        if settings.LOCAL_MAIL_DIR:
            self.stdout.write(f"Outgoing e-mail: {settings.LOCAL_MAIL_DIR} — and {url}/dev/mail/ for staff")
        if demo:
            self.stdout.write(f"\nDemo sign-ins (password for all: {DEMO_PASSWORD}):")
            for account in DEMO_ACCOUNTS:
                self.stdout.write(f"  {account['email']:<45} {account['role_en']}")
            self.stdout.write(
                "Staff accounts (officials, negotiator, coordinator, admin) then ask for a code: add the secret "
                f"{DEMO_TOTP_SECRET} to an authenticator app, or run `manage.py demo_code`."
            )
        self.stdout.write("\nCtrl-C stops web, worker, beat and the embedded database.\n")

    def _run(self, host: str, port: int, web: str) -> int:
        env = child_env(host, port)
        python = sys.executable
        manager = Manager()
        manager.add_process("web", web, env=env)
        manager.add_process("worker", f"{python} -m celery -A usmca worker -l info --concurrency 2", env=env)
        manager.add_process(
            "beat",
            f"{python} -m celery -A usmca beat -l info --schedule {settings.CELERY_BEAT_SCHEDULE_FILENAME}",
            env=env,
        )
        manager.loop()
        # Ctrl-C (130) and SIGTERM (143) are the normal way to stop the tree.
        return 0 if manager.returncode in (None, 130, 143) else manager.returncode
