"""Two-step sign-in in the browser: a new official signs in with e-mail and password, is sent to set up an
authenticator app, types the code computed here from the key shown on the page, keeps the recovery codes, signs out,
and signs in again with the password and a code typed into the page; a wrong code is refused on the way.

Drives Debian's Chromium through Playwright against pytest-django's live server. Screenshots of every step go to
``test-artifacts/screenshots/browser_mfa/`` (the key pages at 1366 and 360 px, Spanish and English).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.support import require_chromium

require_chromium()

from playwright.sync_api import Browser, expect  # noqa: E402

from consultations import models  # noqa: E402
from tests import factories  # noqa: E402
from tests.e2e.browser import TIMEOUT_MS, BrowserSession, open_session  # noqa: E402

pytestmark = [pytest.mark.browser]

PASSWORD = "Dos-pasos-de-Economia-2026!"


@pytest.fixture
def official(transactional_db) -> models.User:
    """An official as an accepted invitation leaves one: a password, chapters, and no authenticator yet."""
    chapter = factories.ChapterFactory(number=4, title_en="Rules of Origin", title_es="Reglas de Origen")
    user = factories.UserFactory(email="dos.pasos.e2e@economia.gob.mx", full_name="Analista en dos pasos")
    user.set_password(PASSWORD)
    user.save()
    models.OfficialProfile.objects.create(user=user).chapters.set([chapter])
    return user


@pytest.fixture
def session(browser: Browser, live_server, screenshot_dir: Path) -> Iterator[BrowserSession]:
    with open_session(browser, live_server.url, screenshot_dir / "browser_mfa") as journey:
        yield journey


def sign_in_with_password(session: BrowserSession, email: str) -> None:
    session.goto("/accounts/login/")
    form = session.page.locator("main form[action='/accounts/login/']")
    form.locator("input[name='login']").fill(email)
    form.locator("input[name='password']").fill(PASSWORD)
    form.locator("button[type='submit']").click()


def test_official_sets_up_the_app_then_signs_in_with_a_typed_code(session: BrowserSession, official) -> None:
    page = session.page
    expect.set_options(timeout=TIMEOUT_MS)

    # --- First sign-in: the password, then straight to the set-up, whatever page is asked for -------------
    sign_in_with_password(session, official.email)
    page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    session.goto("/triage/")
    page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    expect(page.locator("h1")).to_have_text("Configurar el inicio de sesión en dos pasos")
    expect(page.locator(".totp-qr img")).to_be_visible()
    # The key shots open the page again in English, and every GET of the set-up draws a new key: the key to
    # use is the one on the page after the last request, here the wrong code's answer.
    session.key_shots("set-up", official)

    # A wrong code is refused, with the error tied to the field.
    form = page.locator("main form[action='/accounts/2fa/totp/activate/']")
    wrong = f"{(int(factories.totp_code(page.locator('#totp-secret').inner_text().strip())) + 500_000) % 10**6:06d}"
    form.locator("input[name='code']").fill(wrong)
    form.locator("button[type='submit']").click()
    expect(page.locator("main .errorlist")).to_be_visible()
    assert not models.User.objects.get(pk=official.pk).authenticator_set.exists()
    secret = page.locator("#totp-secret").inner_text().strip()

    page.locator("main input[name='code']").fill(factories.totp_code(secret))
    page.locator("main form[action='/accounts/2fa/totp/activate/'] button[type='submit']").click()

    # --- The recovery codes, then the official's own page ------------------------------------------------
    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    session.key_shots("recovery-codes", official)
    page.locator("main a.button-primary").click()
    page.wait_for_url(re.compile(r"/triage/$"))
    expect(page.locator(".account-name")).to_have_text(official.full_name)

    # --- Sign out, and in again: the password, then the code typed into the page ------------------------
    page.locator("header form[action='/accounts/logout/'] button:visible").first.click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    sign_in_with_password(session, official.email)
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/$"))
    expect(page.locator("main input[name='code']")).to_have_attribute("autocomplete", "one-time-code")
    session.shot("code-asked")
    session.key_shots("code", official)
    code_form = page.locator("main form[action='/accounts/2fa/authenticate/']")
    code_form.locator("input[name='code']").fill(wrong)
    code_form.locator("button[type='submit']").first.click()
    expect(page.locator("main .errorlist")).to_contain_text("incorrecto")
    page.locator("main input[name='code']").fill(factories.totp_code(secret))
    page.locator("main form[action='/accounts/2fa/authenticate/'] button[type='submit']").first.click()
    page.wait_for_url(re.compile(r"/triage/$"))
    expect(page.locator(".account-name")).to_have_text(official.full_name)
    session.shot("signed-in")
    # No CSP violation (the QR code is a data: image) and no script error; a missing favicon is not the app's.
    errors = [text for text in session.console_errors if not text.startswith("Failed to load resource")]
    assert not errors, errors
