"""Intelligence notes of chapter 4 (the `chapter` fixture) and of chapter 3, and who writes them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from consultations import models
from consultations.services import intelligence as intelligence_services
from tests import factories

NOTE_WORD = "INTELIGENCIA-CANARIO-5e1"
OTHER_NOTE_WORD = "INTELIGENCIA-OTRO-5e1"


@dataclass
class Intel:
    negotiator: models.User
    official_member: models.User  # an official who also belongs to organisation A: on the industry side
    note: models.IntelligenceNote
    other_note: models.IntelligenceNote  # in other_chapter


@pytest.fixture
def private_media(settings, tmp_path: Path) -> Path:
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
    }
    return media


@pytest.fixture
def intel(cast, chapter, other_chapter, open_round, private_media) -> Intel:
    negotiator = factories.official(chapters=[chapter], negotiator=True)
    official_member = factories.official(chapters=[chapter])
    factories.MembershipFactory(user=official_member, organisation=cast.org_a)
    note = intelligence_services.intelligence_note_create(
        by=cast.official_of_chapter,
        chapter=chapter,
        title=f"Cuotas de acero {NOTE_WORD}",
        body_markdown=f"Las **reglas de origen** del acero. {NOTE_WORD}",
        tags=["acero", "cuotas"],
        hs_lines=["7208.10"],
        rounds=[open_round],
    )
    other_note = intelligence_services.intelligence_note_create(
        by=cast.official_of_other_chapter,
        chapter=other_chapter,
        title=f"Azúcar {OTHER_NOTE_WORD}",
        body_markdown=f"Cupos de azúcar. {OTHER_NOTE_WORD}",
        tags=["azúcar"],
    )
    return Intel(negotiator=negotiator, official_member=official_member, note=note, other_note=other_note)
