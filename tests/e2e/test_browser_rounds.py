"""An admin creates a round through the form, finds it on the management list and on the timeline.

Drives Debian's Chromium through Playwright against pytest-django's live server. Screenshots of every step go to
``test-artifacts/screenshots/browser_rounds/``.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.support import require_chromium

require_chromium()

from django.utils import timezone, translation  # noqa: E402
from playwright.sync_api import Browser, expect  # noqa: E402

from consultations import models  # noqa: E402
from tests import factories  # noqa: E402
from tests.e2e.browser import TIMEOUT_MS, BrowserSession, enter_sign_in_code, open_session  # noqa: E402

pytestmark = [pytest.mark.browser]

PASSWORD = "Plataforma-de-rondas-2026!"
LABEL = "Ronda e2e de Ottawa"


@pytest.fixture
def admin(transactional_db) -> models.User:
    factories.RoundFactory(label="Ronda e2e abierta")
    user = factories.UserFactory(
        email="plataforma.e2e@economia.gob.mx", full_name="Administración de rondas", is_staff=True
    )
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def session(browser: Browser, live_server, screenshot_dir: Path) -> Iterator[BrowserSession]:
    with open_session(browser, live_server.url, screenshot_dir / "browser_rounds") as journey:
        yield journey


def test_admin_creates_a_round_and_sees_it_on_the_list_and_the_timeline(
    session: BrowserSession, admin: models.User
) -> None:
    page = session.page
    expect.set_options(timeout=TIMEOUT_MS)
    starts_on = timezone.localdate() + dt.timedelta(days=20)

    # --- Sign in through the real sign-in page ---------------------------------------------------------
    session.goto("/accounts/login/")
    login_form = page.locator("main form[action='/accounts/login/']")
    login_form.locator("input[name='login']").fill(admin.email)
    login_form.locator("input[name='password']").fill(PASSWORD)
    login_form.locator("button[type='submit']").click()
    enter_sign_in_code(page)  # staff sign in in two steps
    page.wait_for_url(re.compile(r"/manage/rounds/$"))  # an admin lands on round management

    # --- From the staff navigation to the management list and the form ---------------------------------
    page.locator(".site-nav a[href='/manage/rounds/']").click()
    page.wait_for_url(re.compile(r"/manage/rounds/$"))
    session.shot("manage-list-before")
    page.locator("main a[href='/manage/rounds/new/']").click()
    page.wait_for_url(re.compile(r"/manage/rounds/new/$"))
    session.key_shots("form", admin)

    form = page.locator("main form.round-form")
    # First a deadline after the start: the form says why and keeps what was typed.
    form.locator("input[name='label']").fill(LABEL)
    form.locator("select[name='kind']").select_option("formal")
    form.locator("select[name='format']").select_option("trilateral")
    form.locator("input[name='city']").fill("Ottawa")
    form.locator("input[name='country']").fill("CA")
    form.locator("select[name='time_zone']").select_option("America/Toronto")
    form.locator("input[name='starts_on']").fill(starts_on.isoformat())
    form.locator("input[name='ends_on']").fill((starts_on + dt.timedelta(days=4)).isoformat())
    form.locator("input[name='submission_deadline']").fill(f"{(starts_on + dt.timedelta(days=1)).isoformat()}T18:00")
    session.shot("form-filled-wrong")
    form.locator("button[type='submit']").click()
    page.wait_for_url(re.compile(r"/manage/rounds/new/$"))
    deadline_field = page.locator("main input[name='submission_deadline']")
    expect(deadline_field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#field-submission_deadline .errorlist")).to_be_visible()
    expect(page.locator("main input[name='label']")).to_have_value(LABEL)
    assert not models.Round.objects.filter(label=LABEL).exists()
    session.shot("form-error")

    # Leave the deadline blank: 7 days before the start at 18:00, Ottawa time. The form first says what saving
    # will do; nothing is saved until the admin confirms.
    deadline_field.fill("")
    page.locator("main form.round-form button[type='submit']").click()
    preview = page.locator(".round-preview")
    expect(preview).to_be_visible()
    expect(preview).to_contain_text("18:00")
    assert not models.Round.objects.filter(label=LABEL).exists()
    session.shot("form-preview")
    preview.locator("button[type='submit']").click()
    page.wait_for_url(re.compile(r"/manage/rounds/$"))
    expect(page.locator(".messages .message-success")).to_contain_text(LABEL)

    round = models.Round.objects.get(label=LABEL)
    toronto = zoneinfo.ZoneInfo("America/Toronto")
    assert round.submission_deadline == dt.datetime.combine(
        starts_on - dt.timedelta(days=7), dt.time(18), tzinfo=toronto
    )
    row = page.locator(f"tr[data-round-id='{round.pk}']")
    expect(row).to_contain_text(LABEL)
    expect(row).to_contain_text("America/Toronto")
    # Another round takes input until its deadline: this one opens when that one closes, not at once.
    other = models.Round.objects.get(label="Ronda e2e abierta")
    assert round.input_opens_at == other.submission_deadline
    expect(row.locator(".badge")).to_have_class(re.compile(r"badge-planned"))
    # The schedule is shown in Ottawa's time, whatever the admin's own zone.
    expect(row.locator(".round-schedule")).to_contain_text("18:00")
    row.scroll_into_view_if_needed()
    session.shot("manage-list-after")
    session.key_shots("manage-list-after", admin)

    # --- The timeline: the new round in its month, with its kind in words and the open one highlighted ----
    session.goto("/rounds/timeline/")
    item = page.locator(f"li#round-{round.pk}")
    expect(item).to_be_visible()
    expect(item.locator(".timeline-label")).to_have_text(LABEL)
    with translation.override("es"):  # the admin reads Spanish, the default
        kind = str(round.get_kind_display())
    expect(item.locator(".timeline-kind")).to_contain_text(kind)
    # One current round only: the one taking input now.
    expect(item).not_to_have_attribute("aria-current", "true")
    expect(page.locator(f"li#round-{other.pk}")).to_have_attribute("aria-current", "true")
    expect(page.locator("li[aria-current='true']")).to_have_count(1)
    expect(item.locator("time").first).to_have_attribute("datetime", starts_on.isoformat())
    expect(page.locator("svg.timeline-chart text", has_text=LABEL)).to_have_count(1)
    session.shot("timeline")

    csp_errors = [text for text in session.console_errors if "Content Security Policy" in text]
    assert not csp_errors, "CSP violations in the browser console:\n" + "\n".join(csp_errors)
    uncaught = [text for text in session.console_errors if text.startswith("uncaught:")]
    assert not uncaught, "JavaScript errors in the browser:\n" + "\n".join(uncaught)
