"""Search from the header, in Chromium: as a delegate (its own and the room's positions, nothing else) and as an
official (intelligence notes too); the live preview as one types, the results page, a filter, opening a result.

Screenshots of every step go to ``test-artifacts/screenshots/browser_search/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.support import require_chromium

require_chromium()

from django.utils import timezone  # noqa: E402
from playwright.sync_api import Browser, expect  # noqa: E402

from consultations import models  # noqa: E402
from consultations.services import intelligence as intelligence_services  # noqa: E402
from tests import factories  # noqa: E402
from tests.e2e.browser import TIMEOUT_MS, BrowserSession, open_session, sign_in  # noqa: E402

pytestmark = [pytest.mark.browser]

OURS = "Aceros planos para autopartes"
ROOM = "Cuotas de acero compartidas con la sala"
THEIRS = "Aceros especiales ZAFIRO-e2e"
NOTE = "Capacidad instalada del acero TURQUESA-e2e"


@dataclass
class World:
    delegate: models.User
    official: models.User
    ours: models.Position
    note: models.IntelligenceNote


@pytest.fixture
def world(transactional_db) -> World:
    chapter = factories.ChapterFactory(number=4, title_en="Rules of Origin", title_es="Reglas de Origen")
    open_round = factories.RoundFactory(label="Ronda e2e de búsqueda")
    org_a = factories.OrganisationFactory(name="Cámara Ficticia del Acero", acronym="CFAC")
    org_b = factories.OrganisationFactory(name="Consejo Ficticio Automotriz", acronym="CFAU")
    delegate = factories.MembershipFactory(organisation=org_a).user
    official = factories.official(chapters=[chapter])
    filed = {"status": models.PositionStatus.SUBMITTED, "filed_at": timezone.now(), "chapter": chapter}
    ours = factories.PositionFactory(organisation=org_a, round=open_round, title=OURS, **filed)
    factories.PositionFactory(
        organisation=org_b, round=open_round, title=ROOM, confidentiality=models.Confidentiality.ROOM, **filed
    )
    factories.PositionFactory(organisation=org_b, round=open_round, title=THEIRS, **filed)
    note = intelligence_services.intelligence_note_create(
        by=official, chapter=chapter, title=NOTE, body_markdown="Utilización del **acero** al 70 %."
    )
    return World(delegate=delegate, official=official, ours=ours, note=note)


@pytest.fixture
def session(browser: Browser, live_server, screenshot_dir: Path) -> Iterator[BrowserSession]:
    with open_session(browser, live_server.url, screenshot_dir / "browser_search") as journey:
        yield journey


def _type_in_header(session: BrowserSession, words: str) -> None:
    box = session.page.locator("#header-search-q")
    with session.page.expect_response(lambda r: "/search/" in r.url and "preview=1" in r.url and r.ok):
        box.press_sequentially(words, delay=40)


def test_a_delegate_searches_from_the_header_and_opens_a_result(session: BrowserSession, world: World) -> None:
    page = session.page
    expect.set_options(timeout=TIMEOUT_MS)
    sign_in(page.context, session.base_url, world.delegate)
    session.goto("/chapters/")

    _type_in_header(session, "acero")
    preview = page.locator("#search-preview")
    expect(preview).to_have_attribute("aria-live", "polite")
    expect(preview.locator("li")).to_have_count(2)
    expect(preview).to_contain_text("planos")
    expect(preview).not_to_contain_text("ZAFIRO")
    expect(preview).not_to_contain_text("TURQUESA")
    expect(preview.locator("mark").first).to_be_visible()
    session.shot("delegate-preview")

    # Enter submits the plain GET form: the results page, with highlighted snippets.
    page.locator("#header-search-q").press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=acero"))
    results = page.locator("#search-results")
    expect(results.locator("li.search-hit")).to_have_count(2)
    expect(results).not_to_contain_text("ZAFIRO")
    session.shot("delegate-results")

    # Typing on the results page refreshes the results in place (htmx) and keeps them in the URL.
    box = page.locator("#search-q")
    box.fill("")
    with page.expect_response(lambda r: "/search/" in r.url and "planos" in r.url and r.ok):
        box.press_sequentially("aceros planos", delay=30)
    expect(results.locator("li.search-hit")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=aceros(\+|%20)planos"))

    results.locator("li.search-hit h3 a").click()
    page.wait_for_url(re.compile(rf"/positions/{world.ours.pk}/$"))
    expect(page.locator("h1")).to_have_text(OURS)
    session.shot("delegate-opened")

    csp_errors = [text for text in session.console_errors if "Content Security Policy" in text]
    assert not csp_errors, "CSP violations in the browser console:\n" + "\n".join(csp_errors)
    uncaught = [text for text in session.console_errors if text.startswith("uncaught:")]
    assert not uncaught, "JavaScript errors in the browser:\n" + "\n".join(uncaught)


def test_an_official_finds_an_intelligence_note_and_opens_it(session: BrowserSession, world: World) -> None:
    page = session.page
    expect.set_options(timeout=TIMEOUT_MS)
    sign_in(page.context, session.base_url, world.official)
    session.goto("/triage/")

    _type_in_header(session, "acero")
    preview = page.locator("#search-preview")
    expect(preview).to_contain_text("TURQUESA")
    expect(preview).to_contain_text("ZAFIRO")  # the government reads every filed position of its chapter
    session.shot("official-preview")

    page.locator("#header-search-q").press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=acero"))
    with page.expect_response(lambda r: "kind=intelligence" in r.url and r.ok):
        page.locator("#id_kind").select_option("intelligence")
    results = page.locator("#search-results")
    expect(results.locator("li.search-hit")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"kind=intelligence"))
    session.shot("official-filtered")

    results.locator("li.search-hit h3 a").click()
    page.wait_for_url(re.compile(rf"/intelligence/{world.note.pk}/$"))
    expect(page.locator("h1")).to_contain_text("TURQUESA")
    expect(page.locator("article strong")).to_have_text("acero")
    session.shot("official-opened")

    uncaught = [text for text in session.console_errors if text.startswith("uncaught:")]
    assert not uncaught, "JavaScript errors in the browser:\n" + "\n".join(uncaught)
