"""Export jobs on a real Celery worker: a large briefing book requested over the site is published by beat's outbox
relay, built by a worker process (``--pool solo``) on this run's test database, shown with its progress, announced
by an in-app notification, downloaded by its requester only, and deleted by beat's expiry task a week later. A job
whose requester lost access fails visibly and, once access is back, its Retry builds it.

The stack (its own redis-server, a worker and beat on loopback) is tests/e2e/delivery_stack.py's; worker, beat and
this test share one private media folder, as web and worker processes share it in production.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consultations import models
from consultations.services import exports as export_services
from tests import factories
from tests.e2e.delivery_stack import DeliveryStack, worker_database_url
from tests.e2e.support import short_tmp_dir, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420), pytest.mark.django_db(transaction=True)]

JOB_TIMEOUT = 90
CANARY = "CANARIO-OTRO-CAPITULO-5e1"


@pytest.fixture
def stack(transactional_db: None, settings: Any) -> Iterator[tuple[DeliveryStack, Path]]:
    folder = short_tmp_dir("cdje-")
    media = folder / "media"
    settings.MEDIA_ROOT = media
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
    }
    settings.EXPORT_SYNC_MAX_ROWS = 2  # three positions make a job
    stack = DeliveryStack(
        folder, worker_database_url(), settings.SITE_URL, PRIVATE_MEDIA_ROOT=str(media), EXPORT_EXPIRE_EVERY="1"
    )
    try:
        stack.worker("exports")
        stack.beat()  # the outbox relay and the expiry schedule
        yield stack, media
    finally:
        stack.close()
        shutil.rmtree(folder, ignore_errors=True)


def _client(user: models.User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _settled(job: models.ExportJob, stack: DeliveryStack, seen: list[tuple[str, int]]) -> models.ExportJob:
    def finished() -> bool:
        job.refresh_from_db()
        if not seen or seen[-1] != (job.status, job.progress):
            seen.append((job.status, job.progress))
        return job.status in (models.ExportJob.Status.DONE, models.ExportJob.Status.FAILED)

    wait_for(finished, timeout=JOB_TIMEOUT, interval=0.05, what=f"export job {job.pk}", log=stack.processes[0].log)
    return job


def _world() -> tuple[models.User, models.User, models.Chapter, models.Round]:
    chapter = factories.ChapterFactory(number=4, title_es="Reglas de Origen")
    other = factories.ChapterFactory(number=3)
    round = factories.RoundFactory(label="Ronda de trabajo 7")
    organisation = factories.OrganisationFactory(name="Cámara del Acero")
    filed = {"status": models.PositionStatus.SUBMITTED, "filed_at": timezone.now()}
    for index in range(3):
        factories.PositionFactory(
            organisation=organisation, chapter=chapter, round=round, title=f"Acero {index}", **filed
        )
    factories.PositionFactory(organisation=organisation, chapter=other, round=round, title=CANARY, **filed)
    return factories.official(chapters=[chapter]), factories.official(chapters=[], coordinator=True), chapter, round


def test_a_large_book_is_built_by_the_worker_notified_downloaded_by_its_requester_and_expired_by_beat(
    stack: tuple[DeliveryStack, Path],
) -> None:
    delivery, media = stack
    official, coordinator, chapter, round = _world()
    client = _client(official)

    response = client.get(reverse("consultations:book_chapter", args=[round.pk, chapter.number, "csv"]))

    job = models.ExportJob.objects.get()
    page_url = reverse("consultations:export_job_detail", args=[job.pk])
    assert response.status_code == 302 and response["Location"] == page_url
    seen: list[tuple[str, int]] = []
    job = _settled(job, delivery, seen)
    assert job.status == models.ExportJob.Status.DONE, (job.error, delivery.processes[0].log.tail())
    assert (job.progress, job.row_count, job.attempts) == (100, 3, 1)
    assert seen[-1] == ("done", 100)
    assert all(status in ("queued", "running", "done") for status, _progress in seen)

    partial = client.get(page_url, headers={"HX-Request": "true"}).content.decode()
    download = reverse("consultations:export_job_download", args=[job.pk])
    assert download in partial and 'hx-trigger="every 2s"' not in partial and 'role="status"' in partial
    notification = models.Notification.objects.get(recipient=official, kind=models.NotificationKind.EXPORT)
    assert notification.url == page_url and notification.read_at is None
    assert models.AuditEvent.objects.filter(action="export", actor=official, data__job=job.pk).count() == 1

    body = b"".join(client.get(download).streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert sorted(row[6] for row in rows[1:]) == ["Acero 0", "Acero 1", "Acero 2"]
    assert CANARY not in body.decode("utf-8-sig")
    for other in (coordinator, factories.official(chapters=[chapter])):
        assert _client(other).get(download).status_code == 404
        assert _client(other).get(page_url).status_code == 404

    stored = media / job.file.name
    assert stored.is_file()
    models.ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timezone.timedelta(seconds=1))
    wait_for(
        lambda: not models.ExportJob.objects.filter(pk=job.pk).exists(),
        timeout=JOB_TIMEOUT,
        what="beat's expiry task to delete the job",
        log=delivery.processes[0].log,
    )
    assert not stored.exists()
    assert not models.Notification.objects.filter(kind=models.NotificationKind.EXPORT).exists()
    assert client.get(download).status_code == 404


def test_a_failed_job_shows_its_failure_and_retry_builds_it(stack: tuple[DeliveryStack, Path]) -> None:
    delivery, media = stack
    official, _coordinator, chapter, round = _world()
    profile = models.OfficialProfile.objects.get(user=official)
    profile.chapters.clear()  # access lost between the request and the worker
    job = export_services.export_job_create(
        by=official,
        kind=models.ExportKind.BOOK_XLSX,
        parameters={"round_id": round.pk, "chapter": chapter.number},
    )
    job = _settled(job, delivery, [])
    assert job.status == models.ExportJob.Status.FAILED
    client = _client(official)
    page_url = reverse("consultations:export_job_detail", args=[job.pk])
    page = client.get(page_url, headers={"HX-Request": "true"}).content.decode()
    assert 'role="alert"' in page and "Reintentar" in page and 'hx-trigger="every 2s"' not in page
    assert not any(media.glob("exports/*"))

    profile.chapters.add(chapter)
    assert client.post(reverse("consultations:export_job_retry", args=[job.pk])).status_code == 302
    job = _settled(job, delivery, [])
    assert job.status == models.ExportJob.Status.DONE and job.attempts == 2
    assert job.filename.endswith(".xlsx") and (media / job.file.name).is_file()
    assert len(list(media.glob("exports/*"))) == 1
