"""Django's Redis cache, failing open: when Redis is down the site slows by a few milliseconds, it does not fail.

The cache holds nothing that must survive (allauth's sign-in rate counters, computed pages), so an unreachable
Redis reads as a miss, writes are dropped, and ``add`` answers True (allauth takes a lock with ``add`` and would
otherwise wait a second for it). Short socket timeouts bound each call, and after a failure Redis is left alone
for ``RETRY_AFTER`` seconds, so a dead host costs one timeout per few seconds rather than one per call.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER = 5.0
# What each operation answers while Redis is unreachable.
FALLBACKS: dict[str, Any] = {
    "add": True,
    "set": None,
    "touch": False,
    "delete": False,
    "get_many": {},
    "has_key": False,
    "set_many": [],
    "delete_many": None,
    "clear": False,
}


def redis_cache(url: str) -> dict[str, Any]:
    """The CACHES entry for a Redis at ``url``: fail open, half a second at most per call."""
    return {
        "BACKEND": "usmca.cache.FailOpenRedisCache",
        "LOCATION": url,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }


class FailOpenRedisCache(RedisCache):
    _down_until = 0.0

    def _guard(self, operation: str, call: Any, fallback: Any) -> Any:
        if time.monotonic() < self._down_until:
            return fallback
        try:
            return call()
        except RedisError as error:
            self._down_until = time.monotonic() + RETRY_AFTER
            logger.warning("cache unavailable (%s failed: %s); carrying on without it", operation, error)
            return fallback

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        return self._guard("get", lambda: super(FailOpenRedisCache, self).get(key, default, version), default)

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        down = object()
        value = self._guard("incr", lambda: super(FailOpenRedisCache, self).incr(key, delta, version), down)
        if value is down:
            raise ValueError(f"Key {key!r} not found (the cache is unavailable).")
        return value


def _wrap(name: str) -> None:
    parent = getattr(RedisCache, name)

    def method(self: FailOpenRedisCache, *args: Any, **kwargs: Any) -> Any:
        return self._guard(name, lambda: parent(self, *args, **kwargs), FALLBACKS[name])

    method.__name__ = name
    setattr(FailOpenRedisCache, name, method)


for _name in FALLBACKS:
    _wrap(_name)
