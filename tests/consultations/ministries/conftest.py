"""Fixtures for inter-ministerial coordination: the reference ministries and officials of three of them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from consultations.models import Chapter, Ministry, OfficialProfile, User
from consultations.reference.ministries import MINISTRIES
from tests import factories


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def ministries(db) -> dict[str, Ministry]:
    return {
        fact.code: Ministry.objects.create(
            code=fact.code, acronym=fact.acronym, name_es=fact.name_es, name_en=fact.name_en
        )
        for fact in MINISTRIES
    }


def official_of(ministry: str, *, chapters: list[Chapter], coordinator: bool = False, name: str = "") -> User:
    user = factories.official(chapters=chapters, coordinator=coordinator)
    OfficialProfile.objects.filter(user=user).update(ministry=ministry)
    if name:
        user.full_name = name
        user.save(update_fields=["full_name"])
    return User.objects.get(pk=user.pk)


@pytest.fixture
def agricultura_official(ministries, other_chapter) -> User:
    """An official of Agricultura, on chapter 3 (not the chapter of the position consulted about)."""
    return official_of("agricultura", chapters=[other_chapter], name="Analista de Agricultura")


@pytest.fixture
def hacienda_official(ministries, other_chapter) -> User:
    return official_of("hacienda", chapters=[other_chapter], name="Analista de Hacienda")
