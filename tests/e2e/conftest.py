"""Fixtures of the end-to-end tests; the helpers live in tests/e2e/support.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.support import SCREENSHOT_DIR


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR
