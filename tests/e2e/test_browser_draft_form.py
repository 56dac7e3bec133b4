"""The draft form typed through with the keyboard only, as a delegate on a laptop and on a phone does.

Each field validates itself when it changes, and only that field's message is swapped in. The proof: a probe in the
page compares focus and scroll just before every htmx swap with where they are once it has settled, and marks every
field so a re-rendered form would be noticed. The invalid tariff line is followed by Tab and the export figure at
once, without waiting for the server: the figure must land in the export field, not back in the tariff field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.support import require_chromium

require_chromium()

from django.utils import translation  # noqa: E402
from playwright.sync_api import Browser, Page, expect  # noqa: E402

from consultations import models  # noqa: E402
from tests import factories  # noqa: E402
from tests.e2e.browser import TIMEOUT_MS, BrowserSession, open_session, sign_in  # noqa: E402

pytestmark = [pytest.mark.browser]

# Installed once per page: counts requests in flight and, for every swap, compares the focused element and the
# scroll position before the swap with those after it has settled (one frame later, when a scroll would show).
# A swap during which the user pressed a key is not compared: the user moved things, not the page.
PROBE = """
() => {
  const probe = { inflight: 0, swaps: 0, compared: 0, moves: [], keyed: false, before: null };
  window.__probe = probe;
  const state = () => ({
    focus: document.activeElement && (document.activeElement.id || document.activeElement.tagName),
    x: window.scrollX,
    y: window.scrollY,
  });
  document.addEventListener("keydown", () => { probe.keyed = true; }, true);
  document.body.addEventListener("htmx:beforeRequest", () => { probe.inflight += 1; });
  document.body.addEventListener("htmx:afterRequest", (event) => {
    if (!event.detail.successful) { probe.inflight -= 1; }
  });
  document.body.addEventListener("htmx:beforeSwap", () => { probe.keyed = false; probe.before = state(); });
  document.body.addEventListener("htmx:afterSettle", () => {
    const before = probe.before;
    requestAnimationFrame(() => requestAnimationFrame(() => {
      const after = state();
      probe.swaps += 1;
      if (!probe.keyed) {
        probe.compared += 1;
        if (JSON.stringify(before) !== JSON.stringify(after)) {
          probe.moves.push({ before, after });
        }
      }
      probe.inflight -= 1;
    }));
  });
  document.querySelectorAll("#position-form, #position-form input, #position-form select, #position-form textarea")
    .forEach((element) => { element.__original = true; });
}
"""
PASSWORD = "Sala-adjunta-2026!"


def es(message: str) -> str:
    with translation.override("es"):
        return translation.gettext(message)


class Typist(BrowserSession):
    def settle(self) -> None:
        """Wait until every inline validation sent so far has been answered and swapped in."""
        self.page.wait_for_function("() => window.__probe.inflight === 0", timeout=TIMEOUT_MS)

    def focused_id(self) -> str:
        return str(self.page.evaluate("() => document.activeElement.id"))

    def tab_to(self, element_id: str, *, shift: bool = False) -> None:
        self.press("Shift+Tab" if shift else "Tab")
        assert self.focused_id() == element_id, f"Tab went to {self.focused_id()!r}, expected {element_id!r}"

    def type_here(self, text: str) -> None:
        self.page.keyboard.type(text)


@pytest.fixture
def delegate(transactional_db) -> models.User:
    organisation = factories.OrganisationFactory(name="Cámara Ficticia del Acero", acronym="CFAC")
    user = factories.UserFactory(email="delegado.teclado@example.mx", language="es", password=PASSWORD)
    factories.MembershipFactory(user=user, organisation=organisation)
    factories.ChapterFactory(number=4, title_en="Rules of Origin", title_es="Reglas de Origen")
    factories.RoundFactory(label="Ronda e2e del teclado")
    return user


@pytest.fixture(params=[{"width": 1366, "height": 900}, {"width": 360, "height": 740}], ids=["laptop", "phone"])
def typist(request, browser: Browser, live_server, screenshot_dir: Path, delegate) -> Iterator[Typist]:
    viewport = request.param
    shots = screenshot_dir / f"browser_draft_form_{viewport['width']}"
    with open_session(browser, live_server.url, shots, session_class=Typist, viewport=viewport) as session:
        sign_in(session.page.context, live_server.url, delegate)
        yield session  # type: ignore[misc]


def test_typing_through_the_draft_form_never_moves_focus_or_scroll_and_every_value_lands(typist: Typist) -> None:
    page: Page = typist.page
    expect.set_options(timeout=TIMEOUT_MS)
    typist.goto("/positions/new/")
    expect(page.locator("h1")).to_have_text(es("Draft a position"))
    page.evaluate(PROBE)
    expect(page.locator("ol.progress-steps [aria-current='step']")).to_contain_text(es("Draft"))

    # The round is preselected (the next open one); the chapter is picked with the arrow keys.
    page.locator("#id_chapter").focus()
    typist.press("ArrowDown")
    typist.settle()
    chapter_value = page.locator("#id_chapter").input_value()
    assert chapter_value, "ArrowDown did not pick a chapter"
    typist.tab_to("id_round")
    round_value = page.locator("#id_round").input_value()
    assert round_value

    title = "Acero: cupos y salvaguardas " + "sin-espacios-" * 8  # a long word that must stay in its card
    summary = "Pedimos mantener el mecanismo de monitoreo de importaciones de acero."
    body = "Las importaciones crecieron 40 % en dos años.\nEl sector emplea a 120,000 personas."
    typist.tab_to("id_title")
    typist.type_here(title)
    typist.tab_to("id_summary")
    typist.settle()
    typist.type_here(summary)
    typist.tab_to("id_body")
    typist.settle()
    typist.type_here(body)

    # Stance: a radio group; Tab lands on its first option, Space picks it, ArrowDown moves to "defensive".
    typist.tab_to("id_stance_0")
    typist.settle()
    typist.press("Space")
    typist.settle()
    typist.press("ArrowDown")
    typist.settle()
    assert typist.focused_id() == "id_stance_1"
    typist.tab_to("id_priority")
    typist.press("ArrowDown")
    typist.settle()
    priority_value = page.locator("#id_priority").input_value()
    typist.tab_to("id_is_red_flag")
    typist.press("Space")  # foco rojo: used to jump the page to the bottom
    typist.settle()
    typist.tab_to("id_requested_outcome")
    typist.type_here("Salvaguarda bilateral por tres años.")
    typist.tab_to("id_fallback_position")
    typist.settle()
    typist.type_here("Monitoreo con licencias automáticas.")
    typist.shot("half-way")

    # An invalid tariff line, Tab, and the export figure typed at once: no waiting for the server in between.
    typist.tab_to("id_hs_lines")
    typist.settle()
    typist.type_here("7208.10, 72AB")
    typist.tab_to("id_exports_usd")
    typist.type_here("US$1,500,000,000")
    typist.settle()
    hs_message = page.locator("#id_hs_lines_errors")
    expect(hs_message).to_contain_text("72AB")
    expect(page.locator("#id_hs_lines")).to_have_attribute("aria-invalid", "true")
    assert typist.focused_id() == "id_exports_usd", "the inline error pulled the cursor back"
    expect(page.locator("#id_hs_lines")).to_have_value("7208.10, 72AB")
    expect(page.locator("#id_exports_usd")).to_have_value("US$1,500,000,000")
    typist.shot("inline-error")
    if page.viewport_size["width"] == 1366:
        # The key shots take this very page, unsaved values and inline error included: no reload, focus and
        # scroll as they were (the probe installed on this page is still there).
        scroll = page.evaluate("() => [window.scrollX, window.scrollY]")
        typist.key_shots("draft-inline-error", models.User.objects.get(email="delegado.teclado@example.mx"))
        assert page.evaluate("() => Boolean(window.__probe)"), "the key shots reloaded the journey's page"
        assert typist.focused_id() == "id_exports_usd"
        assert page.evaluate("() => [window.scrollX, window.scrollY]") == scroll
        assert page.viewport_size == {"width": 1366, "height": 900}
        expect(hs_message).to_contain_text("72AB")
        for language in ("es", "en"):
            for width in (1366, 360):
                assert (typist.shots / f"key-draft-inline-error-{language}-{width}.png").exists()

    typist.tab_to("id_jobs")
    typist.settle()
    typist.type_here("120,000")
    # Back to the tariff line to fix it: the message goes away and the field is valid again.
    typist.tab_to("id_exports_usd", shift=True)
    typist.settle()
    typist.tab_to("id_hs_lines", shift=True)
    page.keyboard.press("Control+A")
    typist.type_here("7208.10, 7208.25")
    typist.tab_to("id_exports_usd")
    typist.settle()
    expect(hs_message).to_have_text("")
    expect(page.locator("#id_hs_lines")).not_to_have_attribute("aria-invalid", "true")
    typist.tab_to("id_jobs")
    typist.tab_to("id_confidentiality_0")  # "government only", the default, is checked
    typist.press("ArrowDown")  # shared with the room
    typist.settle()

    # Nothing was re-rendered, nothing moved on its own, and every value is where it was typed.
    probe = page.evaluate("() => window.__probe")
    assert probe["moves"] == [], f"focus or scroll moved during a swap: {probe['moves']}"
    assert probe["compared"] >= 12, f"too few swaps were checked: {probe}"
    replaced = page.evaluate(
        "() => [...document.querySelectorAll('#position-form, #position-form input, #position-form select,"
        " #position-form textarea')].filter((e) => e.type !== 'hidden' && !e.__original).map((e) => e.id)"
    )
    assert replaced == [], f"re-rendered instead of validated in place: {replaced}"
    expected = {
        "#id_chapter": chapter_value,
        "#id_round": round_value,
        "#id_title": title,
        "#id_summary": summary,
        "#id_body": body,
        "#id_priority": priority_value,
        "#id_requested_outcome": "Salvaguarda bilateral por tres años.",
        "#id_fallback_position": "Monitoreo con licencias automáticas.",
        "#id_hs_lines": "7208.10, 7208.25",
        "#id_exports_usd": "US$1,500,000,000",
        "#id_jobs": "120,000",
    }
    for selector, value in expected.items():
        expect(page.locator(selector)).to_have_value(value)
    expect(page.locator("#id_stance_1")).to_be_checked()
    expect(page.locator("#id_is_red_flag")).to_be_checked()
    expect(page.locator("#id_confidentiality_1")).to_be_checked()
    expect(page.locator("#attachments-note")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    typist.shot("filled")

    # Save from the keyboard: the position page shows the figures grouped and the long title inside its card.
    page.locator("#id_confidentiality_1").press("Enter")
    page.wait_for_url(re.compile(r"/positions/\d+/$"))
    position = models.Position.objects.get()
    assert (position.exports_usd, position.jobs, position.hs_lines) == (1_500_000_000, 120_000, ["7208.10", "7208.25"])
    assert position.is_red_flag and position.stance == "defensive" and position.confidentiality == "room"
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("US$1,500,000,000")
    expect(facts).to_contain_text("120,000")
    expect(page.locator("ol.progress-steps [aria-current='step']")).to_contain_text(es("Draft"))
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"
    typist.shot("saved")

    csp = [text for text in typist.console_errors if "Content Security Policy" in text or text.startswith("uncaught")]
    assert not csp, "\n".join(csp)
