"""The moment that judges a deadline: when the request arrived, not when a worker got round to it.

``RequestTimeMiddleware`` sets it first thing; services take it as their ``now=`` keyword, and the permission rules
read it here, so a click sent before a deadline and queued behind others (in the server's backlog or behind a row
lock) is still on time. Outside a request (tasks, commands, tests) it is simply the current time.
"""

from __future__ import annotations

import contextvars
import datetime as dt

from django.utils import timezone

received_at: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar("received_at", default=None)


def request_time() -> dt.datetime:
    return received_at.get() or timezone.now()
