"""Fixtures of the end-to-end tests; the helpers live in tests/e2e/support.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.support import SCREENSHOT_DIR


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """Debian's Chromium through Playwright, for the browser journeys."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    from tests.e2e.support import CHROMIUM, CHROMIUM_ARGS, require_chromium

    require_chromium()
    # Playwright's sync API keeps an asyncio loop in this thread; Django refuses ORM calls next to a running loop
    # unless told this is fine. Set for the browser tests only (monkeypatch restores it), not the whole session.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()
            # ORM calls made while Playwright's sync API runs use a database connection of their own (another
            # context); close it here, or the test database cannot be dropped at the end of the session.
            connections.close_all()
