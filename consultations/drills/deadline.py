"""Deadline night: many delegates of different organisations open the form, save a draft, save it again and file
it, all at once, through real HTTP (sessions and CSRF) against a live multi-process server and the real database.

Used by ``manage.py drill_deadline`` (``make drill-deadline``), the live-server test and the locust load test,
whose accounts come from ``seed_delegates`` as well.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from consultations.models import Chapter, Membership, Organisation, Position, PositionStatus, Round, User

DRILL_DOMAIN = "drill.cuartodejunto.invalid"
SESSION_COOKIE = "sessionid"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CLIENT_TOKEN_INPUT = re.compile(r'name="client_token" value="([^"]+)"')
VERSION_INPUT = re.compile(r'name="version" value="(\d+)"')
POSITION_URL = re.compile(r"/positions/(\d+)/$")


@dataclass(frozen=True)
class Delegate:
    user_id: int
    email: str
    session_key: str


@dataclass(frozen=True)
class Scenario:
    round_id: int
    chapter_id: int
    delegates: list[Delegate]


def seed_delegates(
    *, delegates: int, organisations: int | None = None, password: str | None = None, label: str = ""
) -> Scenario:
    """A round open for input (deadline tomorrow), one chapter, ``organisations`` organisations (one per delegate by
    default) without sign-off, and ``delegates`` delegate accounts spread over them, each already signed in: a
    session is stored for each, so the drill measures filing, not password hashing. Committed at once."""
    organisations = organisations or delegates
    run = uuid.uuid4().hex[:8]
    now = timezone.now()
    with transaction.atomic():
        chapter = Chapter.objects.filter(number=4).first() or Chapter.objects.create(
            number=4, title_en="Rules of Origin", title_es="Reglas de Origen"
        )
        starts_on = (now + dt.timedelta(days=10)).date()
        round = Round.objects.create(
            label=label or f"Simulacro de cierre {run}",
            starts_on=starts_on,
            ends_on=starts_on + dt.timedelta(days=3),
            input_opens_at=now - dt.timedelta(days=7),
            submission_deadline=now + dt.timedelta(days=1),
            digest_at=now + dt.timedelta(days=2),
        )
        orgs = Organisation.objects.bulk_create(
            Organisation(name=f"Cámara de simulacro {run}-{i:03d}", acronym=f"S{i:03d}") for i in range(organisations)
        )
        hashed = make_password(password) if password else make_password(None)
        users = User.objects.bulk_create(
            User(
                email=f"delegado-{run}-{i:03d}@{DRILL_DOMAIN}",
                full_name=f"Delegado de simulacro {i:03d}",
                password=hashed,
            )
            for i in range(delegates)
        )
        Membership.objects.bulk_create(
            Membership(user=user, organisation=orgs[i % organisations], role=Membership.Role.DELEGATE)
            for i, user in enumerate(users)
        )
    backend = "django.contrib.auth.backends.ModelBackend"
    seeded = []
    for user in users:
        session = SessionStore()
        session.update(
            {
                "_auth_user_id": str(user.pk),
                "_auth_user_backend": backend,
                "_auth_user_hash": user.get_session_auth_hash(),
            }
        )
        session.create()
        seeded.append(Delegate(user_id=user.pk, email=user.email, session_key=session.session_key))
    return Scenario(round_id=round.pk, chapter_id=chapter.pk, delegates=seeded)


class Browser:
    """One delegate's browser: its cookies (session, CSRF), plain HTTP/1.1, redirects not followed."""

    def __init__(self, base_url: str, session_key: str, timeout: float) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self.cookies = {SESSION_COOKIE: session_key}

    def request(self, method: str, path: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
            body = None
            if data is not None:
                body = urllib.parse.urlencode(data)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(header)
                for name, morsel in cookie.items():
                    if morsel.value and morsel["max-age"] != "0":
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
            return response.status, text, response.headers.get("Location", "")
        finally:
            connection.close()


@dataclass
class Run:
    """What one delegate saw: the answer of each step, and the position it ended with."""

    statuses: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    position_id: int | None = None
    filed: bool = False  # the "file" click was answered with the redirect that files
    error: str = ""


def _step(run: Run, name: str, browser: Browser, method: str, path: str, data: dict[str, str] | None = None):
    started = time.monotonic()
    status, text, location = browser.request(method, path, data)
    run.seconds[name] = time.monotonic() - started
    run.statuses[name] = status
    return status, text, location


def _form_values(text: str) -> dict[str, str]:
    values = {}
    for name, pattern in (("csrfmiddlewaretoken", CSRF_INPUT), ("client_token", CLIENT_TOKEN_INPUT)):
        if match := pattern.search(text):
            values[name] = match.group(1)
    if match := VERSION_INPUT.search(text):
        values["version"] = match.group(1)
    return values


def _content(scenario: Scenario, delegate: Delegate, title: str) -> dict[str, str]:
    return {
        "chapter": str(scenario.chapter_id),
        "round": str(scenario.round_id),
        "title": title,
        "summary": f"Posición de simulacro de {delegate.email}.",
        "body": "Texto completo de la posición, escrito la última noche antes del cierre.",
        "stance": "defensive",
        "priority": "high",
        "confidentiality": "government",
        "hs_lines": "8708.29",
        "exports_usd": "1000000",
        "jobs": "120",
    }


def file_one(
    base_url: str, scenario: Scenario, delegate: Delegate, start: threading.Barrier, timeout: float, spread: float
) -> Run:
    """Open the form, save a draft, open it again, save it again, and file it."""
    run = Run()
    browser = Browser(base_url, delegate.session_key, timeout)
    try:
        status, text, _ = _step(run, "open_form", browser, "GET", "/positions/new/")
        if status != 200:
            return run
        with contextlib.suppress(threading.BrokenBarrierError):
            start.wait(timeout=timeout)
        # The last minute, not the last millisecond: arrivals spread over a moment, so that one delegate's first
        # save commits while others of the same organisation file.
        time.sleep(spread * (delegate.user_id % 10) / 10)
        data = _content(scenario, delegate, f"Simulacro {delegate.user_id}") | _form_values(text)
        status, _, location = _step(run, "save_draft", browser, "POST", "/positions/new/", data)
        match = POSITION_URL.search(location)
        if status != 302 or not match:
            return run
        run.position_id = int(match.group(1))
        status, text, _ = _step(run, "open_draft", browser, "GET", f"/positions/{run.position_id}/edit/")
        if status != 200:
            return run
        data = _content(scenario, delegate, f"Simulacro {delegate.user_id} (revisada)") | _form_values(text)
        status, _, _ = _step(run, "save_again", browser, "POST", f"/positions/{run.position_id}/edit/", data)
        if status != 302:
            return run
        status, text, _ = _step(run, "open_position", browser, "GET", f"/positions/{run.position_id}/")
        data = _form_values(text)
        status, _, location = _step(run, "file", browser, "POST", f"/positions/{run.position_id}/file/", data)
        run.filed = status == 302 and POSITION_URL.search(location) is not None
    except (OSError, http.client.HTTPException) as error:
        run.error = f"{type(error).__name__}: {error}"
    return run


@dataclass
class Outcome:
    expected: int
    filed_once: int
    duplicated: int
    lost: int
    server_errors: int
    failed_requests: int  # answers that were neither the page nor the redirect expected (4xx, connection errors)
    seconds: float
    step_statuses: dict[str, Counter] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (
            self.filed_once == self.expected
            and not self.duplicated
            and not self.lost
            and not self.server_errors
            and not self.failed_requests
        )

    def report(self) -> str:
        lines = [
            f"expected filed once : {self.expected}",
            f"observed filed once : {self.filed_once}",
            f"duplicated          : {self.duplicated}",
            f"lost                : {self.lost}",
            f"5xx answers         : {self.server_errors}",
            f"other failures      : {self.failed_requests}",
            f"wall time           : {self.seconds:.1f} s",
        ]
        for step, statuses in self.step_statuses.items():
            lines.append(f"  {step:<14} " + ", ".join(f"{code}×{n}" for code, n in sorted(statuses.items())))
        return "\n".join(lines)


def run_drill(*, base_url: str, scenario: Scenario, timeout: float = 60.0, spread: float = 1.0) -> Outcome:
    """Every delegate at once; then count from the database what each one ended with."""
    delegates = scenario.delegates
    start = threading.Barrier(len(delegates))
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(delegates)) as pool:
        runs = list(pool.map(lambda d: file_one(base_url, scenario, d, start, timeout, spread), delegates))
    seconds = time.monotonic() - began
    per_user = {
        row["created_by"]: row
        for row in Position.objects.filter(round_id=scenario.round_id, created_by__in=[d.user_id for d in delegates])
        .values("created_by")
        .annotate(total=Count("id"), filed=Count("id", filter=~Q(status__in=[PositionStatus.DRAFT])))
    }
    step_statuses: dict[str, Counter] = {}
    expected_status = {"open_form": 200, "open_draft": 200, "open_position": 200}
    server_errors = failed = lost = filed_once = duplicated = 0
    for delegate, run in zip(delegates, runs, strict=True):
        for step, status in run.statuses.items():
            step_statuses.setdefault(step, Counter())[status] += 1
            if status >= 500:
                server_errors += 1
            elif status != expected_status.get(step, 302):
                failed += 1
        if run.error:
            failed += 1
        row = per_user.get(delegate.user_id, {"total": 0, "filed": 0})
        duplicated += max(0, row["total"] - 1)
        if row["total"] >= 1 and row["filed"] == 1:
            filed_once += 1
        if run.filed and row["filed"] == 0:
            lost += 1
    return Outcome(
        expected=len(delegates),
        filed_once=filed_once,
        duplicated=duplicated,
        lost=lost,
        server_errors=server_errors,
        failed_requests=failed,
        seconds=seconds,
        step_statuses=step_statuses,
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    quote = urllib.parse.quote
    credentials = quote(settings_dict.get("USER") or "postgres", safe="")
    if settings_dict.get("PASSWORD"):
        credentials += ":" + quote(settings_dict["PASSWORD"], safe="")
    host = quote(settings_dict.get("HOST") or "127.0.0.1", safe="")
    port = settings_dict.get("PORT") or 5432
    return f"postgresql://{credentials}@{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


@contextlib.contextmanager
def gunicorn(*, workers: int, database: str, log_path: Path, ready_timeout: float = 60.0) -> Iterator[str]:
    """A gunicorn with ``workers`` sync worker processes on a free loopback port, against ``database`` (a URL);
    yields its base URL and stops it (the whole process group) on the way out."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database, "PYTHONUNBUFFERED": "1", "DJANGO_SETTINGS_MODULE": "usmca.settings"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "usmca.wsgi:application",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
        "--backlog",
        "2048",
        "--log-level",
        "warning",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                status, _, _ = Browser(base_url, "", 5).request("GET", "/accounts/login/")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn not ready after {ready_timeout:.0f} s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.3)
        yield base_url
    finally:
        _stop(process)


def _stop(process: subprocess.Popen, grace: float = 15.0) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)


@contextlib.contextmanager
def throwaway_database() -> Iterator[str]:
    """A fresh database on the configured server, migrated, made the default connection's for the duration, then
    dropped: drill accounts and positions never land in a real database."""
    from django.core.management import call_command
    from django.db import connection, connections

    original = settings.DATABASES["default"]["NAME"]
    name = f"{original}_drill_{uuid.uuid4().hex[:8]}"

    def switch(to: str) -> None:
        connections.close_all()
        settings.DATABASES["default"]["NAME"] = to
        connection.settings_dict["NAME"] = to

    with connection._nodb_cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        switch(name)
        call_command("migrate", verbosity=0)
        yield name
    finally:
        switch(original)
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
