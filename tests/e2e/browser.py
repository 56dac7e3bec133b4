"""What the browser journeys share: a Chromium page with its screenshots and console errors.

Import only after ``support.require_chromium()`` has run: that import needs Playwright.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Page

TIMEOUT_MS = 15_000
# The widths every key step is kept at (a laptop and a phone) and the languages it is kept in.
KEY_VIEWPORTS = ({"width": 1366, "height": 900}, {"width": 360, "height": 740})
KEY_LANGUAGES = ("es", "en")
# The values typed into the page's forms, by field name (files and hidden fields left out), and putting them back.
COLLECT_VALUES = """() => [...document.querySelectorAll("main input, main select, main textarea")]
  .filter((e) => e.name && !["file", "hidden", "submit", "button", "password"].includes(e.type))
  .map((e) => ({name: e.name, type: e.type, value: e.value, checked: e.checked}))"""
RESTORE_VALUES = """(values) => values.forEach((v) => {
  const fields = [...document.querySelectorAll("main [name]")].filter((e) => e.name === v.name);
  fields.forEach((e) => {
    if (v.type === "checkbox" || v.type === "radio") { if (e.value === v.value) e.checked = v.checked; }
    else { e.value = v.value; }
  });
})"""


@dataclass
class BrowserSession:
    """The page of one journey, plus what it saw along the way."""

    page: Page
    base_url: str
    shots: Path
    console_errors: list[str] = field(default_factory=list)
    step: int = 0

    def shot(self, name: str) -> None:
        """A full-page screenshot. ``caret="initial"``: hiding the caret makes Playwright leave an empty ``style``
        attribute on every input, which htmx then copies onto the swapped-in fields ("settling"); under the site's
        CSP (style-src 'self') each copy is reported as an inline-style violation that the app did not cause."""
        self.step += 1
        self.page.screenshot(path=str(self.shots / f"{self.step:02d}-{name}.png"), full_page=True, caret="initial")

    def key_shots(self, name: str, user: object) -> None:
        """The page the journey is on, at 1366 and 360 px in Spanish and in English: ``key-<name>-<lang>-<width>``.

        In the page's own language the journey's page itself is shot as it stands, nothing reloaded: what was typed
        and not saved, an inline error, an open pane are in the picture. Its viewport is resized for the shots and
        put back with its scroll position; focus does not move. The other language is a second tab of the same
        browser context (same session) that opens the current URL with a GET, with the signed-in ``user``'s
        language switched in the database and put back, and the journey page's form values copied in by name."""
        page = self.page
        own = page.evaluate("() => document.documentElement.lang") or KEY_LANGUAGES[0]
        self._live_shots(name, own)
        model = type(user)
        previous = model.objects.values_list("language", flat=True).get(pk=user.pk)
        values = page.evaluate(COLLECT_VALUES)
        tab = page.context.new_page()
        try:
            for language in KEY_LANGUAGES:
                if language == own:
                    continue
                model.objects.filter(pk=user.pk).update(language=language)
                tab.goto(page.url)
                tab.evaluate(RESTORE_VALUES, values)
                for viewport in KEY_VIEWPORTS:
                    tab.set_viewport_size(viewport)
                    path = self.shots / f"key-{name}-{language}-{viewport['width']}.png"
                    tab.screenshot(path=str(path), full_page=True, caret="initial")
        finally:
            model.objects.filter(pk=user.pk).update(language=previous)
            tab.close()

    def _live_shots(self, name: str, language: str) -> None:
        page = self.page
        viewport = page.viewport_size
        scroll = page.evaluate("() => [window.scrollX, window.scrollY]")
        try:
            for size in KEY_VIEWPORTS:
                page.set_viewport_size(size)
                path = self.shots / f"key-{name}-{language}-{size['width']}.png"
                page.screenshot(path=str(path), full_page=True, caret="initial")
        finally:
            if viewport is not None:
                page.set_viewport_size(viewport)
            page.evaluate("([x, y]) => window.scrollTo(x, y)", scroll)

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)

    def active(self, script: str) -> object:
        """Evaluate ``script`` (a function of the focused element) in the page."""
        return self.page.evaluate(f"() => ({script})(document.activeElement)")


@contextlib.contextmanager
def open_session(
    browser: Browser,
    base_url: str,
    shots: Path,
    *,
    session_class: type[BrowserSession] = BrowserSession,
    viewport: dict[str, int] | None = None,
) -> Iterator[BrowserSession]:
    """A fresh browser context in Mexican Spanish; old screenshots of the journey are cleared first."""
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob("*.png"):
        old.unlink()
    context = browser.new_context(viewport=viewport or {"width": 1440, "height": 1000}, locale="es-MX")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    session = session_class(page=page, base_url=base_url, shots=shots)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            session.console_errors.append(message.text)

    def on_page_error(error: Error) -> None:
        session.console_errors.append(f"uncaught: {error}")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    try:
        yield session
    finally:
        with contextlib.suppress(Error):
            page.screenshot(path=str(shots / "zz-last-page.png"), full_page=True, caret="initial")
        context.close()


def enter_sign_in_code(page: Page, secret: str | None = None) -> None:
    """The second step of a staff sign-in: type the code the user's authenticator app shows now (the factories
    enrol staff with ``tests.factories.TOTP_SECRET``) into the page allauth asks it on."""
    from tests.factories import TOTP_SECRET, totp_code

    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/$"))
    form = page.locator("main form[action='/accounts/2fa/authenticate/']")
    form.locator("input[name='code']").fill(totp_code(secret or TOTP_SECRET))
    form.locator("button[type='submit']").first.click()


def sign_in(context: BrowserContext, base_url: str, user: object) -> None:
    """Give the browser context a signed-in session of ``user`` without going through the sign-in page."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.clear_cookies()
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])
