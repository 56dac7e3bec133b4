"""Consultation reminders through a real Celery worker, its own Redis and an SMTP sink (tests/e2e/delivery_stack.py):
beat firing the task again the same day, and a worker SIGKILLed and replaced, still remind each official of the
consulted ministry once per overdue request and day."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from celery import Celery
from django.utils import timezone

from consultations.models import ConsultationReminder, Ministry, OfficialProfile, PositionStatus
from consultations.reference.ministries import MINISTRIES
from consultations.services.ministries import consultation_request_create
from tests import factories
from tests.e2e.delivery_stack import DeliveryStack, settle, worker_database_url
from tests.e2e.support import short_tmp_dir

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420), pytest.mark.django_db(transaction=True)]

TASK = "consultations.tasks.consultation_reminders_send"
QUIET = 4.0  # after the expected mail arrived, how long to watch for a duplicate


@pytest.fixture
def stack(transactional_db: None, settings: Any) -> Iterator[DeliveryStack]:
    folder = short_tmp_dir("cdjm-")
    stack = DeliveryStack(folder, worker_database_url(), settings.SITE_URL)
    try:
        yield stack
    finally:
        stack.close()
        shutil.rmtree(folder, ignore_errors=True)


def _official(ministry: str, chapters: list) -> Any:
    user = factories.official(chapters=chapters)
    OfficialProfile.objects.filter(user=user).update(ministry=ministry)
    return user


def _overdue(asker, position, to: Ministry, question: str):
    """Asked a week ago, due two days ago (the service refuses a due date in the past, so it is asked back then)."""
    asked = timezone.now() - dt.timedelta(days=7)
    return consultation_request_create(
        by=asker,
        position=position,
        to_ministry=to,
        question=question,
        due_on=(timezone.now() - dt.timedelta(days=2)).date(),
        now=asked,
    )


def test_reminders_go_once_per_request_and_day_across_repeated_beats_and_a_killed_worker(stack: DeliveryStack):
    ministries = {
        fact.code: Ministry.objects.create(
            code=fact.code, acronym=fact.acronym, name_es=fact.name_es, name_en=fact.name_en
        )
        for fact in MINISTRIES
    }
    chapter = factories.ChapterFactory(number=3)
    asker = _official("economia", [chapter])
    consulted = [_official("agricultura", []) for _ in range(2)]
    bystander = _official("hacienda", [])
    organisation = factories.OrganisationFactory()
    delegate = factories.MembershipFactory(organisation=organisation).user
    positions = [
        factories.PositionFactory(
            organisation=organisation,
            created_by=delegate,
            chapter=chapter,
            status=PositionStatus.SUBMITTED,
            filed_at=timezone.now() - dt.timedelta(days=8),
        )
        for _ in range(2)
    ]
    first = _overdue(asker, positions[0], ministries["agricultura"], "¿Primera pregunta vencida?")

    client = Celery(broker=stack.redis.url)

    def beat() -> None:
        client.send_task(TASK)

    worker = stack.worker("reminders-1")
    beat()
    beat()  # beat again within the same day (or a redelivered message)
    expected = Counter({user.email: 1 for user in consulted})
    settle(
        lambda: stack.sink.per_recipient() == expected,
        timeout=90,
        what="one reminder each",
        log=worker.log,
        quiet=QUIET,
    )
    assert stack.sink.per_recipient() == expected
    assert ConsultationReminder.objects.filter(request=first).count() == 1

    # The worker dies without a warm shutdown; another takes over and beat fires again the same day.
    worker.kill()
    second = _overdue(asker, positions[1], ministries["agricultura"], "¿Segunda pregunta vencida?")
    replacement = stack.worker("reminders-2")
    beat()
    beat()
    expected = Counter({user.email: 2 for user in consulted})  # the second request's, once; the first's, not again
    settle(
        lambda: stack.sink.per_recipient() == expected,
        timeout=90,
        what="the second request's reminders",
        log=replacement.log,
        quiet=QUIET,
    )
    assert stack.sink.per_recipient() == expected
    assert ConsultationReminder.objects.filter(request=second).count() == 1
    assert ConsultationReminder.objects.filter(request=first).count() == 1
    for outsider in (asker, bystander, delegate):
        assert outsider.email not in stack.sink.per_recipient()
