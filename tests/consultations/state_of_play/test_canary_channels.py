"""The open issue's text and the status note stay government-only in the channels a page scan cannot read: search
(every kind, counted or not), and the delegates' exports, whose XLSX is zipped and whose PDF is compressed.

test_access.py scans the HTML of every page in the matrix; here the files are opened as their readers open them.
The open issue of ``build_world`` is linked to ``gov_a``, a position of organisation A, so A's own exports are where
it would leak first.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from consultations import models
from consultations.selectors.search import search
from consultations.services import state_of_play as services
from tests.consultations.exports.helpers import body_bytes, pdf_text, workbook
from tests.consultations.permission_cases import ISSUE_CANARY, STATUS_NOTE_CANARY, World, build_world

pytestmark = pytest.mark.django_db

CANARIES = (ISSUE_CANARY, STATUS_NOTE_CANARY)
DELEGATES = ("delegate_a", "coordinator_a", "delegate_b")


@pytest.fixture
def world(cast, chapter, other_chapter, open_round, settings: Settings, tmp_path: Path) -> World:
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
    }
    world = build_world(cast, chapter, other_chapter, open_round)
    # The chapter's status line is shared with the room: the line reaches delegates, its note must not.
    services.chapter_status_share(chapter=world.chapter, by=world.cast.coordinator, shared=True)
    return world


def _client(user: models.User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", DELEGATES)
def test_search_finds_no_open_issue_for_an_organisation(world: World, role: str) -> None:
    user = world.user(role)
    for canary in CANARIES:
        assert list(search(user, canary).hits) == [], (role, canary)
        page = _client(user).get(reverse("consultations:search"), {"q": canary})
        assert page.status_code == 200
        assert page.context["results"].hits == [], (role, canary)
        # The page repeats the query the user typed (the search box, the language switcher's return address); the
        # canary appears nowhere else.
        assert page.content.decode().count(canary) == page.content.decode().count(
            f"q={canary}"
        ) + page.content.decode().count(f'value="{canary}"'), (role, canary)


def test_search_of_the_government_side_does_not_index_open_issues_either(world: World) -> None:
    """Open issues are not a kind of search result for anyone: the board and the chapter page are their place."""
    assert list(search(world.cast.coordinator, ISSUE_CANARY).hits) == []


@pytest.mark.parametrize("role", ("delegate_a", "coordinator_a"))
def test_the_organisations_exports_carry_no_open_issue(world: World, role: str) -> None:
    client = _client(world.user(role))
    csv_body = body_bytes(client.get(reverse("consultations:position_export", args=["csv"])))
    xlsx = workbook(body_bytes(client.get(reverse("consultations:position_export", args=["xlsx"]))))
    cells = " ".join(
        str(cell) for sheet in xlsx.worksheets for row in sheet.iter_rows(values_only=True) for cell in row
    )
    pdf = pdf_text(body_bytes(client.get(reverse("consultations:position_pdf", args=[world.positions["gov_a"].pk]))))
    # The files hold the organisation's positions: the scan has something to read.
    title = world.positions["gov_a"].title
    assert title in csv_body.decode("utf-8-sig") and title in cells and title in pdf
    for canary in CANARIES:
        assert canary not in csv_body.decode("utf-8-sig"), canary
        assert canary not in cells, canary
        assert canary not in pdf, canary


def test_the_briefing_book_of_the_chapter_officials_is_not_where_issues_go_either(world: World) -> None:
    """The briefing book is the officials' own; it lists positions, not open issues (those are on the board)."""
    client = _client(world.cast.official_of_chapter)
    url = reverse("consultations:book_chapter", args=[world.round.pk, world.chapter.number, "csv"])
    response = client.get(url)
    assert response.status_code == 200
    assert ISSUE_CANARY not in body_bytes(response).decode("utf-8-sig")
