"""The chapters an organisation follows: every member sees them, its coordinators change them, nobody else does."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from consultations.models import AuditEvent
from consultations.selectors.room import room_member_list
from consultations.services.accounts import organisation_follow_chapters
from tests.conftest import Cast

pytestmark = pytest.mark.django_db
URL = "consultations:organisation_chapters"


def test_the_coordinator_changes_the_chapters_and_the_room_follows(client, cast: Cast, chapter, other_chapter) -> None:
    client.force_login(cast.coordinator_a)

    response = client.post(reverse(URL), {"chapters": [chapter.pk, other_chapter.pk]})

    assert response.status_code == 302
    assert set(cast.org_a.followed_chapters.all()) == {chapter, other_chapter}
    event = AuditEvent.objects.get(action="organisation.follow_chapters")
    assert event.data == {"added": sorted([chapter.number, other_chapter.number]), "removed": []}
    assert cast.delegate_a in set(room_member_list(chapter=chapter))


def test_a_delegate_sees_the_chapters_but_cannot_change_them(client, cast: Cast, chapter, other_chapter) -> None:
    cast.org_a.followed_chapters.set([chapter])
    client.force_login(cast.delegate_a)

    page = client.get(reverse(URL))

    assert page.status_code == 200
    assert chapter.title in page.content.decode()
    assert 'type="checkbox"' not in page.content.decode()
    assert client.post(reverse(URL), {"chapters": [other_chapter.pk]}).status_code == 404
    assert set(cast.org_a.followed_chapters.all()) == {chapter}
    with pytest.raises(ValidationError):
        organisation_follow_chapters(by=cast.delegate_a, organisation=cast.org_a, chapters=[other_chapter])


def test_another_organisation_and_officials_find_nothing(client, cast: Cast, chapter) -> None:
    client.force_login(cast.coordinator_a)
    assert client.get(reverse(URL), {"organisation": cast.org_b.pk}).status_code == 404
    assert client.post(reverse(URL) + f"?organisation={cast.org_b.pk}", {"chapters": [chapter.pk]}).status_code == 404
    assert not cast.org_b.followed_chapters.exists()
    client.force_login(cast.official_of_chapter)
    assert client.get(reverse(URL)).status_code == 404
