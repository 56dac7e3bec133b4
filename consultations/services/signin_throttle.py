"""Failed passwords slow down the guesser, not the chamber.

Every password form (allauth's sign-in, re-authentication and password change; the Django admin's sign-in and
password change) checks the password through ``password_attempt``. Failures are counted per (account, client
address): after ``FREE_FAILURES`` the next attempt waits 2 s, then 4, 8 ... up to ``MAX_DELAY``. So a brute force
from one address gets a handful of guesses an hour, while the right password from another address is never held
back, and nobody else behind the attacker's address (a chamber's NAT, a proxy) is either. The only per-address
limit is a ceiling for extreme volumes (``FAILURES_PER_ADDRESS_PER_HOUR`` over all accounts).

The state lives in the cache (Redis in production), so every web process shares it. If the cache is down the
throttle steps aside and sign-in still works: a brute force through a cache outage is slower than one through a
locked-out deadline night is harmful.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

from consultations.services.audit import current_ip

logger = logging.getLogger(__name__)

# Concurrent attempts on one (account, address) take turns, so parallel requests cannot all pass one check.
LOCK_TIMEOUT = 30
LOCK_WAIT = 5.0


class SigninThrottled(Exception):  # noqa: N818 - a refusal, not a fault
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


def _config(name: str) -> int:
    return int(settings.SIGNIN_THROTTLE[name])


def _now() -> float:
    return time.time()


def _address(ip: str | None) -> str:
    """The address a limit is kept for; an IPv6 client counts as its /64, which one client usually holds whole."""
    try:
        parsed = ipaddress.ip_address(ip or "")
    except ValueError:
        return "unknown"
    if parsed.version == 6:
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)


def _pair_key(login: str, address: str) -> str:
    digest = hashlib.sha256(f"{login.strip().lower()}\0{address}".encode()).hexdigest()
    return f"signin:pair:{digest}"


def _address_key(address: str, hour: int) -> str:
    return f"signin:address:{address}:{hour}"


def delay_after(failures: int) -> int:
    """Seconds the next attempt waits after ``failures`` consecutive failures."""
    free = _config("FREE_FAILURES")
    if failures < free:
        return 0
    return min(2 ** (failures - free + 1), _config("MAX_DELAY"))


def _retry_after(pair: dict, address_failures: int, now: float) -> int:
    if address_failures >= _config("FAILURES_PER_ADDRESS_PER_HOUR"):
        return max(1, math.ceil(3600 - now % 3600))
    until = pair.get("until", 0.0)
    return max(1, math.ceil(until - now)) if until > now else 0


def _acquire(lock: str) -> bool:
    deadline = time.monotonic() + LOCK_WAIT
    while not cache.add(lock, 1, timeout=LOCK_TIMEOUT):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def password_attempt[T](*, login: str, verify: Callable[[], T], ip: str | None = None) -> T:
    """Run one password check for ``login`` from ``ip`` (default: the current request's client address).

    ``verify`` returns something truthy when the password is right. Raises ``SigninThrottled`` without calling
    ``verify`` while this (account, address) must wait, whatever the password: a guesser must not learn that it
    found it during the wait.
    """
    address = _address(ip if ip is not None else current_ip.get())
    pair_key = _pair_key(login, address)
    lock = f"{pair_key}:lock"
    try:
        locked = _acquire(lock)
    except Exception:
        logger.warning("Sign-in throttle unavailable (cache error); checking the password without it.", exc_info=True)
        return verify()
    if not locked:
        raise SigninThrottled(retry_after=1)
    try:
        now = _now()
        hour = int(now // 3600)
        try:
            pair = cache.get(pair_key) or {}
            address_failures = cache.get(_address_key(address, hour)) or 0
        except Exception:
            logger.warning("Sign-in throttle unavailable (cache error).", exc_info=True)
            return verify()
        retry_after = _retry_after(pair, address_failures, now)
        if retry_after:
            raise SigninThrottled(retry_after=retry_after)
        result = verify()
        try:
            if result:
                cache.delete(pair_key)
            else:
                failures = pair.get("failures", 0) + 1
                state = {"failures": failures, "until": now + delay_after(failures)}
                cache.set(pair_key, state, timeout=_config("MEMORY"))
                key = _address_key(address, hour)
                cache.add(key, 0, timeout=3600)
                cache.incr(key)
        except Exception:
            logger.warning("Sign-in throttle could not record an attempt (cache error).", exc_info=True)
        return result
    finally:
        try:
            cache.delete(lock)
        except Exception:
            logger.warning("Sign-in throttle could not release its lock (cache error).", exc_info=True)


def signin_forget(*, login: str, ip: str | None = None) -> None:
    """Forget the failures of ``login`` from this address: its owner just proved who they are another way (a
    password reset link sent to their e-mail)."""
    address = _address(ip if ip is not None else current_ip.get())
    try:
        cache.delete(_pair_key(login, address))
    except Exception:
        logger.warning("Sign-in throttle could not forget failures (cache error).", exc_info=True)
