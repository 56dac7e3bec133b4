"""A real Celery worker process answers a task sent through the configured broker, and stops cleanly.

With REDIS_URL set (CI's real-services pass) the worker and this test use Redis; otherwise kombu's filesystem
transport in a fresh folder (USMCA_VAR_DIR), configured on both sides exactly as usmca.settings does it. The task
goes to a queue of its own, so only the worker started here can answer it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import uuid

import celery
import pytest
from django.conf import settings

from tests.e2e.support import (
    ROOT,
    OutputLog,
    child_env,
    filesystem_broker_config,
    kill_group,
    make_broker_folders,
    python_executable,
    short_tmp_dir,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

READY_TIMEOUT = 90
TASK_TIMEOUT = 60
STOP_TIMEOUT = 45


def test_worker_answers_health_ping_and_stops_cleanly() -> None:
    var_dir = short_tmp_dir("cdjw-")
    queue = f"e2e-{uuid.uuid4().hex[:12]}"
    redis_url = os.environ.get("REDIS_URL", "")
    # The worker reuses this run's database server (a health ping never queries it) instead of starting its own.
    extra = {"DATABASE_URL": settings.DATABASE_URL}
    if redis_url:
        extra["REDIS_URL"] = redis_url
        for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
            if os.environ.get(name):
                extra[name] = os.environ[name]
        broker_url = extra.get("CELERY_BROKER_URL", redis_url)
        client_config: dict[str, object] = {
            "broker_url": broker_url,
            "result_backend": extra.get("CELERY_RESULT_BACKEND", broker_url),
            "task_serializer": "json",
            "accept_content": ["json"],
        }
    else:
        make_broker_folders(var_dir)
        client_config = filesystem_broker_config(var_dir)

    log = OutputLog(var_dir / "worker.log")
    output = log.path.open("wb")
    process = subprocess.Popen(
        [
            python_executable(),
            "-m",
            "celery",
            "-A",
            "usmca",
            "worker",
            "--pool",
            "solo",
            "-l",
            "info",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=child_env(var_dir, **extra),
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    client = celery.Celery("e2e-worker-client")
    client.conf.update(client_config)
    try:

        def worker_is_ready() -> bool:
            if process.poll() is not None:
                pytest.fail(
                    f"the worker exited early with code {process.returncode}.\n--- output tail ---\n{log.tail()}",
                    pytrace=False,
                )
            return " ready." in log.text()

        wait_for(worker_is_ready, timeout=READY_TIMEOUT, what="the Celery worker to be ready", log=log)
        transport = "redis" if redis_url else "filesystem"
        assert f"transport:   {transport}://" in log.text(), f"worker not on the {transport} broker.\n{log.tail()}"

        started = time.monotonic()
        result = client.send_task("consultations.tasks.health_ping", queue=queue)
        try:
            answer = result.get(timeout=TASK_TIMEOUT)
        except Exception as error:  # reported with the worker's output
            pytest.fail(f"health_ping did not come back: {error!r}\n--- output tail ---\n{log.tail()}", pytrace=False)
        assert answer == "pong"
        round_trip = time.monotonic() - started

        # Stop it the way a process manager does: SIGTERM, a warm shutdown, exit code 0.
        stop_started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        try:
            returncode = process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the worker ignored SIGTERM for {STOP_TIMEOUT}s.\n--- output tail ---\n{log.tail()}")
        stop_seconds = time.monotonic() - stop_started
        assert returncode == 0, f"the worker exited with {returncode}.\n--- output tail ---\n{log.tail()}"
        assert "Warm shutdown" in log.text(), log.tail()
        print(f"worker ({transport}): round trip {round_trip:.1f}s, stopped in {stop_seconds:.1f}s")
    finally:
        client.close()
        kill_group(process)
        output.close()
        shutil.rmtree(var_dir, ignore_errors=True)
