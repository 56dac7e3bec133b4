"""Digests and notifications through a real Celery worker process, a real broker and a real SMTP conversation.

The worker (``celery -A usmca worker --pool solo``) runs against this test run's database (the test database, by
URL) and sends its mail by SMTP to a small sink started here (EMAIL_HOST/EMAIL_PORT), which records every message
it acknowledges and can hold one message unacknowledged so the worker can be killed in the middle of a send. With
REDIS_URL set (CI's real-services pass) worker and test use Redis, otherwise kombu's filesystem transport in a fresh
folder; the test process publishes through the transactional outbox, so ``usmca.celery.app`` is pointed at the
same broker and queue for the duration of each test and restored afterwards.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import os
import re
import shutil
import socketserver
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import kombu.pools
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consultations.models import Delivery, OutboxMessage, Position, PositionStatus, Round, TriageEvent, User
from consultations.services import deliveries as deliveries_service
from consultations.services import digests, outbox, positions
from tests import factories
from tests.e2e.delivery_stack import CeleryProcess, worker_database_url
from tests.e2e.support import (
    child_env,
    filesystem_broker_config,
    free_port,
    make_broker_folders,
    short_tmp_dir,
    wait_for,
)
from usmca.celery import app

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420), pytest.mark.django_db(transaction=True)]

READY_TIMEOUT = 90
DRAIN_TIMEOUT = 120
QUIET_SECONDS = 2.0  # after the expected mail arrived, how long to watch for a duplicate
RCPT = re.compile(rb"<([^>]*)>")


# --- An SMTP sink -------------------------------------------------------------------------------------------------


@dataclass
class Mail:
    recipients: list[str]
    subject: str


class SmtpSink:
    """Just enough SMTP for Django's backend. A message counts once the sink answered "250" to its DATA.

    ``hold_after = n``: the (n+1)-th message is read but never acknowledged; ``held`` is set and the connection
    hangs until ``release`` (the worker is killed meanwhile, as if it died waiting for the server's answer).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.mails: list[Mail] = []
        self.hold_after: int | None = None
        self.held = threading.Event()
        self.held_recipients: list[str] = []
        self.release = threading.Event()
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                sink.converse(self.rfile, self.wfile)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name="smtp-sink", daemon=True)

    def start(self) -> SmtpSink:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def converse(self, rfile: Any, wfile: Any) -> None:
        def reply(text: str) -> None:
            wfile.write(text.encode() + b"\r\n")
            wfile.flush()

        with contextlib.suppress(OSError):
            reply("220 sink ESMTP")
            recipients: list[str] = []
            while line := rfile.readline():
                verb = line[:4].upper()
                if verb == b"EHLO":
                    wfile.write(b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                    wfile.flush()
                elif verb == b"MAIL" or verb == b"RSET":
                    recipients = []
                    reply("250 OK")
                elif verb == b"RCPT":
                    found = RCPT.search(line)
                    recipients.append(found.group(1).decode().lower() if found else "")
                    reply("250 OK")
                elif verb == b"DATA":
                    reply("354 End data with <CR><LF>.<CR><LF>")
                    data = bytearray()
                    while (chunk := rfile.readline()) not in (b".\r\n", b".\n"):
                        if not chunk:
                            return
                        data += chunk[1:] if chunk.startswith(b"..") else chunk
                    if self._hold(recipients):
                        self.release.wait(timeout=300)
                        return  # never acknowledged
                    subject = email.message_from_bytes(bytes(data), policy=email.policy.default)["subject"]
                    with self.lock:
                        self.mails.append(Mail(recipients=list(recipients), subject=str(subject)))
                    reply("250 OK queued")
                elif verb == b"QUIT":
                    reply("221 Bye")
                    return
                else:
                    reply("250 OK")  # HELO, NOOP…

    def _hold(self, recipients: list[str]) -> bool:
        with self.lock:
            if self.hold_after is None or self.held.is_set() or len(self.mails) < self.hold_after:
                return False
            self.held_recipients = list(recipients)
            self.held.set()
            return True

    def per_recipient(self) -> Counter[str]:
        with self.lock:
            return Counter(address for mail in self.mails for address in mail.recipients)

    def count(self) -> int:
        with self.lock:
            return len(self.mails)

    def subjects_for(self, address: str) -> list[str]:
        with self.lock:
            return [mail.subject for mail in self.mails if address.lower() in mail.recipients]


# --- Broker, worker and the test process's Celery app --------------------------------------------------------------


# Cached pieces of usmca.celery.app that depend on the broker or the default queue.
AMQP_CACHED = ("queues", "default_queue", "default_exchange", "router", "send_task_message", "producer_pool")
CONF_KEYS = (
    "broker_url",
    "broker_transport_options",
    "result_backend",
    "task_default_queue",
    "task_always_eager",
    "broker_connection_retry_on_startup",
)


def _reset_app_connections() -> None:
    """Forget every broker connection of this process: the next publish connects with the current settings."""
    kombu.pools.reset()  # closes and forgets the connection and producer pools (they are keyed by connection)
    app._pool = None
    amqp = app.amqp
    amqp._producer_pool = None
    amqp._rtable = None
    for name in AMQP_CACHED:
        amqp.__dict__.pop(name, None)


@contextlib.contextmanager
def app_publishing_to(config: dict[str, Any]) -> Iterator[None]:
    saved = {key: app.conf.get(key) for key in CONF_KEYS}
    app.conf.update(config)
    _reset_app_connections()
    try:
        yield
    finally:
        app.conf.update(saved)
        _reset_app_connections()


@dataclass
class Stack:
    var_dir: Path
    queue: str
    transport: str
    sink: SmtpSink
    worker_env: dict[str, str]
    broker_config: dict[str, Any]
    broken_config: dict[str, Any]
    workers: list[Worker] = field(default_factory=list)

    def worker(self, name: str) -> Worker:
        worker = Worker(self, name)
        self.workers.append(worker)
        return worker.start()

    @contextlib.contextmanager
    def broker_stopped(self) -> Iterator[None]:
        """The broker refuses the test process (the worker keeps waiting on the real one)."""
        with app_publishing_to(self.broken_config):
            yield


class Worker(CeleryProcess):
    """A solo-pool worker on the stack's queue (delivery_stack.CeleryProcess starts, kills and stops it)."""

    def __init__(self, stack: Stack, name: str) -> None:
        command = ["worker", "--pool", "solo", "-l", "info", "-Q", stack.queue, "-n", f"{name}-{stack.queue}@%h"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        super().__init__(stack.var_dir, name, command, stack.worker_env)
        self.stack = stack

    def start(self) -> Worker:  # type: ignore[override]
        super().start(" ready.")
        assert f"transport:   {self.stack.transport}://" in self.log.text(), self.log.tail()
        return self


@pytest.fixture
def stack(transactional_db: None, settings: Any) -> Iterator[Stack]:
    var_dir = short_tmp_dir("cdjd-")
    queue = f"digests-{uuid.uuid4().hex[:10]}"
    sink = SmtpSink().start()
    redis_url = os.environ.get("REDIS_URL", "")
    extra = {
        "DATABASE_URL": worker_database_url(),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "SITE_URL": settings.SITE_URL,
        "DB_CONN_MAX_AGE": "0",
        # No beat runs here to send held e-mails: each status change is e-mailed at once (batching: test_batching).
        "NOTIFICATION_BATCH_WINDOW": "0",
    }
    if redis_url:
        broker_url = os.environ.get("CELERY_BROKER_URL") or redis_url
        extra.update(REDIS_URL=redis_url, CELERY_BROKER_URL=broker_url)
        extra["CELERY_RESULT_BACKEND"] = os.environ.get("CELERY_RESULT_BACKEND") or broker_url
        broker_config: dict[str, Any] = {
            "broker_url": broker_url,
            "broker_transport_options": {"visibility_timeout": 3600},
            "result_backend": extra["CELERY_RESULT_BACKEND"],
        }
        broken_config: dict[str, Any] = {"broker_url": f"redis://127.0.0.1:{free_port()}/0"}
        transport = "redis"
    else:
        make_broker_folders(var_dir)
        broker_config = filesystem_broker_config(var_dir)
        # A "folder" that is a file: every write to the broker fails, as when its disk is gone.
        blocked = var_dir / "broker-unavailable"
        blocked.write_text("not a folder")
        broken_config = {
            "broker_transport_options": {
                "data_folder_in": str(blocked / "queue"),
                "data_folder_out": str(blocked / "queue"),
                "processed_folder": str(blocked / "processed"),
                "control_folder": str(blocked / "control"),
            }
        }
        transport = "filesystem"
    broker_config |= {"task_default_queue": queue, "task_always_eager": False}
    # The test process's settings say the same as its Celery app (for anything that reads them).
    settings.CELERY_BROKER_URL = broker_config["broker_url"]
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = broker_config["broker_transport_options"]
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    settings.CELERY_TASK_ALWAYS_EAGER = False
    stack = Stack(
        var_dir=var_dir,
        queue=queue,
        transport=transport,
        sink=sink,
        worker_env=child_env(var_dir, **extra),
        broker_config=broker_config,
        broken_config=broken_config,
    )
    try:
        with app_publishing_to(broker_config):
            yield stack
    finally:
        for worker in stack.workers:
            worker.stop()
        sink.stop()
        shutil.rmtree(var_dir, ignore_errors=True)


# --- Data ---------------------------------------------------------------------------------------------------------


def due_round(label: str) -> Round:
    return factories.RoundFactory(label=label, digest_at=timezone.now() - dt.timedelta(minutes=5))


def populate(*, delegates: int) -> tuple[Round, set[str], User]:
    """Three organisations sharing ``delegates`` members, officials of two chapters, the coordinator, an admin."""
    round = due_round(f"Ronda e2e {uuid.uuid4().hex[:6]}")
    chapters = [factories.ChapterFactory(number=4), factories.ChapterFactory(number=3)]
    organisations = [factories.OrganisationFactory() for _ in range(3)]
    for index in range(delegates):
        factories.MembershipFactory(organisation=organisations[index % 3])
    for index, organisation in enumerate(organisations):
        factories.PositionFactory(
            organisation=organisation,
            chapter=chapters[index % 2],
            round=round,
            status=PositionStatus.SUBMITTED,
            filed_at=timezone.now(),
        )
    factories.official(chapters=chapters[:1])
    factories.official(chapters=chapters[1:], negotiator=True)
    factories.official(chapters=[], coordinator=True)
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    recipients = {user.email.lower() for user in digests.digest_recipients(round=round)}
    assert len(recipients) == delegates + 3
    return round, recipients, admin


def deliveries(round: Round) -> dict[str, Delivery]:
    rows = Delivery.objects.filter(kind=digests.PRE, key=digests.delivery_key(round)).select_related("recipient")
    return {row.recipient.email.lower(): row for row in rows}


def statuses(round: Round) -> Counter[str]:
    return Counter(row.status for row in deliveries(round).values())


def settle(sink: SmtpSink, condition: Callable[[], bool], *, what: str, workers: list[Worker]) -> None:
    """Wait for ``condition``, then a little more: a duplicate would arrive in that time."""
    log = workers[-1].log if workers else None
    wait_for(condition, timeout=DRAIN_TIMEOUT, interval=0.25, what=what, log=log)
    time.sleep(QUIET_SECONDS)


def flush_outbox() -> int:
    """What the relay (a thread of beat) does: publish what waits in the outbox."""
    return outbox.outbox_flush()


def assert_at_most_once(sink: SmtpSink, recipients: set[str]) -> Counter[str]:
    counts = sink.per_recipient()
    twice = {address: n for address, n in counts.items() if n > 1}
    assert not twice, f"digests sent more than once: {twice}"
    assert set(counts) <= recipients, f"mail to non-recipients: {set(counts) - recipients}"
    return counts


# --- The tests ----------------------------------------------------------------------------------------------------


def test_a_due_round_gives_exactly_one_email_per_recipient(stack: Stack) -> None:
    round, recipients, _admin = populate(delegates=12)
    worker = stack.worker("w1")
    started = time.monotonic()

    queued = digests.digests_dispatch_due()  # beat's job, run here: it commits its outbox rows
    assert queued == len(recipients)
    assert digests.digests_dispatch_due() == 0  # beat firing twice
    assert flush_outbox() == len(recipients)  # the relay

    settle(
        stack.sink,
        lambda: statuses(round)[Delivery.Status.SENT] == len(recipients),
        what=f"{len(recipients)} digests to be sent",
        workers=[worker],
    )
    counts = assert_at_most_once(stack.sink, recipients)
    assert set(counts) == recipients
    assert all(round.label in stack.sink.subjects_for(address)[0] for address in recipients)
    assert not OutboxMessage.objects.filter(published_at__isnull=True).exists()
    assert flush_outbox() == 0
    print(f"{stack.transport}: {len(recipients)} digests in {time.monotonic() - started:.1f}s")


def test_a_worker_killed_mid_fan_out_and_restarted_never_sends_twice(stack: Stack) -> None:
    round, recipients, admin = populate(delegates=37)
    stack.sink.hold_after = 5  # the 6th digest reaches the server, which never answers
    first = stack.worker("w1")

    digests.digests_dispatch_due()
    flush_outbox()
    wait_for(stack.sink.held.is_set, timeout=DRAIN_TIMEOUT, what="a digest to be in flight", log=first.log)
    (interrupted,) = stack.sink.held_recipients
    in_flight = deliveries(round)[interrupted]
    assert in_flight.status == Delivery.Status.SENDING, "the worker commits 'sending' before talking to SMTP"
    first.kill()
    stack.sink.release.set()
    sent_before_restart = stack.sink.count()
    assert sent_before_restart == 5

    second = stack.worker("w2")
    settle(
        stack.sink,
        lambda: statuses(round)[Delivery.Status.SENT] == len(recipients) - 1,
        what="the restarted worker to send the rest",
        workers=[second],
    )
    assert flush_outbox() == 0  # every digest_send was published before the kill
    counts = assert_at_most_once(stack.sink, recipients)
    assert set(counts) == recipients - {interrupted}
    assert deliveries(round)[interrupted].status == Delivery.Status.SENDING

    # The reconciler (beat), once the lease is over: the task is not coming back (the filesystem transport deleted
    # it when the killed worker took it; Redis holds it for an hour), and it may have reached the server, so the
    # delivery's outcome is unknown and nothing is sent.
    later = timezone.now() + dt.timedelta(seconds=settings.DELIVERY_LEASE + 1)
    deliveries_service.deliveries_reconcile(now=later)
    assert deliveries(round)[interrupted].status == Delivery.Status.UNKNOWN
    time.sleep(QUIET_SECONDS)
    by_status = statuses(round)
    assert by_status[Delivery.Status.SENT] + by_status[Delivery.Status.UNKNOWN] == len(recipients), by_status
    assert by_status[Delivery.Status.UNKNOWN] == 1
    assert stack.sink.per_recipient()[interrupted] == 0
    assert_at_most_once(stack.sink, recipients)

    # An admin resends it from the delivery history: it goes out once.
    deliveries_service.delivery_resend(by=admin, delivery=in_flight, confirm_unknown=True)
    flush_outbox()
    settle(
        stack.sink,
        lambda: deliveries(round)[interrupted].status == Delivery.Status.SENT,
        what="the resent digest",
        workers=[second],
    )
    counts = assert_at_most_once(stack.sink, recipients)
    assert set(counts) == recipients and set(counts.values()) == {1}
    assert Delivery.objects.filter(kind=digests.PRE).count() == len(recipients)


def test_with_the_broker_stopped_changes_are_saved_and_notified_once_it_is_back(stack: Stack) -> None:
    chapter = factories.ChapterFactory(number=4)
    round = factories.RoundFactory(label="Ronda abierta e2e")
    organisation = factories.OrganisationFactory(name="Cámara e2e del Acero")
    delegate = factories.MembershipFactory(organisation=organisation).user
    colleague = factories.MembershipFactory(organisation=organisation).user
    official = factories.official(chapters=[chapter])
    title = "Salvaguardas para el acero plano"
    draft = positions.position_create(
        by=delegate,
        organisation=organisation,
        data={
            "chapter": chapter,
            "round": round,
            "title": title,
            "summary": "Mantener la salvaguarda.",
            "stance": "defensive",
        },
    )
    worker = stack.worker("w1")

    with stack.broker_stopped():
        filed = positions.position_file(by=delegate, position=draft)
        assert Position.objects.get(pk=filed.pk).status == PositionStatus.SUBMITTED

        client = Client()
        client.force_login(official)
        url = reverse("consultations:triage_status", args=[filed.pk])
        for status, response_text in (("in_review", ""), ("declined", "Fuera del mandato de esta ronda.")):
            version = Position.objects.get(pk=filed.pk).triage_version
            response = client.post(
                url,
                {"status": status, "response": response_text, "triage_version": version},
                headers={"HX-Request": "true"},
            )
            assert response.status_code == 200, response.content[:500]
            assert 'role="alert"' not in response.content.decode(), "the official saw an error"
        assert Position.objects.get(pk=filed.pk).status == PositionStatus.DECLINED
        waiting = OutboxMessage.objects.filter(published_at__isnull=True, task__endswith="position_update_notify")
        assert waiting.count() == 2
        assert flush_outbox() == 0  # beat's flush while the broker is still down
        time.sleep(QUIET_SECONDS)
        assert stack.sink.count() == 0

    # The broker is back: beat's flush publishes, the worker mails each member once per change.
    assert flush_outbox() == 2
    members = {delegate.email.lower(), colleague.email.lower()}
    settle(
        stack.sink,
        lambda: stack.sink.count() == 2 * len(members),
        what="the notifications after the broker came back",
        workers=[worker],
    )
    assert flush_outbox() == 0
    counts = stack.sink.per_recipient()
    assert counts == Counter({address: 2 for address in members}), counts
    events = TriageEvent.objects.filter(position=filed, to_status__in=["in_review", "declined"])
    assert all(event.notified_at is not None for event in events)
    assert all(title in subject for address in members for subject in stack.sink.subjects_for(address))
