"""An official triages three positions with the keyboard alone, in a real browser.

Drives Debian's Chromium through Playwright against pytest-django's live server. After signing in, the official only
presses keys (static/js/triage.js: j/k next/previous, a assign to me, s status, / search, ? help); no click. The
database is checked at the end. Screenshots of every step go to ``test-artifacts/screenshots/browser_triage/``.
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

from django.utils import timezone  # noqa: E402
from playwright.sync_api import Browser, expect  # noqa: E402

from consultations import models  # noqa: E402
from tests import factories  # noqa: E402
from tests.e2e.browser import TIMEOUT_MS, BrowserSession, enter_sign_in_code, open_session  # noqa: E402

pytestmark = [pytest.mark.browser]

PASSWORD = "Mesa-de-reglas-2026!"
MAX_TABS = 12  # from the status menu to its form's submit button: the response box, its help, the button
TITLES = [
    "Acumulación regional para autopartes de acero",
    "Certificación de origen electrónica para pymes",
    "Periodo de transición para el valor de contenido regional",
    "Reglas de origen específicas para textiles técnicos",
]


@dataclass
class Desk:
    official: models.User
    chapter: models.Chapter
    positions: list[models.Position]  # newest first: the queue's default order


@pytest.fixture
def desk(transactional_db) -> Desk:
    chapter = factories.ChapterFactory(number=4, title_en="Rules of Origin", title_es="Reglas de Origen")
    other_chapter = factories.ChapterFactory(number=3, title_en="Agriculture", title_es="Agricultura")
    open_round = factories.RoundFactory(label="Ronda e2e de Washington")
    organisation = factories.OrganisationFactory(name="Cámara Ficticia de la Industria Automotriz", acronym="CFIA")
    author = factories.MembershipFactory(organisation=organisation).user
    official = factories.official(chapters=[chapter])
    official.email = "analista.e2e@economia.gob.mx"
    official.full_name = "Analista de Reglas de Origen"
    official.set_password(PASSWORD)
    official.save()
    now = timezone.now()
    positions = [
        factories.PositionFactory(
            organisation=organisation,
            chapter=chapter,
            round=open_round,
            title=title,
            summary=f"Resumen: {title.lower()}.",
            created_by=author,
            status=models.PositionStatus.SUBMITTED,
            filed_at=now - dt.timedelta(hours=index + 1),  # distinct ages: the queue order is known
        )
        for index, title in enumerate(TITLES)
    ]
    # Another chapter's position: not in this official's queue.
    factories.PositionFactory(
        organisation=organisation,
        chapter=other_chapter,
        round=open_round,
        title="Cupos de importación de maíz amarillo",
        created_by=author,
        status=models.PositionStatus.SUBMITTED,
        filed_at=now,
    )
    return Desk(official=official, chapter=chapter, positions=positions)


@pytest.fixture
def session(browser: Browser, live_server, screenshot_dir: Path) -> Iterator[BrowserSession]:
    with open_session(browser, live_server.url, screenshot_dir / "browser_triage") as journey:
        yield journey


def test_official_triages_three_positions_with_the_keyboard_alone(session: BrowserSession, desk: Desk) -> None:
    page = session.page
    expect.set_options(timeout=TIMEOUT_MS)

    # --- Sign in through the real sign-in page (the last use of the mouse) -------------------------------
    session.goto("/accounts/login/")
    login_form = page.locator("main form[action='/accounts/login/']")
    login_form.locator("input[name='login']").fill(desk.official.email)
    login_form.locator("input[name='password']").fill(PASSWORD)
    session.shot("sign-in")
    login_form.locator("button[type='submit']").click()
    enter_sign_in_code(page)  # staff sign in in two steps
    page.wait_for_url(re.compile(r"/triage/$"))  # an official lands on the queue
    expect(page.locator(".account-name")).to_have_text(desk.official.full_name)

    # --- The queue: the official's chapter only; by default what needs work, oldest first ------------------
    session.goto("/triage/")
    assert page.evaluate("() => typeof window.htmx") == "object", "htmx did not load on the triage queue"
    rows = page.locator("#queue-list tr[data-position-id]")
    queue = desk.positions[::-1]  # the desk lists them newest first
    expect(rows).to_have_count(len(queue))
    row_ids = [int(pk) for pk in rows.evaluate_all("rows => rows.map(row => row.dataset.positionId)")]
    assert row_ids == [position.pk for position in queue]
    expect(page.locator("#queue-list")).not_to_contain_text("maíz amarillo")
    pane = page.locator("#triage-pane")
    heading = pane.locator("#pane-heading")
    session.shot("queue")
    session.key_shots("queue", desk.official)

    # --- ? opens the shortcuts, Escape closes them ---------------------------------------------------------
    help_dialog = page.locator("dialog#triage-help")
    expect(help_dialog).to_be_hidden()
    session.press("?")
    expect(help_dialog).to_be_visible()
    assert page.evaluate("() => document.getElementById('triage-help').open")
    expect(help_dialog.locator("kbd", has_text="j")).to_be_visible()
    session.shot("help-open")
    session.press("Escape")
    expect(help_dialog).to_be_hidden()
    assert not page.evaluate("() => document.getElementById('triage-help').open")
    session.shot("help-closed")

    # --- / goes to the search box; Tab leaves the filter fields (shortcuts are off while typing in one) ---------
    session.press("/")
    assert session.active("el => el.matches('[data-triage-search]')"), "/ did not focus the search box"
    session.shot("search-focused")
    for _ in range(MAX_TABS):
        session.press("Tab")
        if not session.active("el => Boolean(el.closest('input, select, textarea'))"):
            break
    else:
        pytest.fail("Tab never left the filter fields")

    # --- Three positions, keyboard only ------------------------------------------------------------------
    for number, position in enumerate(queue[:3], start=1):
        # j: the next position opens in the pane beside the list, and its row is the current one.
        session.press("j")
        expect(heading).to_have_text(position.title)
        current = page.locator(f"#queue-list tr[data-position-id='{position.pk}']")
        expect(current).to_have_attribute("aria-current", "true")
        expect(pane.locator("form[data-triage-assign-me]")).to_have_count(1)
        session.shot(f"position-{number}-opened")

        # a: assigned to me; the pane comes back with the result and without the "Assign to me" form.
        session.press("a")
        expect(pane.locator(".pane-result")).to_be_visible()
        expect(pane.locator("form[data-triage-assign-me]")).to_have_count(0)
        expect(pane.locator(".pane-facts")).to_contain_text(desk.official.full_name)
        session.shot(f"position-{number}-assigned")

        # s: the status menu has the focus; the arrow key chooses "in review" (the first step on from "submitted").
        session.press("s")
        status = pane.locator("select[data-triage-status]")
        expect(status).to_be_focused()
        session.press("ArrowDown")
        expect(status).to_have_value(models.PositionStatus.IN_REVIEW)
        session.shot(f"position-{number}-status-chosen")

        # Tab to the form's submit button and press Enter.
        for _ in range(MAX_TABS):
            session.press("Tab")
            if session.active("el => el.matches(\"form[action$='/status/'] button[type='submit']\")"):
                break
        else:
            pytest.fail("Tab never reached the “Save the decision” button")
        session.press("Enter")
        expect(pane.locator(".pane-result")).to_be_visible()
        expect(pane.locator(".pane-badges .badge-in_review")).to_be_visible()
        # The list refreshes itself after each action and keeps the open row marked.
        expect(current.locator(".badge-in_review")).to_be_visible()
        expect(current).to_have_attribute("aria-current", "true")
        session.shot(f"position-{number}-in-review")

    # --- k goes back one position: the shortcuts still follow the list after its refreshes -----------------
    session.press("k")
    expect(heading).to_have_text(queue[1].title)
    session.shot("back-with-k")
    session.key_shots("position-open", desk.official)

    # --- The database: three positions assigned to the official and in review, each step in its history ------
    for position in queue[:3]:
        position.refresh_from_db()
        assert position.assigned_to_id == desk.official.pk, position.title
        assert position.status == models.PositionStatus.IN_REVIEW, position.title
        events = list(position.triage_events.order_by("pk").values_list("action", "actor_id", "to_status"))
        assert events == [
            (models.TriageEvent.Action.ASSIGN, desk.official.pk, ""),
            (models.TriageEvent.Action.STATUS, desk.official.pk, models.PositionStatus.IN_REVIEW),
        ], position.title
    untouched = queue[3]
    untouched.refresh_from_db()
    assert (untouched.assigned_to_id, untouched.status) == (None, models.PositionStatus.SUBMITTED)
    assert not untouched.triage_events.exists()

    # --- htmx and triage.js ran under the Content Security Policy without a single violation ---------------
    csp_errors = [text for text in session.console_errors if "Content Security Policy" in text]
    assert not csp_errors, "CSP violations in the browser console:\n" + "\n".join(csp_errors)
    uncaught = [text for text in session.console_errors if text.startswith("uncaught:")]
    assert not uncaught, "JavaScript errors in the browser:\n" + "\n".join(uncaught)
