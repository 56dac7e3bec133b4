"""Redis stopped: the web keeps working. A request that notifies only writes its outbox row (no broker call, no
wait) and a sign-in works with the cache (allauth's rate limiter) unreachable.

A redis-server of the test's own is started and stopped; the Celery app and the cache point at it. The requests go
through Django's test client in a real transaction, so the on-commit hooks run as in production.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Iterator
from typing import Any
from unittest import mock

import kombu.pools
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consultations.models import OutboxMessage, Position, PositionStatus
from tests import factories
from tests.e2e.delivery_stack import RedisServer
from tests.e2e.support import short_tmp_dir
from usmca.cache import redis_cache
from usmca.celery import app

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# A request that must not wait on Redis answers well within this (it took 1 to 19 s before the relay).
QUICK = 2.0


def _forget_broker_connections() -> None:
    kombu.pools.reset()
    app._pool = None
    for name in ("producer_pool", "default_queue", "queues", "router", "send_task_message"):
        app.amqp.__dict__.pop(name, None)
    app.amqp._producer_pool = None


@pytest.fixture
def redis_stopped(settings: Any) -> Iterator[RedisServer]:
    """A Redis that the web uses as broker and cache, then stopped."""
    folder = short_tmp_dir("cdjr-")
    server = RedisServer(folder).start()
    settings.CACHES = {"default": redis_cache(server.url)}
    saved = {key: app.conf.get(key) for key in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=server.url, result_backend=server.url, task_always_eager=False)
    _forget_broker_connections()
    server.stop()
    try:
        yield server
    finally:
        app.conf.update(saved)
        _forget_broker_connections()
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def broker_calls() -> Iterator[mock.MagicMock]:
    with mock.patch.object(app, "send_task", wraps=app.send_task) as spy:
        yield spy


def test_with_redis_down_a_status_change_answers_at_once_and_only_writes_the_outbox(
    redis_stopped: RedisServer, cast: Any, chapter: Any, open_round: Any
) -> None:
    position = factories.PositionFactory(
        organisation=cast.org_a,
        chapter=chapter,
        round=open_round,
        status=PositionStatus.IN_REVIEW,
        filed_at=timezone.now(),
    )
    client = Client()
    client.force_login(cast.official_of_chapter)
    with broker_calls() as spy:
        started = time.monotonic()
        response = client.post(
            reverse("consultations:triage_status", args=[position.pk]),
            {"status": "declined", "response": "Fuera del mandato.", "triage_version": position.triage_version},
            headers={"HX-Request": "true"},
        )
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert Position.objects.get(pk=position.pk).status == PositionStatus.DECLINED
    assert spy.call_count == 0, "the request called the broker"
    assert elapsed < QUICK, f"the request took {elapsed:.2f}s with Redis down"
    message = OutboxMessage.objects.get(task="consultations.tasks.position_update_notify")
    assert message.published_at is None  # the relay publishes it once Redis is back
    print(f"\nstatus change with Redis down: {elapsed * 1000:.0f} ms, 0 broker calls")


def test_with_redis_down_a_sign_in_works(redis_stopped: RedisServer, cast: Any) -> None:
    client = Client()
    started = time.monotonic()
    response = client.post(
        reverse("account_login"), {"login": cast.delegate_a.email, "password": "correct-horse-battery"}
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 302, response.content[:300]
    assert client.get(reverse("consultations:home")).wsgi_request.user == cast.delegate_a
    assert elapsed < QUICK, f"the sign-in took {elapsed:.2f}s with the cache down"
    # And a wrong password is still answered as such, not with a 500.
    wrong = Client().post(reverse("account_login"), {"login": cast.delegate_a.email, "password": "no-es-esta"})
    assert wrong.status_code == 200
    print(f"\nsign-in with the cache down: {elapsed * 1000:.0f} ms")
