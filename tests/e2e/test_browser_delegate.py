"""A delegate's whole journey in a real browser: sign in, draft, attach, file, amend, read the diff, switch language.

Drives Debian's Chromium through Playwright against pytest-django's live server. Screenshots of every step go
to ``test-artifacts/screenshots/browser_delegate/``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.support import require_chromium

require_chromium()

from django.utils import translation  # noqa: E402
from playwright.sync_api import Browser, Response, expect  # noqa: E402

from consultations import models  # noqa: E402
from tests import factories  # noqa: E402
from tests.e2e.browser import TIMEOUT_MS, BrowserSession, open_session  # noqa: E402

pytestmark = [pytest.mark.browser]

PASSWORD = "Sala-adjunta-2026!"
PDF_BYTES = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
    b"trailer << /Root 1 0 R >>\n"
    b"%%EOF\n"
)
# Counts htmx settles on the document (the body itself is swapped by "Save draft", so listen above it).
HTMX_PROBE = """
() => {
  if (window.__cdjProbe) { return; }
  window.__cdjProbe = true;
  window.__cdjSettled = 0;
  document.addEventListener("htmx:afterSettle", () => { window.__cdjSettled += 1; });
}
"""


def es(message: str, **params: object) -> str:
    """What the delegate (language "es") sees for a message of the app: its Spanish translation, if any."""
    return translated("es", message, **params)


def translated(language: str, message: str, **params: object) -> str:
    with translation.override(language):
        text = translation.gettext(message)
    return text % params if params else text


class Journey(BrowserSession):
    """The browser session plus the draft form's live-validation waits."""

    def install_htmx_probe(self) -> None:
        self.page.evaluate(HTMX_PROBE)

    def htmx_change(self, action: Callable[[], None], url_part: str) -> None:
        """Run an action that fires the draft form's live validation, then wait until htmx has swapped it in.

        Each field posts the form when it changes and gets back its own message; waiting for that swap keeps
        the journey's screenshots in step (test_browser_draft_form checks that typing on never waits for it).
        """
        self.install_htmx_probe()
        before = self.page.evaluate("() => window.__cdjSettled")

        def is_validation(response: Response) -> bool:
            request = response.request
            return request.method == "POST" and url_part in response.url and "_validate=" in (request.post_data or "")

        with self.page.expect_response(is_validation, timeout=TIMEOUT_MS) as response_info:
            action()
        assert response_info.value.status == 200, f"live validation answered {response_info.value.status}"
        self.page.wait_for_function(f"() => window.__cdjSettled > {before}", timeout=TIMEOUT_MS)


@dataclass
class Scenario:
    user: models.User
    organisation: models.Organisation
    chapter: models.Chapter
    round: models.Round


@pytest.fixture
def scenario(transactional_db) -> Scenario:
    organisation = factories.OrganisationFactory(name="Cámara Ficticia de Autopartes", acronym="CFAP")
    user = factories.UserFactory(
        email="delegada.e2e@example.mx", full_name="Delegada de Prueba", language="es", password=PASSWORD
    )
    factories.MembershipFactory(user=user, organisation=organisation)
    chapter = factories.ChapterFactory(number=4, title_en="Rules of Origin", title_es="Reglas de Origen")
    open_round = factories.RoundFactory(label="Ronda e2e de Ciudad de México")
    return Scenario(user=user, organisation=organisation, chapter=chapter, round=open_round)


@pytest.fixture
def private_media(settings, tmp_path: Path) -> Path:
    """Keep uploads of this test out of the project's var/private-media."""
    media = tmp_path / "private-media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
    }
    return media


@pytest.fixture
def journey(browser: Browser, live_server, screenshot_dir: Path) -> Iterator[Journey]:
    with open_session(
        browser,
        live_server.url,
        screenshot_dir / "browser_delegate",
        session_class=Journey,
        viewport={"width": 1280, "height": 900},
    ) as session:
        yield session  # type: ignore[misc]


def test_delegate_drafts_files_amends_and_switches_language(
    journey: Journey, scenario: Scenario, private_media: Path, tmp_path: Path
) -> None:
    page = journey.page
    expect.set_options(timeout=TIMEOUT_MS)
    html = page.locator("html")

    # --- Sign in through the real sign-in page ---------------------------------------------------------
    journey.goto("/accounts/login/")
    expect(html).to_have_attribute("lang", "es")
    login_form = page.locator("main form[action='/accounts/login/']")
    login_form.locator("input[name='login']").fill(scenario.user.email)
    login_form.locator("input[name='password']").fill(PASSWORD)
    journey.shot("sign-in")
    login_form.locator("button[type='submit']").click()
    page.wait_for_url(re.compile(r"/positions/$"))  # a delegate lands on its positions
    expect(page.locator(".account-name")).to_have_text("Delegada de Prueba")
    journey.shot("signed-in")

    # --- Draft a position (the form validates itself through htmx as it is filled) --------------------------
    journey.goto("/positions/new/")
    expect(page.locator("h1")).to_have_text(es("Draft a position"))
    journey.key_shots("draft-form", scenario.user)
    assert page.evaluate("() => typeof window.htmx") == "object", "htmx did not load on the draft form"
    url_part = "/positions/new/"
    form = page.locator("#position-form")

    def select(selector: str, value: str) -> Callable[[], None]:
        return lambda: form.locator(selector).select_option(value)

    def type_text(selector: str, value: str) -> Callable[[], None]:
        def action() -> None:
            form.locator(selector).fill(value)
            form.locator(selector).press("Tab")

        return action

    def check(selector: str) -> Callable[[], None]:
        return lambda: form.locator(selector).check()

    title = "Reglas de origen para autopartes: mantener el 75 % de contenido regional"
    summary = "Pedimos conservar el valor de contenido regional vigente para autopartes esenciales."
    journey.htmx_change(select("#id_chapter", str(scenario.chapter.pk)), url_part)
    journey.htmx_change(select("#id_round", str(scenario.round.pk)), url_part)
    journey.htmx_change(type_text("#id_title", title), url_part)
    journey.htmx_change(type_text("#id_summary", summary), url_part)
    journey.htmx_change(
        type_text("#id_body", "Un aumento adicional desplazaría proveedores nacionales de segundo nivel."), url_part
    )
    journey.htmx_change(check("input[name='stance'][value='defensive']"), url_part)
    journey.htmx_change(select("#id_priority", "high"), url_part)
    journey.htmx_change(type_text("#id_hs_lines", "8708.29, 8708.99"), url_part)
    journey.htmx_change(type_text("#id_jobs", "1200"), url_part)
    government_only = form.locator("input[name='confidentiality'][value='government']")
    if not government_only.is_checked():  # the default; checking a checked radio fires no change event
        journey.htmx_change(check("input[name='confidentiality'][value='government']"), url_part)

    # Every value survived the live re-renders.
    expect(form.locator("#id_chapter")).to_have_value(str(scenario.chapter.pk))
    expect(form.locator("#id_round")).to_have_value(str(scenario.round.pk))
    expect(form.locator("#id_title")).to_have_value(title)
    expect(form.locator("#id_summary")).to_have_value(summary)
    expect(form.locator("input[name='stance'][value='defensive']")).to_be_checked()
    expect(form.locator("#id_hs_lines")).to_have_value("8708.29, 8708.99")
    expect(form.locator(".errors .errorlist")).to_have_count(0)
    journey.shot("draft-filled")

    form.get_by_role("button", name=es("Save draft"), exact=True).click()
    page.wait_for_url(re.compile(r"/positions/\d+/$"))
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator(".messages")).to_contain_text(es("Draft saved. File it before the round's deadline."))
    position = models.Position.objects.get(organisation=scenario.organisation)
    assert page.url.rstrip("/").endswith(f"/positions/{position.pk}")
    assert position.status == models.PositionStatus.DRAFT
    assert position.hs_lines == ["8708.29", "8708.99"]
    journey.shot("draft-saved")

    # --- Attach a small real PDF ------------------------------------------------------------------------
    pdf = tmp_path / "anexo-contenido-regional.pdf"
    pdf.write_bytes(PDF_BYTES)
    page.locator("#id_file").set_input_files(str(pdf))
    page.get_by_role("button", name=es("Upload"), exact=True).click()
    expect(page.locator(".messages")).to_contain_text("anexo-contenido-regional.pdf")
    expect(page.locator("ul.attachments")).to_contain_text("anexo-contenido-regional.pdf")
    attachment = position.attachments.get()
    assert attachment.kind == models.Attachment.Kind.PDF
    assert Path(attachment.file.path).is_relative_to(private_media)
    journey.shot("pdf-attached")

    # --- File it ----------------------------------------------------------------------------------------
    page.get_by_role("button", name=es("File position"), exact=True).click()
    expect(page.locator(".messages")).to_contain_text(es("Position filed for %(round)s.", round=scenario.round.label))
    expect(page.get_by_role("link", name=es("Amend"), exact=True)).to_be_visible()
    position.refresh_from_db()
    assert position.is_filed
    assert position.revisions.count() == 1
    journey.shot("filed")
    journey.key_shots("filed", scenario.user)

    # --- Amend it ---------------------------------------------------------------------------------------
    page.get_by_role("link", name=es("Amend"), exact=True).click()
    page.wait_for_url(re.compile(rf"/positions/{position.pk}/amend/$"))
    new_summary = "Pedimos conservar el 75 % de contenido regional y un periodo de transición de cinco años."
    reason = "Agregamos el periodo de transición acordado con la mesa de autopartes."
    page.locator("#id_summary").fill(new_summary)
    page.locator("#id_reason").fill(reason)
    journey.shot("amend-form")
    page.get_by_role("button", name=es("Save amendment"), exact=True).click()
    page.wait_for_url(re.compile(rf"/positions/{position.pk}/$"))
    expect(page.locator(".messages")).to_contain_text(es("Amendment saved as a new revision."))

    last_change = page.locator("section[aria-labelledby='last-change']")
    expect(last_change.locator("h2")).to_have_text(es("Last change (revision %(number)s)", number=2))
    expect(last_change).to_contain_text(reason)
    # The summary changed in place: the words added and removed are marked inside the one paragraph.
    expect(last_change.locator("ins", has_text="75 %")).to_have_count(1)
    expect(last_change.locator("del", has_text="vigente para autopartes esenciales.")).to_have_count(1)
    reads_now = last_change.locator(".diff-row", has=page.locator("ins", has_text="75 %")).evaluate(
        "row => { const copy = row.cloneNode(true);"
        " copy.querySelectorAll('del, .visually-hidden').forEach(node => node.remove());"
        " return copy.textContent.trim(); }"
    )
    assert reads_now == new_summary
    journey.shot("amended-detail-diff")

    # --- The revisions page -----------------------------------------------------------------------------
    page.locator(f"a[href='/positions/{position.pk}/revisions/']").click()
    page.wait_for_url(re.compile(rf"/positions/{position.pk}/revisions/$"))
    revision_2 = page.locator("section.revision", has=page.locator("h2#revision-2"))
    expect(revision_2.locator("ins", has_text="75 %")).to_have_count(1)
    expect(revision_2).to_contain_text(reason)
    expect(page.locator("h2#revision-1")).to_be_visible()
    # The first revision opens on its whole text as filed.
    revision_1 = page.locator("section.revision", has=page.locator("h2#revision-1"))
    expect(revision_1.locator("details.revision-text")).to_contain_text(summary)
    journey.shot("revisions")

    # --- Switch the language to English with the header's switcher, and back ------------------------------
    page.locator(f"a[href='/positions/{position.pk}/']").first.click()
    page.wait_for_url(re.compile(rf"/positions/{position.pk}/$"))
    eyebrow = page.locator(".page-head .eyebrow")
    summary_heading = page.locator("article.position-body > h2").first
    expect(html).to_have_attribute("lang", "es")
    expect(eyebrow).to_contain_text("Reglas de Origen")
    expect(summary_heading).to_have_text(translated("es", "Summary"))
    switcher = page.locator("form.language-form")

    switcher.locator("#language-switcher").select_option("en")
    switcher.locator("button[type='submit']").click()
    expect(html).to_have_attribute("lang", "en")
    expect(eyebrow).to_contain_text("Rules of Origin")
    expect(summary_heading).to_have_text(translated("en", "Summary"))
    assert re.search(rf"/positions/{position.pk}/$", page.url), f"the switcher left the page: {page.url}"
    scenario.user.refresh_from_db()
    assert scenario.user.language == "en"
    journey.shot("english")

    page.locator("form.language-form #language-switcher").select_option("es")
    page.locator("form.language-form button[type='submit']").click()
    expect(html).to_have_attribute("lang", "es")
    expect(page.locator(".page-head .eyebrow")).to_contain_text("Reglas de Origen")
    expect(page.locator("article.position-body > h2").first).to_have_text(translated("es", "Summary"))
    scenario.user.refresh_from_db()
    assert scenario.user.language == "es"
    journey.shot("spanish-again")

    # --- htmx and app.js ran under the Content Security Policy without a single violation --------------------
    csp_errors = [text for text in journey.console_errors if "Content Security Policy" in text]
    assert not csp_errors, "CSP violations in the browser console:\n" + "\n".join(csp_errors)
    uncaught = [text for text in journey.console_errors if text.startswith("uncaught:")]
    assert not uncaught, "JavaScript errors in the browser:\n" + "\n".join(uncaught)
