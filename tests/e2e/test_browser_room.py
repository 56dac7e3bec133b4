"""A delegate answers a room question, then changes the answer before the deadline; a negotiator posts a briefing.

Drives Debian's Chromium through Playwright against pytest-django's live server. Screenshots of every step go to
``test-artifacts/screenshots/browser_room/``.
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
from consultations.services import room_questions as question_services  # noqa: E402
from tests import factories  # noqa: E402
from tests.e2e.browser import TIMEOUT_MS, BrowserSession, open_session, sign_in  # noqa: E402

pytestmark = [pytest.mark.browser]

PASSWORD = "Cuarto-de-junto-2026!"
QUESTION = "¿Cuánto contenido regional de acero pueden acreditar hoy sus asociados?"
FIRST_ANSWER = "Hoy acreditamos 58 % según el padrón de la cámara."
EDITED_ANSWER = "Corrección: acreditamos 61 % con las cifras de octubre."
OTHER_ORG_ANSWER = "Respuesta confidencial de otra organización"
BRIEFING_TITLE = "Jueves: avances en reglas de origen"
BRIEFING_BODY = "Avances en **acero**: la contraparte aceptó revisar el umbral."


@dataclass
class Room:
    delegate: models.User
    organisation: models.Organisation
    question: models.RoomQuestion
    negotiator: models.User
    chapter: models.Chapter


@pytest.fixture
def room(transactional_db) -> Room:
    chapter = factories.ChapterFactory(number=4, title_en="Rules of Origin", title_es="Reglas de Origen")
    open_round = factories.RoundFactory(label="Ronda e2e de Washington")
    organisation = factories.OrganisationFactory(name="Cámara Ficticia del Acero", acronym="CFAC")
    organisation.followed_chapters.add(chapter)
    neighbour = factories.OrganisationFactory(name="Consejo Ficticio Automotriz", acronym="CFAU")
    neighbour.followed_chapters.add(chapter)
    delegate = factories.MembershipFactory(organisation=organisation).user
    delegate.email = "delegada.e2e@acero.example.mx"
    delegate.full_name = "Delegada del Acero"
    delegate.set_password(PASSWORD)
    delegate.save()
    negotiator = factories.official(chapters=[chapter], negotiator=True)
    question = question_services.room_question_ask(
        by=negotiator,
        chapter=chapter,
        round=open_round,
        text=QUESTION,
        response_deadline=timezone.now() + dt.timedelta(hours=4),
    )
    neighbour_delegate = factories.MembershipFactory(organisation=neighbour).user
    question_services.room_answer_submit(by=neighbour_delegate, question=question, text=OTHER_ORG_ANSWER)
    return Room(delegate=delegate, organisation=organisation, question=question, negotiator=negotiator, chapter=chapter)


@pytest.fixture
def session(browser: Browser, live_server, screenshot_dir: Path) -> Iterator[BrowserSession]:
    with open_session(browser, live_server.url, screenshot_dir / "browser_room") as journey:
        yield journey


def test_delegate_answers_a_room_question_and_edits_the_answer(session: BrowserSession, room: Room) -> None:
    page = session.page
    expect.set_options(timeout=TIMEOUT_MS)

    # --- Sign in through the real sign-in page ---------------------------------------------------------------
    session.goto("/accounts/login/")
    login_form = page.locator("main form[action='/accounts/login/']")
    login_form.locator("input[name='login']").fill(room.delegate.email)
    login_form.locator("input[name='password']").fill(PASSWORD)
    login_form.locator("button[type='submit']").click()
    page.wait_for_url(re.compile(r"/positions/$"))  # a delegate lands on its positions

    # --- The room questions, from the main navigation: the open question with its countdown ------------------
    page.locator("nav.site-nav a[href='/room-questions/']").click()
    page.wait_for_url(re.compile(r"/room-questions/$"))
    item = page.locator(".room-item").filter(has_text=QUESTION)
    expect(item).to_have_count(1)
    expect(item.locator(".countdown")).to_be_visible()
    expect(item.locator(".badge-pending")).to_be_visible()  # not answered yet
    session.shot("question-list")

    # --- Open it and answer ---------------------------------------------------------------------------------
    item.locator("h2 a").click()
    page.wait_for_url(re.compile(rf"/room-questions/{room.question.pk}/$"))
    expect(page.locator("h1")).to_contain_text(QUESTION)
    expect(page.locator("main")).not_to_contain_text(OTHER_ORG_ANSWER)  # another organisation's answer stays hidden
    panel = page.locator(f"#answer-{room.organisation.pk}")
    panel.locator("textarea").fill(FIRST_ANSWER)
    session.shot("answer-typed")
    panel.locator("button[type='submit']").click()
    # Saved in place by htmx: the same page, a confirmation inside the panel, the button now offers changes.
    panel = page.locator(f"#answer-{room.organisation.pk}")
    expect(panel.locator(".alert-success")).to_be_visible()
    expect(panel.locator("button[type='submit']")).to_have_text(re.compile(r"\S"))
    assert page.url.endswith(f"/room-questions/{room.question.pk}/")
    answer = models.RoomAnswer.objects.get(question=room.question, organisation=room.organisation)
    assert answer.text == FIRST_ANSWER
    session.shot("answer-saved")

    # --- Change the answer before the deadline ---------------------------------------------------------------
    panel.locator("textarea").fill(EDITED_ANSWER)
    # The panel still shows the first confirmation: wait for the save itself, not for what is already there.
    with page.expect_response(lambda response: response.url.endswith("/answer/") and response.ok):
        panel.locator("button[type='submit']").click()
    expect(panel.locator("textarea")).to_have_value(EDITED_ANSWER)
    expect(panel.locator(".alert-success")).to_be_visible()
    expect(panel.locator(".room-meta")).to_contain_text(room.delegate.full_name)
    answer.refresh_from_db()
    assert answer.text == EDITED_ANSWER
    assert models.RoomAnswer.objects.filter(question=room.question, organisation=room.organisation).count() == 1
    session.shot("answer-edited")

    # --- A fresh load shows the saved answer, and the list now says it is answered ---------------------------
    page.reload()
    expect(page.locator(f"#answer-{room.organisation.pk} textarea")).to_have_value(EDITED_ANSWER)
    session.goto("/room-questions/")
    expect(page.locator(".room-item").filter(has_text=QUESTION).locator(".badge-accepted")).to_be_visible()
    session.shot("question-list-answered")

    csp_errors = [text for text in session.console_errors if "Content Security Policy" in text]
    assert not csp_errors, "CSP violations in the browser console:\n" + "\n".join(csp_errors)
    uncaught = [text for text in session.console_errors if text.startswith("uncaught:")]
    assert not uncaught, "JavaScript errors in the browser:\n" + "\n".join(uncaught)


def test_negotiator_posts_a_briefing_after_a_failed_submit(session: BrowserSession, room: Room) -> None:
    page = session.page
    expect.set_options(timeout=TIMEOUT_MS)
    sign_in(page.context, session.base_url, room.negotiator)

    session.goto("/briefings/new/")
    form = page.locator("main form")
    expect(form.locator("select[name='chapter']")).to_be_visible()
    session.key_shots("briefing-form", room.negotiator)

    # Sent without a chapter or a title: focus lands on the error summary, which links to each field.
    form.locator("textarea[name='body_markdown']").fill(BRIEFING_BODY)
    form.locator("button[type='submit']").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(page.locator("#error-summary-title")).to_be_focused()
    expect(summary.locator("a[href='#id_chapter']")).to_have_count(1)
    expect(summary.locator("a[href='#id_title']")).to_have_count(1)
    session.shot("briefing-errors")
    summary.locator("a[href='#id_title']").click()
    expect(page.locator("#id_title")).to_be_focused()

    form = page.locator("main form")
    form.locator("select[name='chapter']").select_option(str(room.chapter.pk))
    form.locator("input[name='title']").fill(BRIEFING_TITLE)
    form.locator("button[type='submit']").click()
    page.wait_for_url(re.compile(r"/briefings/\d+/$"))
    expect(page.locator("h1")).to_contain_text(BRIEFING_TITLE)
    briefing = models.Briefing.objects.get(title=BRIEFING_TITLE)
    assert (briefing.chapter_id, briefing.author_id) == (room.chapter.pk, room.negotiator.pk)
    session.shot("briefing-posted")
    session.key_shots("briefing-posted", room.negotiator)

    uncaught = [text for text in session.console_errors if text.startswith("uncaught:")]
    assert not uncaught, "JavaScript errors in the browser:\n" + "\n".join(uncaught)
