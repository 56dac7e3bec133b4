"""A delivery stack for the fault drills: its own Redis, an SMTP sink, Celery workers and beat, all on loopback.

- ``RedisServer``: a redis-server on a free port with no persistence, so a restart loses every queued task.
- ``SmtpSink``: aiosmtpd on a free port, stopped and started on the same port. ``mode`` is "accept", "drop" (take
  the whole message, then close the connection without an answer) or "hold" (take it and answer nothing until
  ``release``). Every message handed over in full counts as received: the relay would deliver it.
- ``CeleryProcess``: a worker (``--pool solo``) or beat (which also runs the outbox relay) as a child process on
  the test database, the sink and the Redis, with the delivery timings shrunk by environment variables.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import logging
import os
import signal
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from aiosmtpd.controller import Controller

from tests.e2e.support import ROOT, OutputLog, child_env, free_port, kill_group, python_executable, wait_for

READY_TIMEOUT = 90
logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO

# Delivery timings of the drills (seconds): a retry schedule spanning ~20 s instead of 98 minutes, a 4 s lease,
# the reconciler every second, lost tasks re-published after 4 s.
DRILL_TIMINGS = {
    "DELIVERY_RETRY_SCHEDULE": "1,2,2,3,3,4,5",
    "DELIVERY_LEASE": "4",
    "DELIVERY_EXPECTED_WITHIN": "4",
    "OUTBOX_EXPECTED_WITHIN": "4",
    "DELIVERY_RECONCILE_EVERY": "1",
    "OUTBOX_RELAY_INTERVAL": "0.2",
    "EMAIL_TIMEOUT": "30",
    # Status-change e-mails wait 1 s for more changes to the same position, then the reconciler sends them.
    "NOTIFICATION_BATCH_WINDOW": "1",
}


class RedisServer:
    def __init__(self, var_dir: Path) -> None:
        self.port = free_port()
        self.var_dir = var_dir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            + ["--dir", str(self.var_dir), "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        wait_for(answers, timeout=20, interval=0.1, what=f"redis-server on port {self.port}")
        client.close()
        return self

    def stop(self) -> None:
        """SIGKILL: nothing is saved; whatever was queued is gone."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def queued(self) -> int:
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)
        try:
            return int(client.llen("celery"))
        finally:
            client.close()


@dataclass
class Mail:
    recipients: list[str]
    subject: str
    acknowledged: bool


class SmtpSink:
    def __init__(self) -> None:
        self.port = free_port()
        self.lock = threading.Lock()
        self.mails: list[Mail] = []
        self.mode = "accept"
        self.mode_limit: int | None = None  # how many messages the mode applies to, then back to "accept"
        self.held = threading.Event()
        self.held_recipients: list[str] = []
        self.release = threading.Event()
        self.controller: Controller | None = None

    # aiosmtpd calls this for every message handed over in full.
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        recipients = [address.lower() for address in envelope.rcpt_tos]
        message = email.message_from_bytes(envelope.original_content or b"", policy=email.policy.default)
        mode = self._take_mode()
        with self.lock:
            self.mails.append(Mail(recipients, str(message["subject"]), acknowledged=mode == "accept"))
        if mode == "accept":
            return "250 OK queued"
        if mode == "hold":
            self.held_recipients = recipients
            self.held.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 300)
        server.transport.close()  # the answer never comes
        return "250 OK queued"

    def _take_mode(self) -> str:
        with self.lock:
            mode = self.mode
            if self.mode_limit is not None:
                self.mode_limit -= 1
                if self.mode_limit <= 0:
                    self.mode, self.mode_limit = "accept", None
            return mode

    def start(self) -> SmtpSink:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, ready_timeout=10)
        self.controller.start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
        self.release.clear()

    def per_recipient(self) -> Counter[str]:
        with self.lock:
            return Counter(address for mail in self.mails for address in mail.recipients)

    def per_recipient_subject(self) -> Counter[tuple[str, str]]:
        with self.lock:
            return Counter((address, mail.subject) for mail in self.mails for address in mail.recipients)

    def count(self) -> int:
        with self.lock:
            return len(self.mails)


class CeleryProcess:
    def __init__(self, var_dir: Path, name: str, command: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.command = command
        self.env = env
        self.log = OutputLog(var_dir / f"{name}.log")
        self.process: subprocess.Popen | None = None
        self._output: Any = None

    def start(self, ready: str) -> CeleryProcess:
        self._output = self.log.path.open("ab")
        self.process = subprocess.Popen(
            [python_executable(), "-m", "celery", "-A", "usmca", *self.command],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        def is_ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.process.returncode}:\n{self.log.tail()}")
            return ready in self.log.text()

        wait_for(is_ready, timeout=READY_TIMEOUT, what=f"{self.name} to start", log=self.log)
        return self

    def kill(self) -> None:
        """SIGKILL to the whole group: no warm shutdown, nothing acknowledged or given back."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.close()

    def stop(self) -> None:
        if self.process is not None:
            kill_group(self.process)
        self.close()

    def close(self) -> None:
        if self._output is not None:
            self._output.close()
            self._output = None


def worker_database_url() -> str:
    """This run's server, with the test database's name (the children must see what the test writes)."""
    from urllib.parse import urlsplit, urlunsplit

    from django.conf import settings
    from django.db import connection

    parts = urlsplit(settings.DATABASE_URL)
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


class DeliveryStack:
    def __init__(self, var_dir: Path, database_url: str, site_url: str, **timings: str) -> None:
        self.var_dir = var_dir
        self.redis = RedisServer(var_dir).start()
        self.sink = SmtpSink().start()
        self.env = child_env(
            var_dir,
            DATABASE_URL=database_url,
            REDIS_URL=self.redis.url,
            CELERY_BROKER_URL=self.redis.url,
            CELERY_RESULT_BACKEND=self.redis.url,
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(self.sink.port),
            SITE_URL=site_url,
            DB_CONN_MAX_AGE="0",
            **(DRILL_TIMINGS | timings),
        )
        self.processes: list[CeleryProcess] = []

    def worker(self, name: str) -> CeleryProcess:
        command = ["worker", "--pool", "solo", "-l", "info", "-n", f"{name}@%h"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        process = CeleryProcess(self.var_dir, name, command, self.env)
        self.processes.append(process)
        return process.start(ready=" ready.")

    def beat(self) -> CeleryProcess:
        schedule = self.var_dir / "beat-schedule"
        process = CeleryProcess(self.var_dir, "beat", ["beat", "-l", "info", "--schedule", str(schedule)], self.env)
        self.processes.append(process)
        return process.start(ready="beat: Starting")

    def close(self) -> None:
        for process in self.processes:
            process.stop()
        self.sink.stop()
        self.redis.stop()


def settle(condition: Any, *, timeout: float, what: str, log: OutputLog | None = None, quiet: float = 3.0) -> None:
    """Wait for ``condition``, then a little more: a duplicate would arrive in that time."""
    wait_for(condition, timeout=timeout, interval=0.25, what=what, log=log)
    time.sleep(quiet)
