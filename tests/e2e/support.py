"""Helpers of the end-to-end tests: Chromium for Playwright, free ports, child environments, subprocess output."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from usmca import broker

ROOT = Path(__file__).resolve().parents[2]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
SCREENSHOT_DIR = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# Variables that would point a child process at the test run's (or a developer's) services instead of its own.
SERVICE_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")


def python_executable() -> str:
    return str(VENV_PYTHON if VENV_PYTHON.exists() else Path(sys.executable))


def require_chromium() -> None:
    """Skip when Chromium is missing on a developer machine; in CI a missing browser is a failure."""
    if CHROMIUM.exists():
        return
    message = f"Chromium not found at {CHROMIUM} (install Debian's chromium: `make browser`)."
    if os.environ.get("CI"):
        pytest.fail(f"{message} Browser tests must run in CI.", pytrace=False)
    pytest.skip(message, allow_module_level=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def short_tmp_dir(prefix: str = "cdj-") -> Path:
    """A short folder under /tmp: the embedded PostgreSQL's Unix socket path must stay under ~100 bytes."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))


def child_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a child process that must use its own var folder and the embedded defaults."""
    env = {key: value for key, value in os.environ.items() if key not in SERVICE_VARIABLES}
    env.update(
        USMCA_VAR_DIR=str(var_dir),
        EMBEDDED_PG_DIR=str(var_dir / "pgdata"),
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="usmca.settings",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(extra)
    return env


def filesystem_broker_config(var_dir: Path) -> dict[str, object]:
    """Celery settings equal to usmca.settings' filesystem defaults for ``USMCA_VAR_DIR=var_dir``."""
    return {
        "broker_url": "filesystem://",
        "broker_transport_options": broker.filesystem_transport_options(var_dir),
        "result_backend": broker.filesystem_result_backend(var_dir),
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
    }


def make_broker_folders(var_dir: Path) -> None:
    broker.make_folders(var_dir)


class OutputLog:
    """Collects a subprocess's combined output from a file, for assertions and failure messages."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def text(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.text().splitlines()[-lines:])


def wait_for(
    condition: Callable[[], bool], *, timeout: float, interval: float = 0.5, what: str, log: OutputLog | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    tail = f"\n--- output tail ---\n{log.tail()}" if log else ""
    pytest.fail(f"Timed out after {timeout:.0f}s waiting for {what}.{tail}", pytrace=False)


def kill_group(process: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop a subprocess started with start_new_session=True and everything in its process group.

    Only while the group leader has not been reaped: its pid (the group id) cannot have been reused until then.
    Processes that outlive a leader which already exited are the caller's to track (see test_make_run).
    """
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
