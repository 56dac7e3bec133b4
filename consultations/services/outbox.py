"""The transactional outbox: tasks are recorded with the change and published after it commits.

``outbox_enqueue`` must run inside the transaction of the change. Right after the commit it tries to publish;
whatever could not be published (broker down, process killed) is published later by ``outbox_flush``.
Published tasks must be idempotent: a task can be published twice if the process dies between publishing it
and recording that it did.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from consultations.models import OutboxMessage

logger = logging.getLogger(__name__)

# A row younger than this is left to the on-commit publish of the process that wrote it.
FLUSH_GRACE = dt.timedelta(seconds=10)


def outbox_enqueue(*, task: str, **kwargs: Any) -> OutboxMessage:
    message = OutboxMessage.objects.create(task=task, kwargs=kwargs)
    transaction.on_commit(lambda: _publish_quietly(message.pk))
    return message


def _publish_quietly(message_id: int) -> None:
    try:
        outbox_publish(message_id=message_id)
    except Exception:  # the broker is down: the row stays, the flush retries
        logger.warning("outbox message %s not published yet; it will be retried", message_id, exc_info=True)


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
        try:
            if app.conf.task_always_eager:
                # Eager mode (tests, debugging) runs tasks in-process; send_task would bypass it. A worker imports
                # the task modules when it starts; this process may not have yet.
                app.loader.import_default_modules()
                app.tasks[message.task].apply(kwargs=message.kwargs, throw=True)
            else:
                app.send_task(message.task, kwargs=message.kwargs)
        except Exception as error:
            failure = error
            message.last_error = str(error)[:2000]
            message.save(update_fields=["attempts", "last_error"])
        else:
            message.published_at = timezone.now()
            message.last_error = ""
            message.save(update_fields=["attempts", "published_at", "last_error"])
    if failure is not None:
        raise failure
    return True


def outbox_flush(*, limit: int = 500) -> int:
    """Publish what is still waiting, oldest first. Stops at the first broker failure (it is still down)."""
    cutoff = timezone.now() - FLUSH_GRACE
    pending = OutboxMessage.objects.filter(published_at__isnull=True, created_at__lte=cutoff).order_by(
        "created_at", "id"
    )
    published = 0
    for message_id in pending.values_list("pk", flat=True)[:limit]:
        try:
            published += outbox_publish(message_id=message_id)
        except Exception:
            logger.warning("broker still unavailable; %s outbox messages published this round", published)
            break
    return published
