"""A negotiator resolves a chapter's last open issue, closes the chapter ad referendum, and the board shows it.

Drives Debian's Chromium through Playwright against pytest-django's live server. Screenshots of every step go to
``test-artifacts/screenshots/browser_state_of_play/``.
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
from consultations.services import state_of_play as services  # noqa: E402
from tests import factories  # noqa: E402
from tests.e2e.browser import TIMEOUT_MS, BrowserSession, open_session, sign_in  # noqa: E402

pytestmark = [pytest.mark.browser]

ISSUE = "Valor de contenido regional: 75 % frente a 85 %"
RED_LINE = "Foco rojo: no subir el contenido regional de vehículos ligeros"


@dataclass
class Table:
    negotiator: models.User
    chapter: models.Chapter
    round: models.Round
    issue: models.OpenIssue


@pytest.fixture
def table(transactional_db) -> Table:
    chapter = factories.ChapterFactory(number=4, title_en="Rules of Origin", title_es="Reglas de Origen")
    factories.ChapterFactory(number=21, title_en="Competition Policy", title_es="Política de Competencia")
    today = timezone.now().date()
    earlier = factories.RoundFactory(
        label="Ronda 6 e2e",
        starts_on=today - dt.timedelta(days=40),
        ends_on=today - dt.timedelta(days=36),
        input_opens_at=None,
        submission_deadline=None,
        digest_at=None,
    )
    current = factories.RoundFactory(
        label="Ronda 7 e2e",
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=3),
        input_opens_at=None,
        submission_deadline=None,
        digest_at=None,
    )
    negotiator = factories.official(chapters=[chapter], negotiator=True)
    negotiator.full_name = "Negociadora de Reglas de Origen"
    negotiator.save()
    red = factories.PositionFactory(
        chapter=chapter,
        round=earlier,
        title=RED_LINE,
        status=models.PositionStatus.IN_REVIEW,
        filed_at=timezone.now() - dt.timedelta(days=45),
        is_red_flag=True,
        requested_outcome="Mantener el 62.5 % del TLCAN.",
    )
    services.chapter_status_set(chapter=chapter, round=earlier, by=negotiator, status=models.ChapterStatus.ADVANCED)
    issue = services.open_issue_create(
        chapter=chapter, round=earlier, by=negotiator, text=ISSUE, parties=["MX", "US"], positions=[red]
    )
    return Table(negotiator=negotiator, chapter=chapter, round=current, issue=issue)


@pytest.fixture
def session(browser: Browser, live_server, screenshot_dir: Path) -> Iterator[BrowserSession]:
    with open_session(browser, live_server.url, screenshot_dir / "browser_state_of_play") as journey:
        yield journey


def test_negotiator_resolves_the_last_issue_closes_ad_referendum_and_the_board_shows_it(
    session: BrowserSession, table: Table
) -> None:
    page = session.page
    expect.set_options(timeout=TIMEOUT_MS)
    sign_in(page.context, session.base_url, table.negotiator)

    # --- The board before: chapter 4 advanced, one open issue, one open red line -------------------------
    session.goto("/board/")
    row = page.locator("table.board-grid tbody tr").filter(has=page.locator("th", has_text="Reglas de Origen"))
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(-2)).to_have_text(re.compile(r"^\s*1"))
    expect(row.locator("td").nth(-1)).to_have_text(re.compile(r"^\s*1"))
    session.shot("board-before")

    # --- Drill down to the chapter; the issue with its red line and what industry asked -------------------
    row.locator("th a").click()
    page.wait_for_url(re.compile(r"/chapters/4/state/$"))
    issue = page.locator(f"#issue-{table.issue.pk}")
    expect(issue).to_contain_text(ISSUE)
    expect(issue).to_contain_text(RED_LINE)
    expect(page.locator("#asked ~ *").first).to_be_visible()
    expect(page.locator("main")).to_contain_text("Mantener el 62.5 % del TLCAN.")
    session.shot("chapter")

    # --- Resolve the issue --------------------------------------------------------------------------------
    issue.get_by_role("link", name=re.compile("Cambiar el estado")).click()
    page.wait_for_url(re.compile(rf"/issues/{table.issue.pk}/status/$"))
    page.get_by_label("Resuelto").check()
    page.locator("select[name=round]").select_option(str(table.round.pk))
    session.shot("resolve")
    page.get_by_role("button", name="Cambiar el estado").click()
    page.wait_for_url(re.compile(r"/chapters/4/state/"))
    expect(page.locator(f"#issue-{table.issue.pk} .issue-meta")).to_contain_text("Resuelto")

    # --- Close the chapter ad referendum in the current round ------------------------------------------------
    page.get_by_role("link", name="Registrar el estado").click()
    page.wait_for_url(re.compile(r"/chapters/4/state/status/$"))
    page.locator("select[name=round]").select_option(str(table.round.pk))
    page.get_by_label("Cerrado ad referéndum").check()
    page.get_by_label("Nota").fill("Cerrado en la mesa; pendiente la revisión legal.")
    session.shot("close")
    page.get_by_role("button", name="Registrar el estado").click()
    page.wait_for_url(re.compile(r"/chapters/4/state/"))
    expect(page.locator("#current-status")).to_have_text("Cerrado ad referéndum")
    expect(page.locator(".messages")).to_contain_text("Cerrado ad referéndum")
    session.shot("closed")

    # --- The board after: closed ad referendum in round 7, no open issue, the headline counts it --------------
    session.goto("/board/")
    row = page.locator("table.board-grid tbody tr").filter(has=page.locator("th", has_text="Reglas de Origen"))
    expect(row.locator("td.changed")).to_have_text(["Avanzado", "Cerrado ad referéndum"])
    expect(row.locator("td.sop-cell").last).to_have_class(re.compile("sop-closed_ad_referendum"))
    expect(row.locator("td").nth(-2)).to_have_text(re.compile(r"^\s*0"))
    expect(page.locator(".board-headline")).to_have_text(re.compile(r"1 capítulo cerrado al cierre de Ronda 7 e2e"))
    footer = page.locator("table.board-grid tfoot td")
    expect(footer.nth(0)).to_have_text("0")
    expect(footer.nth(1)).to_contain_text("1")
    session.shot("board-after")
    session.key_shots("board", table.negotiator)
    problems = [e for e in session.console_errors if "Content Security Policy" in e or e.startswith("uncaught:")]
    assert not problems, problems

    entries = list(models.ChapterStatusEntry.objects.filter(chapter=table.chapter).order_by("recorded_at"))
    assert [e.status for e in entries] == ["advanced", "closed_ad_referendum"]
    assert entries[-1].recorded_by == table.negotiator and entries[-1].round == table.round
