"""Retry a whole service transaction that PostgreSQL rolled back to break a deadlock or a serialization conflict.

The services lock only the position rows they change, in primary-key order, so a deadlock should not happen; this
is the bounded safety net for what remains (a serialization failure, a lock order we did not foresee). The retry
is only right around the outermost transaction: inside an enclosing one the whole enclosing work is already lost,
so the error goes up unchanged.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections

logger = logging.getLogger(__name__)

# serialization_failure, deadlock_detected
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
ATTEMPTS = 4
BASE_DELAY = 0.05


def is_retryable(error: BaseException) -> bool:
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) in RETRYABLE_SQLSTATES


def retry_on_conflict[**P, R](
    func: Callable[P, R] | None = None, *, attempts: int = ATTEMPTS, base_delay: float = BASE_DELAY
) -> Callable[P, R] | Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a ``@transaction.atomic`` service (put this decorator outside it): on a deadlock or serialization
    failure, wait a short jittered back-off and run the whole transaction again, at most ``attempts`` times."""

    def decorate(service: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(service)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            for attempt in range(1, attempts + 1):
                try:
                    return service(*args, **kwargs)
                except OperationalError as error:
                    if not is_retryable(error) or connections[DEFAULT_DB_ALIAS].in_atomic_block or attempt == attempts:
                        raise
                    logger.warning("%s: %s; retry %d of %d", service.__qualname__, error, attempt, attempts - 1)
                    time.sleep(base_delay * (2 ** (attempt - 1)) * (1 + random.random()))
            raise AssertionError("unreachable")  # pragma: no cover

        return wrapper

    if func is not None:
        return decorate(func)
    return decorate
