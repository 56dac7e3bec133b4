"""A negotiator opens the round dashboard and drills down from a chapter's red lines to the triage queue.

Drives Debian's Chromium through Playwright against pytest-django's live server. Screenshots of every step go to
``test-artifacts/screenshots/browser_dashboard/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.support import require_chromium

require_chromium()

from django.utils import timezone  # noqa: E402
from playwright.sync_api import Browser, expect  # noqa: E402

from consultations import models  # noqa: E402
from tests import factories  # noqa: E402
from tests.e2e.browser import TIMEOUT_MS, BrowserSession, enter_sign_in_code, open_session  # noqa: E402

pytestmark = [pytest.mark.browser]

PASSWORD = "Mesa-de-negociacion-2026!"

# Chapter 4 (Rules of Origin): two red lines (a foco rojo, a red-line priority) and one that is not.
RED_FLAG_TITLE = "Foco rojo: acumulación de acero norteamericano en autopartes"
RED_PRIORITY_TITLE = "Línea roja: no subir el contenido regional de vehículos ligeros"
PLAIN_TITLE = "Simplificar la certificación de origen para pymes exportadoras"
# Red lines that must stay out of the drill-down: another of the negotiator's chapters, a chapter not theirs,
# and a withdrawn one.
OTHER_CHAPTER_RED_TITLE = "Foco rojo: cupos de maíz amarillo"
FOREIGN_CHAPTER_RED_TITLE = "Foco rojo: régimen de compras del sector público"
WITHDRAWN_RED_TITLE = "Foco rojo retirado: etiquetado de textiles"


@dataclass
class Table:
    negotiator: models.User
    round: models.Round
    chapter: models.Chapter
    other_chapter: models.Chapter


@pytest.fixture
def table(transactional_db) -> Table:
    chapter = factories.ChapterFactory(number=4, title_en="Rules of Origin", title_es="Reglas de Origen")
    other_chapter = factories.ChapterFactory(number=3, title_en="Agriculture", title_es="Agricultura")
    foreign_chapter = factories.ChapterFactory(number=13, title_en="Government Procurement", title_es="Compras")
    open_round = factories.RoundFactory(label="Ronda e2e de Ottawa")
    industry = factories.OrganisationFactory(name="Cámara Ficticia de la Industria Automotriz", acronym="CFIA")
    farmers = factories.OrganisationFactory(name="Consejo Ficticio Agropecuario", acronym="CFAG")
    negotiator = factories.official(chapters=[chapter, other_chapter], negotiator=True)
    negotiator.email = "negociadora.e2e@economia.gob.mx"
    negotiator.full_name = "Negociadora de Reglas de Origen"
    negotiator.set_password(PASSWORD)
    negotiator.save()
    filed = {"status": models.PositionStatus.SUBMITTED, "filed_at": timezone.now(), "round": open_round}

    def position(title: str, chapter: models.Chapter, organisation: models.Organisation, **kwargs: object) -> None:
        author = factories.MembershipFactory(organisation=organisation).user
        factories.PositionFactory(
            title=title, chapter=chapter, organisation=organisation, created_by=author, **(filed | kwargs)
        )

    position(RED_FLAG_TITLE, chapter, industry, is_red_flag=True, stance=models.Stance.DEFENSIVE)
    position(RED_PRIORITY_TITLE, chapter, industry, priority=models.Priority.RED_LINE, stance=models.Stance.OFFENSIVE)
    position(PLAIN_TITLE, chapter, farmers, priority=models.Priority.MEDIUM)
    position(OTHER_CHAPTER_RED_TITLE, other_chapter, farmers, is_red_flag=True)
    position(FOREIGN_CHAPTER_RED_TITLE, foreign_chapter, industry, is_red_flag=True)
    position(
        WITHDRAWN_RED_TITLE,
        chapter,
        industry,
        is_red_flag=True,
        status=models.PositionStatus.WITHDRAWN,
        withdrawn_at=timezone.now(),
    )
    return Table(negotiator=negotiator, round=open_round, chapter=chapter, other_chapter=other_chapter)


@pytest.fixture
def session(browser: Browser, live_server, screenshot_dir: Path) -> Iterator[BrowserSession]:
    with open_session(browser, live_server.url, screenshot_dir / "browser_dashboard") as journey:
        yield journey


def test_negotiator_drills_down_from_a_red_line_count_to_the_triage_queue(
    session: BrowserSession, table: Table
) -> None:
    page = session.page
    expect.set_options(timeout=TIMEOUT_MS)

    # --- Sign in through the real sign-in page ---------------------------------------------------------
    session.goto("/accounts/login/")
    login_form = page.locator("main form[action='/accounts/login/']")
    login_form.locator("input[name='login']").fill(table.negotiator.email)
    login_form.locator("input[name='password']").fill(PASSWORD)
    session.shot("sign-in")
    login_form.locator("button[type='submit']").click()
    enter_sign_in_code(page)  # staff sign in in two steps
    page.wait_for_url(re.compile(r"/dashboard/$"))  # a negotiator lands on the dashboard
    expect(page.locator(".account-name")).to_have_text(table.negotiator.full_name)

    # --- The dashboard of the round open for input: the negotiator's two chapters only ----------------------
    session.goto("/dashboard/")
    expect(page.locator("h1")).to_have_text(table.round.label)
    grid_rows = page.locator("table.status-grid tbody tr")
    expect(grid_rows).to_have_count(2)
    expect(page.locator("main")).not_to_contain_text(FOREIGN_CHAPTER_RED_TITLE)
    # The red-line column (the second-to-last) of chapter 4: the foco rojo and the red-line priority.
    chapter_row = grid_rows.filter(has=page.locator("th .chapter-number", has_text=re.compile(r"^4$")))
    expect(chapter_row).to_have_count(1)
    red_cell = chapter_row.locator("td").nth(-2)
    red_link = red_cell.locator("a").first
    expect(red_link).to_have_text("2")
    # The key figure counts the red lines of both chapters.
    expect(page.locator(".kpi-danger .kpi-value")).to_have_text("3")
    red_link.scroll_into_view_if_needed()
    session.shot("dashboard")
    session.key_shots("dashboard", table.negotiator)

    # --- Drill down: the queue with the round, the chapter and the red-line filter in its address ------------
    red_link.click()
    page.wait_for_url(re.compile(r"/triage/\?"))
    url = urlsplit(page.url)
    assert url.path == "/triage/"
    assert parse_qs(url.query) == {
        "round": [str(table.round.pk)],
        "chapter": [str(table.chapter.pk)],
        "red_line": ["1"],
    }, page.url
    rows = page.locator("#queue-list tr[data-position-id]")
    expect(rows).to_have_count(2)
    queue = page.locator("#queue-list")
    expect(queue).to_contain_text(RED_FLAG_TITLE)
    expect(queue).to_contain_text(RED_PRIORITY_TITLE)
    for absent in (PLAIN_TITLE, OTHER_CHAPTER_RED_TITLE, FOREIGN_CHAPTER_RED_TITLE, WITHDRAWN_RED_TITLE):
        expect(queue).not_to_contain_text(absent)
    # The filter form shows the filters it was opened with, so the official sees why the list is short.
    filters = page.locator("form[data-triage-filters]")
    expect(filters.locator("select[name='chapter']")).to_have_value(str(table.chapter.pk))
    expect(filters.locator("select[name='round']")).to_have_value(str(table.round.pk))
    expect(filters.locator("select[name='red_line']")).to_have_value("1")
    session.shot("queue-red-lines")

    # --- The shared link works as well on its own (a fresh load of the same address) ----------------------
    page.reload()
    expect(rows).to_have_count(2)
    expect(queue).not_to_contain_text(PLAIN_TITLE)

    # --- The back button returns to the dashboard ----------------------------------------------------------
    page.go_back()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    expect(page.locator("table.status-grid")).to_be_visible()
    session.shot("back-to-dashboard")

    csp_errors = [text for text in session.console_errors if "Content Security Policy" in text]
    assert not csp_errors, "CSP violations in the browser console:\n" + "\n".join(csp_errors)
    uncaught = [text for text in session.console_errors if text.startswith("uncaught:")]
    assert not uncaught, "JavaScript errors in the browser:\n" + "\n".join(uncaught)
