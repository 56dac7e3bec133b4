"""Export jobs in process (eager Celery; tests/e2e/test_export_worker.py runs them on a real worker): a large export
becomes a job, its file is private to its requester, a failed job shows its state and can be retried, a re-run does
not make a second file, and a week later the file and the job are gone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultations.models import AuditEvent, ExportJob, ExportKind, Notification, OfficialProfile
from consultations.services import exports as export_services
from tests.consultations.exports.conftest import CANARY, RED_TITLE, Book
from tests.consultations.exports.helpers import body_bytes, csv_rows, pdf_text

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def _files(media: Path) -> list[Path]:
    return sorted(path for path in (media / "exports").glob("*") if path.is_file()) if media.exists() else []


@pytest.fixture
def small_limits(settings) -> None:  # noqa: ANN001
    settings.EXPORT_SYNC_MAX_ROWS = 1
    settings.EXPORT_SYNC_MAX_PDF_POSITIONS = 1


def test_a_large_export_becomes_a_job_and_is_downloaded_by_its_requester_only(
    book: Book, small_limits: None, eager_celery: None, private_media: Path, django_capture_on_commit_callbacks
) -> None:
    reader = book.cast.official_of_chapter
    client = _client(reader)
    url = reverse("consultations:book_chapter", args=[book.round.pk, book.chapter.number, "csv"])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url)

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("consultations:export_job_detail", args=[job.pk])
    assert (job.requester, job.kind, job.status, job.progress, job.row_count) == (
        reader,
        ExportKind.BOOK_CSV,
        ExportJob.Status.DONE,
        100,
        2,
    )
    assert abs(job.expires_at - job.created_at - dt.timedelta(days=7)) < dt.timedelta(seconds=5)
    assert len(_files(private_media)) == 1
    page = client.get(response["Location"]).content.decode()
    download = reverse("consultations:export_job_download", args=[job.pk])
    assert download in page and 'role="status"' in page and 'hx-trigger="every 2s"' not in page

    rows = csv_rows(body_bytes(client.get(download)))
    assert rows[1][6] == RED_TITLE and CANARY not in str(rows)
    notification = Notification.objects.get(recipient=reader, kind="export")
    assert notification.url == response["Location"]
    event = AuditEvent.objects.get(action="export")
    assert event.data["job"] == job.pk and event.data["rows"] == 2

    for other in (book.cast.coordinator, book.cast.official_of_other_chapter, book.cast.delegate_a, book.cast.admin):
        assert _client(other).get(download).status_code == 404
        assert _client(other).get(response["Location"]).status_code == 404
        assert _client(other).post(reverse("consultations:export_job_retry", args=[job.pk])).status_code == 404


def test_a_pending_job_shows_an_accessible_progress_bar_and_polls(book: Book, private_media: Path) -> None:
    reader = book.cast.coordinator
    job = export_services.export_job_create(by=reader, kind=ExportKind.BOOK_PDF, parameters={"round_id": book.round.pk})
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, progress=40)
    client = _client(reader)
    url = reverse("consultations:export_job_detail", args=[job.pk])

    page = client.get(url).content.decode()
    partial = client.get(url, headers={"HX-Request": "true"}).content.decode()

    assert 'role="progressbar"' in page and 'aria-valuenow="40"' in page and 'role="status"' in page
    assert 'hx-trigger="every 2s"' in page
    assert "<html" not in partial and 'aria-valuenow="40"' in partial
    assert reverse("consultations:export_job_download", args=[job.pk]) not in page
    assert client.get(reverse("consultations:export_job_download", args=[job.pk])).status_code == 404


def test_a_job_whose_chapter_the_requester_lost_fails_visibly_and_is_retried(
    book: Book, small_limits: None, private_media: Path
) -> None:
    reader = book.cast.official_of_chapter
    client = _client(reader)
    client.get(reverse("consultations:book_chapter", args=[book.round.pk, book.chapter.number, "xlsx"]))
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.QUEUED  # no worker here
    profile = OfficialProfile.objects.get(user=reader)
    profile.chapters.clear()

    assert export_services.export_job_run(job_id=job.pk) == "failed"

    url = reverse("consultations:export_job_detail", args=[job.pk])
    page = client.get(url).content.decode()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
    assert 'role="alert"' in page and "Reintentar" in page and 'hx-trigger="every 2s"' not in page
    assert "Usted ya no tiene acceso" in page
    assert not _files(private_media) and not AuditEvent.objects.filter(action="export").exists()

    profile.chapters.add(book.chapter)
    response = client.post(reverse("consultations:export_job_retry", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.error) == (ExportJob.Status.QUEUED, "")
    assert export_services.export_job_run(job_id=job.pk) == "done"
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.filename.endswith(".xlsx")


def test_running_a_job_again_makes_no_second_file(book: Book, private_media: Path) -> None:
    job = export_services.export_job_create(
        by=book.cast.coordinator, kind=ExportKind.BOOK_CSV, parameters={"round_id": book.round.pk}
    )
    assert export_services.export_job_run(job_id=job.pk) == "done"
    # A redelivered message of a job that a worker was still building when another finished it.
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING)
    job.refresh_from_db()
    first = job.file.name
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.DONE)
    assert export_services.export_job_run(job_id=job.pk) == "skipped"
    job.refresh_from_db()
    assert job.file.name == first
    assert len(_files(private_media)) == 1
    assert AuditEvent.objects.filter(action="export").count() == 1
    assert Notification.objects.filter(kind="export").count() == 1


def test_jobs_past_their_week_are_deleted_with_their_files(book: Book, private_media: Path) -> None:
    reader = book.cast.coordinator
    old = export_services.export_job_create(by=reader, kind=ExportKind.BOOK_CSV, parameters={"round_id": book.round.pk})
    new = export_services.export_job_create(by=reader, kind=ExportKind.BOOK_CSV, parameters={"round_id": book.round.pk})
    for job in (old, new):
        export_services.export_job_run(job_id=job.pk)
    assert len(_files(private_media)) == 2

    deleted = export_services.export_jobs_expire(now=timezone.now() + dt.timedelta(days=7, minutes=1))

    assert deleted == 2
    assert not ExportJob.objects.exists() and not _files(private_media)
    assert not Notification.objects.filter(kind="export").exists()
    assert export_services.export_jobs_expire(now=timezone.now()) == 0


def test_an_expired_job_is_not_downloadable_before_the_beat_task_runs(book: Book, private_media: Path) -> None:
    reader = book.cast.coordinator
    job = export_services.export_job_create(by=reader, kind=ExportKind.BOOK_CSV, parameters={"round_id": book.round.pk})
    export_services.export_job_run(job_id=job.pk)
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert _client(reader).get(reverse("consultations:export_job_download", args=[job.pk])).status_code == 404


def test_the_job_list_shows_only_the_users_jobs_in_constant_queries(
    book: Book,
    private_media: Path,
    django_assert_max_num_queries,  # noqa: ANN001
) -> None:
    reader = book.cast.coordinator
    theirs = export_services.export_job_create(
        by=book.cast.official_of_chapter, kind=ExportKind.BOOK_PDF, parameters={"round_id": book.round.pk}
    )
    client = _client(reader)
    url = reverse("consultations:export_job_list")
    mine = export_services.export_job_create(
        by=reader, kind=ExportKind.BOOK_PDF, parameters={"round_id": book.round.pk}
    )

    with CaptureQueriesContext(connection) as one:
        page = client.get(url).content.decode()
    assert reverse("consultations:export_job_detail", args=[mine.pk]) in page
    assert reverse("consultations:export_job_detail", args=[theirs.pk]) not in page
    for _index in range(10):
        export_services.export_job_create(by=reader, kind=ExportKind.BOOK_CSV, parameters={"round_id": book.round.pk})
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_handover_report_is_for_the_coordinator_and_admins_and_runs_as_a_job(
    book: Book, eager_celery: None, private_media: Path, django_capture_on_commit_callbacks
) -> None:
    from consultations.services import state_of_play as state_services

    state_services.chapter_status_set(
        chapter=book.chapter,
        round=book.round,
        by=book.negotiator,
        status="advanced",
        note="Convergencia en autopartes.",
    )
    state_services.open_issue_create(
        chapter=book.chapter,
        round=book.round,
        by=book.negotiator,
        text="VCR 75 % frente a 85 %",
        parties=["US"],
        positions=[book.red_line],
    )
    from consultations.services import intelligence as intelligence_services

    intelligence_services.intelligence_note_create(
        by=book.negotiator,
        chapter=book.chapter,
        title="Estudio de contenido regional del acero",
        body_markdown="Las plantas del **Bajío** acreditan 62 %.",
        rounds=[book.round],
    )
    url = reverse("consultations:handover")
    for role in ("delegate_a", "official_of_chapter"):
        assert _client(getattr(book.cast, role)).get(url).status_code == 404
        assert _client(getattr(book.cast, role)).post(url, {"chapter": book.chapter.pk}).status_code == 404
    assert not ExportJob.objects.exists()

    coordinator = _client(book.cast.coordinator)
    assert coordinator.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(url, {"chapter": book.chapter.pk})

    job = ExportJob.objects.get()
    assert response["Location"] == reverse("consultations:export_job_detail", args=[job.pk])
    assert (job.kind, job.status, job.parameters) == (ExportKind.HANDOVER, "done", {"chapter": book.chapter.number})
    text = pdf_text(body_bytes(coordinator.get(reverse("consultations:export_job_download", args=[job.pk]))))
    for expected in (
        "INFORME DE TRANSICIÓN",
        "Reglas de Origen",
        "Líneas rojas pendientes",
        RED_TITLE,
        "Posiciones y resultados, ronda por ronda",
        book.round.label,
        "Sesión del martes",
        "¿Cuánto contenido regional pueden acreditar?",
        "Quién trabajó en él y cuándo",
        book.negotiator.email,
        "Estado de la negociación",
        "Convergencia en autopartes.",
        "VCR 75 % frente a 85 %",
        "Notas de inteligencia",
        "Estudio de contenido regional del acero",
        "Las plantas del Bajío acreditan 62 %.",
    ):
        assert expected in text, expected
    assert CANARY not in text

    admin = _client(book.cast.admin)
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(url, {"chapter": ""}).status_code == 302
    everything = ExportJob.objects.get(requester=book.cast.admin)
    text = pdf_text(body_bytes(admin.get(reverse("consultations:export_job_download", args=[everything.pk]))))
    assert CANARY in text and RED_TITLE in text


def test_the_handover_form_refuses_a_chapter_that_does_not_exist(book: Book) -> None:
    response = _client(book.cast.coordinator).post(reverse("consultations:handover"), {"chapter": 999999})
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert not ExportJob.objects.exists()
