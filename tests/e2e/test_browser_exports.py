"""A negotiator takes a chapter's briefing book from the chapter page as a PDF, and a larger one through an export
job whose page updates itself (htmx polling) until the download link appears. Both PDFs are read with pdftotext.

Drives Debian's Chromium through Playwright against pytest-django's live server. Screenshots go to
``test-artifacts/screenshots/browser_exports/``.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.support import require_chromium

require_chromium()

from django.utils import timezone  # noqa: E402
from playwright.sync_api import Browser, expect  # noqa: E402

from consultations import models  # noqa: E402
from consultations.services import exports as export_services  # noqa: E402
from tests import factories  # noqa: E402
from tests.e2e.browser import TIMEOUT_MS, BrowserSession, open_session, sign_in  # noqa: E402

pytestmark = [pytest.mark.browser]

RED_TITLE = "Foco rojo: acumulación de acero norteamericano en autopartes"
OTHER_TITLE = "Simplificar la certificación de origen para pymes"
FOREIGN_TITLE = "CANARIO-COMPRAS-PUBLICAS-31b"


@pytest.fixture
def negotiator(transactional_db) -> models.User:  # noqa: ANN001
    chapter = factories.ChapterFactory(number=4, title_en="Rules of Origin", title_es="Reglas de Origen")
    foreign = factories.ChapterFactory(number=13, title_es="Compras del Sector Público")
    round = factories.RoundFactory(label="Ronda e2e de Ottawa")
    industry = factories.OrganisationFactory(name="Cámara Ficticia de la Industria Automotriz")
    filed = {"status": models.PositionStatus.SUBMITTED, "filed_at": timezone.now(), "round": round}
    factories.PositionFactory(
        title=RED_TITLE, chapter=chapter, organisation=industry, is_red_flag=True, exports_usd=2_500_000_000, **filed
    )
    factories.PositionFactory(title=OTHER_TITLE, chapter=chapter, organisation=industry, **filed)
    factories.PositionFactory(title=FOREIGN_TITLE, chapter=foreign, organisation=industry, **filed)
    negotiator = factories.official(chapters=[chapter], negotiator=True)
    negotiator.full_name = "Negociadora de Reglas de Origen"
    negotiator.save()
    return negotiator


@pytest.fixture
def session(browser: Browser, live_server, screenshot_dir: Path) -> Iterator[BrowserSession]:  # noqa: ANN001
    with open_session(browser, live_server.url, screenshot_dir / "browser_exports") as journey:
        yield journey


def _pdf_text(path: Path) -> str:
    assert path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()
    return " ".join(text.split())


def test_negotiator_downloads_a_briefing_book_pdf_directly_and_through_a_job(
    session: BrowserSession,
    negotiator: models.User,
    settings,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
    }
    page = session.page
    expect.set_options(timeout=TIMEOUT_MS)
    sign_in(page.context, session.base_url, negotiator)

    # --- From the chapter page: the round's book as a PDF, at once ----------------------------------------
    session.goto("/chapters/4/evolution/")
    links = page.locator(".book-links").first
    expect(links).to_contain_text("Ronda e2e de Ottawa")
    session.shot("chapter-book-links")
    # The PDF is drawn while the request waits (a few seconds on a busy machine): wait for the download itself.
    with page.expect_download(timeout=120_000) as download_info:
        links.get_by_role("link", name="PDF").click(no_wait_after=True)
    download = download_info.value
    assert re.fullmatch(r"briefing-book_round-\d+_chapter-04_\d{4}-\d{2}-\d{2}\.pdf", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    text = _pdf_text(saved)
    for expected in ("Ronda e2e de Ottawa", "Reglas de Origen", "Líneas rojas y focos rojos", RED_TITLE, OTHER_TITLE):
        assert expected in text, expected
    assert "US$2,500,000,000" in text
    assert text.index(RED_TITLE) < text.index("Otras posiciones, por prioridad")
    assert FOREIGN_TITLE not in text

    # --- Larger than the limit: a job, its page polls until the link appears ------------------------------
    settings.EXPORT_SYNC_MAX_PDF_POSITIONS = 1
    links.get_by_role("link", name="PDF").click()
    page.wait_for_url(re.compile(r"/exports/\d+/$"))
    expect(page.get_by_role("progressbar")).to_be_visible()
    expect(page.locator("#export-job-status [role='status']")).to_contain_text("En cola")
    session.shot("job-queued")
    job = models.ExportJob.objects.get(requester=negotiator)
    assert export_services.export_job_run(job_id=job.pk) == "done"  # what the worker does (see test_export_worker)
    link = page.get_by_role("link", name=re.compile(r"^Descargar briefing-book"))
    expect(link).to_be_visible()  # swapped in by the polling, without a reload
    expect(page.get_by_role("progressbar")).to_have_count(0)
    session.shot("job-ready")
    with page.expect_download(timeout=120_000) as download_info:
        link.click(no_wait_after=True)
    saved = tmp_path / "job.pdf"
    download_info.value.save_as(saved)
    assert RED_TITLE in _pdf_text(saved)

    csp_errors = [text for text in session.console_errors if "Content Security Policy" in text]
    assert not csp_errors, "CSP violations in the browser console:\n" + "\n".join(csp_errors)
