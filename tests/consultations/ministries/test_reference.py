"""The ministries and each chapter's lead and contributing ministries, loaded by load_usmca."""

from __future__ import annotations

import pytest

from consultations.management.commands.load_usmca import load_usmca
from consultations.models import ChapterCoordination, Ministry, OfficialProfile
from consultations.reference.ministries import MINISTRIES

pytestmark = pytest.mark.django_db


def test_the_profiles_ministries_are_the_reference_ministries():
    assert {fact.code for fact in MINISTRIES} == set(OfficialProfile.Ministry.values)


def test_load_usmca_loads_the_ministries_and_chapter_defaults_idempotently():
    counts = load_usmca()
    assert counts["ministries"]["created"] == len(MINISTRIES)
    assert counts["chapter ministries"]["created"] == 34
    assert Ministry.objects.get(code="agricultura").acronym == "SADER"
    assert Ministry.objects.get(code="hacienda").name_en == "Ministry of Finance and Public Credit"

    def lead(number: int) -> str:
        return ChapterCoordination.objects.get(chapter__number=number).lead_ministry.code

    assert (lead(3), lead(9), lead(8), lead(17), lead(23), lead(24), lead(4)) == (
        "agricultura",
        "agricultura",
        "energia",
        "hacienda",
        "trabajo",
        "semarnat",
        "economia",
    )
    agriculture = ChapterCoordination.objects.get(chapter__number=3)
    assert {m.code for m in agriculture.contributing_ministries.all()} == {"economia", "salud"}
    assert not ChapterCoordination.objects.filter(auto_assign=True).exists()

    # An admin changes chapter 3's lead; loading again keeps that choice and changes nothing else.
    ChapterCoordination.objects.filter(chapter__number=3).update(lead_ministry=Ministry.objects.get(code="economia"))
    again = load_usmca()
    assert again["ministries"]["unchanged"] == len(MINISTRIES)
    assert again["chapter ministries"] == {"unchanged": 34}
    assert lead(3) == "economia"
    assert Ministry.objects.count() == len(MINISTRIES)
