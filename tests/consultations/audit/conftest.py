from __future__ import annotations

from tests.consultations.services.conftest import english_messages, media_root  # noqa: F401 - shared fixtures
