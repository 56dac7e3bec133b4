"""The `make run` path: `manage.py runall` on a fresh machine, with nothing configured.

The command runs in its own process group with its own var folder, so it starts its own embedded PostgreSQL and
uses the filesystem broker, independent of the test database. The test checks that the web answers, that a task
sent through the broker from outside the tree comes back from the tree's worker, and that Ctrl-C (SIGINT to the
process group, as a terminal sends it) stops web, worker, beat and the database, leaving nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import celery
import psutil
import pytest

from consultations.reference.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from tests.e2e.support import (
    ROOT,
    OutputLog,
    child_env,
    filesystem_broker_config,
    free_port,
    kill_group,
    python_executable,
    short_tmp_dir,
    wait_for,
)
from usmca import embedded

pytestmark = [pytest.mark.slow, pytest.mark.timeout(360)]

START_TIMEOUT = 120
TASK_TIMEOUT = 60
STOP_TIMEOUT = 60


def get_login_page(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a local http URL
            return response.status, response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, ""
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return 0, ""


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a local http URL
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), b""


def belongs_to_run(process: psutil.Process, var_dir: Path) -> bool:
    """Whether a process was started for this run: it names the var folder or carries it in its environment."""
    try:
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        if str(var_dir) in " ".join(process.cmdline()):
            return True
        return process.environ().get("USMCA_VAR_DIR") == str(var_dir)
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def processes_of(var_dir: Path, tree: list[psutil.Process]) -> list[psutil.Process]:
    """Processes still alive that belong to the run: its recorded tree, or anything tied to its var folder."""
    alive = {}
    for process in tree:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess):
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive[process.pid] = process
    for process in psutil.process_iter():
        if process.pid not in alive and belongs_to_run(process, var_dir):
            alive[process.pid] = process
    return list(alive.values())


def describe(processes: list[psutil.Process]) -> str:
    lines = []
    for process in processes:
        with contextlib.suppress(psutil.Error):
            lines.append(f"{process.pid} {' '.join(process.cmdline())}")
    return "\n".join(lines)


def test_make_run_serves_runs_tasks_and_stops_cleanly_on_ctrl_c() -> None:
    var_dir = short_tmp_dir()
    pgdata = var_dir / "pgdata"
    port = free_port()
    log = OutputLog(var_dir / "runall.log")
    output = log.path.open("wb")
    started = time.monotonic()
    process = subprocess.Popen(
        [python_executable(), "manage.py", "runall", "--port", str(port)],
        cwd=ROOT,
        env=child_env(var_dir),
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    tree: list[psutil.Process] = []
    client = None
    try:
        # --- The web answers with the sign-in form ----------------------------------------------------------
        login_url = f"http://127.0.0.1:{port}/accounts/login/"

        def web_is_up() -> bool:
            if process.poll() is not None:
                pytest.fail(
                    f"runall exited early with code {process.returncode}.\n--- output tail ---\n{log.tail()}",
                    pytrace=False,
                )
            status, body = get_login_page(login_url)
            return status == 200 and 'name="login"' in body and 'name="password"' in body

        wait_for(web_is_up, timeout=START_TIMEOUT, what=f"{login_url} to show the sign-in form", log=log)
        startup_seconds = time.monotonic() - started

        text = log.text()
        assert f"Demo sign-ins (password for all: {DEMO_PASSWORD})" in text, log.tail()
        for account in DEMO_ACCOUNTS:
            assert account["email"] in text, f"demo sign-in {account['email']} not printed.\n{log.tail()}"
        assert "database: embedded PostgreSQL, broker: filesystem" in text, log.tail()
        assert embedded.is_running(pgdata), f"no embedded PostgreSQL in {pgdata}.\n{log.tail()}"

        # --- gunicorn serves the pages, WhiteNoise the static files (not Django's development server) -----------
        assert "web: gunicorn" in text, log.tail()
        status, headers, _ = fetch(login_url)
        assert status == 200 and headers.get("Server", "").startswith("gunicorn"), (status, headers)
        status, headers, body = fetch(f"http://127.0.0.1:{port}/static/css/app.css")
        assert status == 200, f"static file answered {status}.\n{log.tail()}"
        assert headers.get("Content-Type", "").startswith("text/css"), headers
        assert body == (ROOT / "static" / "css" / "app.css").read_bytes()
        assert headers.get("Server", "").startswith("gunicorn"), headers

        # --- A task sent from outside the tree comes back from the tree's worker ----------------------------
        client = celery.Celery("e2e-make-run-client")
        client.conf.update(filesystem_broker_config(var_dir))
        result = client.send_task("consultations.tasks.health_ping")
        try:
            answer = result.get(timeout=TASK_TIMEOUT)
        except Exception as error:  # reported with the tree's output
            pytest.fail(f"health_ping did not come back: {error!r}\n--- output tail ---\n{log.tail()}", pytrace=False)
        assert answer == "pong"

        # --- Ctrl-C stops everything -------------------------------------------------------------------------
        tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
        assert len(tree) >= 4, f"expected runall with web, worker and beat, found {[p.cmdline() for p in tree]}"
        assert any("gunicorn" in " ".join(p.cmdline()) for p in tree), [p.cmdline() for p in tree]
        stop_started = time.monotonic()
        os.killpg(process.pid, signal.SIGINT)
        try:
            returncode = process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"runall still running {STOP_TIMEOUT}s after Ctrl-C.\n--- output tail ---\n{log.tail()}")
        stop_seconds = time.monotonic() - stop_started
        assert returncode == 0, f"runall exited with {returncode} after Ctrl-C.\n--- output tail ---\n{log.tail()}"
        assert "Embedded PostgreSQL stopped." in log.text(), log.tail()

        deadline = time.monotonic() + 10
        while (left := processes_of(var_dir, tree)) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not left, f"processes left after Ctrl-C:\n{describe(left)}\n--- output tail ---\n{log.tail()}"
        assert not embedded.is_running(pgdata), f"the embedded PostgreSQL of {pgdata} still runs"
        print(f"runall: up in {startup_seconds:.1f}s, stopped in {stop_seconds:.1f}s")
    finally:
        if client is not None:
            client.close()
        kill_group(process)
        # Best effort, database first (a clean stop), then anything of the run still alive.
        with contextlib.suppress(Exception):
            embedded.stop(pgdata)
        for leftover in processes_of(var_dir, tree):
            if leftover.pid != os.getpid():
                with contextlib.suppress(psutil.Error):
                    leftover.kill()
        output.close()
        shutil.rmtree(var_dir, ignore_errors=True)
