"""Fixtures for the service tests: a private media folder per test."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_messages():
    """These tests read the services' messages in English; the Spanish ones are checked by the catalogue tests."""
    with translation.override("en"):
        yield


@pytest.fixture
def media_root(settings, tmp_path: Path) -> Path:
    """Point the default storage at an empty folder of this test, so stored files can be counted."""
    root = tmp_path / "private-media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": root}},
    }
    return root
