"""An official of Economía asks Agricultura's opinion on a position from the triage pane; an official of Agricultura
finds it in the ministry's queue and answers it; the Economía official reads the answer in the triage pane. Real
Chromium, real pages, two browser contexts (two people). Screenshots go to
``test-artifacts/screenshots/browser_consultation/``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.support import require_chromium

require_chromium()

from django.utils import timezone  # noqa: E402
from playwright.sync_api import Browser, expect  # noqa: E402

from consultations import models  # noqa: E402
from consultations.reference.ministries import MINISTRIES  # noqa: E402
from tests import factories  # noqa: E402
from tests.e2e.browser import TIMEOUT_MS, BrowserSession, open_session, sign_in  # noqa: E402

pytestmark = [pytest.mark.browser]

QUESTION = "¿Qué umbral de contenido regional puede sostener la agroindustria procesada?"
ANSWER = "SADER considera viable un 60 % con tres años de transición."


@pytest.fixture
def desk(transactional_db) -> dict[str, object]:
    for fact in MINISTRIES:
        models.Ministry.objects.create(code=fact.code, acronym=fact.acronym, name_es=fact.name_es, name_en=fact.name_en)
    chapter = factories.ChapterFactory(number=4, title_en="Rules of Origin", title_es="Reglas de Origen")
    agriculture = factories.ChapterFactory(number=3, title_en="Agriculture", title_es="Agricultura")
    organisation = factories.OrganisationFactory(name="Cámara Ficticia Agroindustrial", acronym="CFAG")
    author = factories.MembershipFactory(organisation=organisation).user
    position = factories.PositionFactory(
        organisation=organisation,
        chapter=chapter,
        round=factories.RoundFactory(label="Ronda e2e de consultas"),
        title="Reglas de origen para alimentos procesados",
        created_by=author,
        status=models.PositionStatus.SUBMITTED,
        filed_at=timezone.now() - dt.timedelta(hours=2),
    )
    economia = factories.official(chapters=[chapter])
    agricultura = factories.official(chapters=[agriculture])
    models.OfficialProfile.objects.filter(user=agricultura).update(ministry="agricultura")
    models.User.objects.filter(pk=economia.pk).update(full_name="Analista de Economía")
    models.User.objects.filter(pk=agricultura.pk).update(full_name="Analista de Agricultura")
    return {"position": position, "economia": economia, "agricultura": agricultura, "author": author}


@pytest.fixture
def sessions(browser: Browser, live_server, screenshot_dir: Path) -> Iterator[tuple[BrowserSession, BrowserSession]]:
    shots = screenshot_dir / "browser_consultation"
    with (
        open_session(browser, live_server.url, shots / "economia") as asker,
        open_session(browser, live_server.url, shots / "agricultura") as answerer,
    ):
        yield asker, answerer


def test_agricultura_answers_a_consultation_from_economia_and_economia_reads_it_in_the_triage_pane(
    sessions: tuple[BrowserSession, BrowserSession], desk: dict, live_server
) -> None:
    asker, answerer = sessions
    expect.set_options(timeout=TIMEOUT_MS)
    position = desk["position"]
    sign_in(asker.page.context, live_server.url, desk["economia"])
    sign_in(answerer.page.context, live_server.url, desk["agricultura"])

    # --- Economía: from the position's triage pane, ask Agricultura -----------------------------------------
    asker.goto(f"/triage/?position={position.pk}")
    pane = asker.page.locator("#triage-pane")
    expect(pane.locator("#pane-consultations")).to_contain_text("No se ha consultado a otra secretaría")
    pane.get_by_role("link", name="Consultar a otra secretaría…").click()
    asker.page.get_by_label("Secretaría a consultar").select_option(
        label="Secretaría de Agricultura y Desarrollo Rural (SADER)"
    )
    asker.page.get_by_label("Pregunta").fill(QUESTION)
    due = timezone.localdate() + dt.timedelta(days=3)
    asker.page.get_by_label("Respuesta a más tardar el").fill(due.isoformat())
    asker.shot("ask")
    asker.page.get_by_role("button", name="Enviar la pregunta").click()
    expect(asker.page.locator(".messages")).to_contain_text("Su pregunta se envió a Secretaría de Agricultura")
    expect(asker.page.locator("#pane-consultations")).to_contain_text(QUESTION)
    expect(asker.page.locator("#pane-consultations")).to_contain_text("En espera de respuesta")
    asker.shot("asked")

    # --- Agricultura: the queue in the navigation, with its count; answer ----------------------------------
    answerer.goto("/")
    nav_link = answerer.page.locator(".site-nav").get_by_role(
        "link", name="Solicitudes de opinión: 1 en espera de su secretaría"
    )
    expect(nav_link).to_be_visible()
    nav_link.click()
    answerer.shot("queue")
    answerer.page.get_by_role("link", name=QUESTION).click()
    expect(answerer.page.locator("main")).to_contain_text(position.title)
    answerer.page.get_by_label("Respuesta de su secretaría").fill(ANSWER)
    answerer.page.get_by_role("button", name="Enviar la respuesta").click()
    expect(answerer.page.locator(".messages")).to_contain_text("Su respuesta se guardó")
    expect(answerer.page.locator(".consultation-answer")).to_contain_text(ANSWER)
    expect(answerer.page.locator(".site-nav .badge-count")).to_have_count(0)
    answerer.shot("answered")

    # --- Economía: the answer is in the triage pane ----------------------------------------------------------
    asker.goto(f"/triage/?position={position.pk}")
    consultations = asker.page.locator("#pane-consultations")
    expect(consultations.locator(".consultation-answer")).to_contain_text(ANSWER)
    expect(consultations).to_contain_text("Respondida")
    asker.shot("answer-in-pane")
    asker.key_shots("consultation-answer-in-pane", desk["economia"])

    request = models.ConsultationRequest.objects.get()
    assert (request.status, request.answer, request.answered_by_id) == ("answered", ANSWER, desk["agricultura"].pk)
    # The browser's own /favicon.ico request answers 404; nothing else may fail in the pages.
    errors = [e for e in asker.console_errors + answerer.console_errors if "404 (Not Found)" not in e]
    assert errors == []
