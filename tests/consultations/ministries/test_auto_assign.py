"""New filings of a chapter that asks for it are assigned in rotation to the chapter's officials."""

from __future__ import annotations

import pytest

from consultations.models import ChapterCoordination, PositionStatus, TriageEvent
from consultations.services import positions as position_services
from tests import factories
from tests.consultations.services.helpers import draft, filed

pytestmark = pytest.mark.django_db


@pytest.fixture
def rotation(chapter) -> ChapterCoordination:
    return ChapterCoordination.objects.create(chapter=chapter, auto_assign=True)


def _file(cast, chapter, open_round):
    return filed(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)


def test_filings_go_to_the_chapters_officials_in_turn(cast, chapter, other_chapter, open_round, rotation):
    second = factories.official(chapters=[chapter])
    third = factories.official(chapters=[chapter, other_chapter])
    factories.official(chapters=[other_chapter])  # another chapter: never in this rotation
    officials = sorted([cast.official_of_chapter.pk, second.pk, third.pk])
    assigned = [_file(cast, chapter, open_round).assigned_to_id for _ in range(7)]
    assert assigned == [*officials, *officials, officials[0]]
    rotation.refresh_from_db()
    assert rotation.last_assigned_id == officials[0]
    event = TriageEvent.objects.filter(action=TriageEvent.Action.ASSIGN).order_by("pk").first()
    assert event.data == {"from": None, "to": officials[0], "rotation": True}


def test_a_chapter_without_the_setting_leaves_filings_unassigned(cast, chapter, open_round):
    ChapterCoordination.objects.create(chapter=chapter, auto_assign=False)
    assert _file(cast, chapter, open_round).assigned_to_id is None
    assert not TriageEvent.objects.exists()


def test_no_official_on_the_chapter_leaves_it_unassigned(cast, open_round):
    nobodys = factories.ChapterFactory(number=9)
    ChapterCoordination.objects.create(chapter=nobodys, auto_assign=True)
    # cast.coordinator reads every chapter but is in no chapter's rotation.
    position = filed(organisation=cast.org_a, by=cast.delegate_a, chapter=nobodys, round=open_round)
    assert position.assigned_to_id is None


def test_an_inactive_official_is_skipped_and_a_new_one_joins(cast, chapter, open_round, rotation):
    away = factories.official(chapters=[chapter])
    away.is_active = False
    away.save()
    assert _file(cast, chapter, open_round).assigned_to_id == cast.official_of_chapter.pk
    newcomer = factories.official(chapters=[chapter])
    assert _file(cast, chapter, open_round).assigned_to_id == newcomer.pk
    assert _file(cast, chapter, open_round).assigned_to_id == cast.official_of_chapter.pk


def test_a_signed_off_filing_is_assigned_too(cast, chapter, open_round, rotation):
    cast.org_a.requires_signoff = True
    cast.org_a.save()
    position = draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    position = position_services.position_file(by=cast.delegate_a, position=position)
    assert (position.status, position.assigned_to_id) == (PositionStatus.AWAITING_SIGNOFF, None)
    position = position_services.position_sign_off(
        by=cast.coordinator_a, position=position, expected_version=position.version
    )
    assert (position.status, position.assigned_to_id) == (PositionStatus.SUBMITTED, cast.official_of_chapter.pk)
