"""The transactional outbox: tasks are recorded with the change and published by the relay, never by a request.

``outbox_enqueue`` must run inside the transaction of the change; it only writes a row, so a request never waits
on the broker (nor fails when it is down). The relay, ``outbox_relay_forever`` (a thread of the beat process),
publishes the rows within about a second; while the broker is down they wait. Each message is published with a
task id naming it; the worker marks it completed when the task succeeds (``outbox_complete``). A published message
not completed by ``expected_by`` was lost with the broker's queue (a Redis restarted without persistence) or is
stuck; ``outbox_requeue_lost`` (the reconciler) hands it to the relay again, at most ``OUTBOX_MAX_PUBLISHES``
times. Published tasks must therefore be idempotent: they can run twice.

In eager mode (tests, debugging) there is no relay: the task runs in process right after the commit.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from consultations.models import OutboxMessage

logger = logging.getLogger(__name__)

TASK_ID_PREFIX = "outbox-"


def outbox_enqueue(*, task: str, **kwargs: Any) -> OutboxMessage:
    from usmca.celery import app

    message = OutboxMessage.objects.create(task=task, kwargs=kwargs)
    if app.conf.task_always_eager:
        transaction.on_commit(lambda: outbox_publish(message_id=message.pk))
    return message


def _task_id(message: OutboxMessage) -> str:
    return f"{TASK_ID_PREFIX}{message.pk}-{message.attempts}"


def outbox_publish(*, message_id: int) -> bool:
    """Publish one message unless another process is doing it or did it. Raises if the broker refuses, after
    recording the attempt and the error on the message."""
    from usmca.celery import app

    failure: Exception | None = None
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, published_at__isnull=True)
            .first()
        )
        if message is None:
            return False
        message.attempts += 1
        now = timezone.now()
        try:
            if app.conf.task_always_eager:
                # Eager mode runs the task in process; send_task would bypass it. A worker imports the task modules
                # when it starts; this process may not have yet.
                app.loader.import_default_modules()
                app.tasks[message.task].apply(kwargs=message.kwargs, task_id=_task_id(message), throw=True)
                message.completed_at = timezone.now()
            else:
                app.send_task(message.task, kwargs=message.kwargs, task_id=_task_id(message))
        except Exception as error:
            failure = error
            message.last_error = str(error)[:2000]
            message.save(update_fields=["attempts", "last_error"])
        else:
            message.published_at = now
            message.expected_by = now + dt.timedelta(seconds=float(settings.OUTBOX_EXPECTED_WITHIN))
            message.last_error = ""
            message.save(update_fields=["attempts", "published_at", "expected_by", "completed_at", "last_error"])
    if failure is not None:
        raise failure
    return True


def outbox_flush(*, limit: int = 500) -> int:
    """Publish what is waiting, oldest first. Stops at the first broker failure (it is still down)."""
    pending = OutboxMessage.objects.filter(published_at__isnull=True).order_by("created_at", "id")
    published = 0
    for message_id in pending.values_list("pk", flat=True)[:limit]:
        try:
            published += outbox_publish(message_id=message_id)
        except Exception:
            logger.warning("broker unavailable; %s outbox messages published this round", published)
            break
    return published


def outbox_complete(*, task_id: str) -> None:
    """A worker finished an outbox task (Celery's task_success signal)."""
    if not task_id or not task_id.startswith(TASK_ID_PREFIX):
        return
    message_id = task_id.removeprefix(TASK_ID_PREFIX).split("-", 1)[0]
    if message_id.isdigit():
        OutboxMessage.objects.filter(pk=int(message_id), completed_at__isnull=True).update(completed_at=timezone.now())


def outbox_requeue_lost(*, now: dt.datetime | None = None) -> int:
    """Hand back to the relay the messages published but not completed in time (lost with the broker's queue)."""
    now = now or timezone.now()
    lost = OutboxMessage.objects.filter(
        published_at__isnull=False,
        completed_at__isnull=True,
        expected_by__lt=now,
        attempts__lt=settings.OUTBOX_MAX_PUBLISHES,
    )
    count = lost.update(published_at=None, expected_by=None, last_error="not completed in time; published again")
    if count:
        logger.warning("%s outbox messages were not completed in time; publishing them again", count)
    return count


def outbox_relay_forever(*, stop: threading.Event, interval: float | None = None) -> None:
    """The relay loop: publish what waits, then sleep a moment (longer while the broker is down)."""
    interval = float(settings.OUTBOX_RELAY_INTERVAL) if interval is None else interval
    while not stop.is_set():
        delay = interval
        try:
            close_old_connections()
            waiting = OutboxMessage.objects.filter(published_at__isnull=True).exists()
            if waiting and outbox_flush() == 0:
                delay = max(interval, 2.0)  # the broker is down: do not hammer it
        except Exception:  # the database is down: keep the loop alive
            logger.exception("outbox relay round failed")
            delay = max(interval, 5.0)
        stop.wait(delay)
    close_old_connections()


def outbox_relay_start() -> threading.Thread:
    stop = threading.Event()
    thread = threading.Thread(target=outbox_relay_forever, kwargs={"stop": stop}, name="outbox-relay", daemon=True)
    thread.stop = stop  # type: ignore[attr-defined]
    thread.start()
    return thread
