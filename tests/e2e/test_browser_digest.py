"""An official previews the digest of a round in a real browser: their chapter's positions, nobody else's.

Drives Debian's Chromium through Playwright against pytest-django's live server. Screenshots of every step go to
``test-artifacts/screenshots/browser_digest/``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.support import require_chromium

require_chromium()

from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from playwright.sync_api import Browser, expect  # noqa: E402

from consultations import models  # noqa: E402
from consultations.services import digests  # noqa: E402
from tests import factories  # noqa: E402
from tests.e2e.browser import TIMEOUT_MS, BrowserSession, enter_sign_in_code, open_session  # noqa: E402

pytestmark = [pytest.mark.browser]

PASSWORD = "Resumen-de-ronda-2026!"
SECRET = "SECRETO-GOB-ONLY-7781"
MINE = ["Acumulación regional para autopartes", "Certificación de origen electrónica"]
ELSEWHERE = f"Cupos de maíz amarillo {SECRET}"


@dataclass
class Desk:
    official: models.User
    round: models.Round


@pytest.fixture
def desk(transactional_db) -> Desk:
    chapter = factories.ChapterFactory(number=4, title_en="Rules of Origin", title_es="Reglas de Origen")
    other_chapter = factories.ChapterFactory(number=3, title_en="Agriculture", title_es="Agricultura")
    round = factories.RoundFactory(
        label="Quinta Ronda, Ciudad de México",
        notes="Sesión plenaria de reglas de origen.",
        digest_at=timezone.now() + dt.timedelta(days=2),
    )
    automotive = factories.OrganisationFactory(name="Cámara Ficticia de la Industria Automotriz", acronym="CFIA")
    farmers = factories.OrganisationFactory(name="Consejo Ficticio Agropecuario", acronym="CFA")
    for index, title in enumerate(MINE):
        factories.PositionFactory(
            organisation=automotive,
            chapter=chapter,
            round=round,
            title=title,
            priority=models.Priority.RED_LINE if index == 0 else models.Priority.HIGH,
            status=models.PositionStatus.SUBMITTED,
            filed_at=timezone.now() - dt.timedelta(hours=index + 1),
        )
    factories.PositionFactory(
        organisation=farmers,
        chapter=other_chapter,
        round=round,
        title=ELSEWHERE,
        status=models.PositionStatus.SUBMITTED,
        filed_at=timezone.now(),
    )
    official = factories.official(chapters=[chapter])
    official.email = "analista.resumen@economia.gob.mx"
    official.full_name = "Analista de Reglas de Origen"
    official.set_password(PASSWORD)
    official.save()
    return Desk(official=official, round=round)


@pytest.fixture
def session(browser: Browser, live_server, screenshot_dir: Path) -> Iterator[BrowserSession]:
    with open_session(browser, live_server.url, screenshot_dir / "browser_digest") as journey:
        yield journey


def test_an_official_previews_the_digest_of_their_chapters(session: BrowserSession, desk: Desk) -> None:
    page = session.page
    expect.set_options(timeout=TIMEOUT_MS)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    session.goto("/accounts/login/")
    login_form = page.locator("main form[action='/accounts/login/']")
    login_form.locator("input[name='login']").fill(desk.official.email)
    login_form.locator("input[name='password']").fill(PASSWORD)
    session.shot("sign-in")
    login_form.locator("button[type='submit']").click()
    enter_sign_in_code(page)  # staff sign in in two steps
    page.wait_for_url(re.compile(r"/triage/$"))  # an official lands on the queue
    expect(page.locator(".account-name")).to_have_text(desk.official.full_name)

    preview_url = reverse("consultations:digest_preview", args=[desk.round.pk])
    session.goto(preview_url)
    expect(page.locator("h1")).to_have_text(desk.round.label)
    digest = page.locator("article.digest-preview")
    expect(digest).to_be_visible()
    for title in MINE:
        expect(digest).to_contain_text(title)
    expect(digest).to_contain_text("Reglas de Origen")
    expect(digest).to_contain_text("Sesión plenaria de reglas de origen.")
    expect(digest).not_to_contain_text(SECRET)
    expect(digest).not_to_contain_text("maíz amarillo")
    links = digest.locator("a[href*='/dashboard/']")
    expect(links).to_have_count(1)
    expect(page.locator("nav.tabs a[aria-current='page']")).to_have_attribute("href", f"?kind={digests.PRE}")
    session.shot("digest-preview")

    # The debrief tab: the same page for the digest after the round.
    page.locator(f"nav.tabs a[href='?kind={digests.POST}']").click()
    page.wait_for_url(re.compile(rf"kind={digests.POST}$"))
    expect(page.locator("nav.tabs a[aria-current='page']")).to_have_attribute("href", f"?kind={digests.POST}")
    for title in MINE:
        expect(digest).to_contain_text(title)
    expect(digest).not_to_contain_text(SECRET)
    session.shot("debrief-preview")

    # The preview is what the e-mail will say, and nothing was sent by looking at it.
    _subject, text, _html = digests.render_digest(round=desk.round, user=desk.official, kind=digests.PRE)
    assert all(title in text for title in MINE) and SECRET not in text
    assert not models.Delivery.objects.exists()
    assert [f for f in failed if not f.endswith("/favicon.ico")] == []
    errors = [e for e in session.console_errors if not e.startswith("Failed to load resource")]
    assert errors == [], errors
