"""The official the triage view tests act as."""

from __future__ import annotations

import pytest


@pytest.fixture
def official(cast):
    """The official of chapter 4, reading the workspace in English (the Spanish catalogue is compiled later)."""
    cast.official_of_chapter.language = "en"
    cast.official_of_chapter.save()
    return cast.official_of_chapter


@pytest.fixture
def official_client(client, official):
    client.force_login(official)
    return client
