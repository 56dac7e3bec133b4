"""The board, the chapter page and the forms: what each role gets, bad input, conflicts, and the canary."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from consultations import models
from consultations.models import ChapterStatus, OpenIssue
from consultations.services import state_of_play as services
from tests import factories

pytestmark = pytest.mark.django_db
CANARY = "CANARIO-TEMA-ABIERTO-9q2"
NOTE_CANARY = "CANARIO-NOTA-ESTADO-9q2"


def client_for(user: models.User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def issue(negotiator, chapter, rounds) -> OpenIssue:
    services.chapter_status_set(
        chapter=chapter, round=rounds[0], by=negotiator, status=ChapterStatus.IN_NEGOTIATION, note=NOTE_CANARY
    )
    return services.open_issue_create(
        chapter=chapter, round=rounds[0], by=negotiator, text=f"{CANARY} 75 % vs 85 %", parties=["US"]
    )


def test_negotiator_records_status_and_sees_it_on_board_and_chapter_page(negotiator, chapter, rounds) -> None:
    client = client_for(negotiator)
    url = reverse("consultations:chapter_status", args=[chapter.number])
    assert client.get(url).status_code == 200
    response = client.post(url, {"round": rounds[1].pk, "status": ChapterStatus.ADVANCED, "note": "Bien", "reason": ""})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("#history")
    board = client.get(reverse("consultations:board")).content.decode()
    assert "Avanzado" in board and "Ronda 2" in board
    page = client.get(reverse("consultations:chapter_state", args=[chapter.number])).content.decode()
    assert "Avanzado" in page and "Bien" in page
    # Skipping steps: recorded and said.
    response = client.post(url, {"round": rounds[2].pk, "status": ChapterStatus.CLOSED, "note": "", "reason": ""})
    follow = client.get(reverse("consultations:chapter_state", args=[chapter.number])).content.decode()
    assert "Cerrado ad referéndum" in follow  # listed as skipped in the history


def test_reopening_without_reason_shows_the_message_and_saves_nothing(negotiator, chapter, rounds) -> None:
    services.chapter_status_set(chapter=chapter, round=rounds[0], by=negotiator, status=ChapterStatus.CLOSED)
    client = client_for(negotiator)
    url = reverse("consultations:chapter_status", args=[chapter.number])
    response = client.post(url, {"round": rounds[1].pk, "status": ChapterStatus.ADVANCED, "note": "", "reason": ""})
    assert response.status_code == 200
    assert "indique por qué se reabre" in response.content.decode()
    assert models.ChapterStatusEntry.objects.count() == 1
    response = client.post(url, {"round": "nope", "status": "bogus"})
    assert response.status_code == 200
    assert models.ChapterStatusEntry.objects.count() == 1


def test_issue_create_edit_status_and_conflict(negotiator, chapter, rounds, cast) -> None:
    client = client_for(negotiator)
    red = factories.PositionFactory(
        chapter=chapter,
        round=rounds[0],
        status=models.PositionStatus.SUBMITTED,
        filed_at=rounds[0].starts_at,
        is_red_flag=True,
        requested_outcome="Mantener 62.5 %",
    )
    create = reverse("consultations:issue_create", args=[chapter.number])
    assert red.title in client.get(create).content.decode()
    response = client.post(
        create,
        {
            "text": "VCR 75 vs 85",
            "parties": ["US", "MX"],
            "round": rounds[0].pk,
            "format": "mx_us",
            "positions": [red.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    issue = OpenIssue.objects.get()
    assert list(issue.positions.all()) == [red]
    page = client.get(reverse("consultations:chapter_state", args=[chapter.number])).content.decode()
    assert "VCR 75 vs 85" in page and "Mantener 62.5 %" in page and red.title in page

    edit = reverse("consultations:issue_edit", args=[issue.pk])
    assert client.get(edit).status_code == 200
    data = {
        "text": "VCR 75 vs 85 (EE. UU.)",
        "parties": ["US"],
        "round": rounds[1].pk,
        "format": "trilateral",
        "positions": [red.pk],
        "note": "",
        "status": "converging",
        "version": 1,
    }
    assert client.post(edit, data).status_code == 302
    # A second saver still at version 1: conflict, the typed text kept, the current one shown, nothing saved.
    other = client_for(cast.coordinator)
    response = other.post(edit, data | {"text": "Texto del coordinador"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Texto del coordinador" in body and "VCR 75 vs 85 (EE. UU.)" in body
    assert 'name="version" value="2"' in body
    issue.refresh_from_db()
    assert (issue.text, issue.version) == ("VCR 75 vs 85 (EE. UU.)", 2)

    status = reverse("consultations:issue_status", args=[issue.pk])
    assert client.get(status).status_code == 200
    response = client.post(status, {"status": "dropped", "round": rounds[1].pk, "version": 2})
    assert response.status_code == 200 and "Marque la casilla" in response.content.decode()
    assert client.post(status, {"status": "resolved", "round": rounds[2].pk, "version": 2}).status_code == 302
    issue.refresh_from_db()
    assert (issue.status, issue.round, issue.changes.count()) == ("resolved", rounds[2], 3)


def test_share_status_line_reaches_delegates_without_issue_text(negotiator, chapter, issue, cast) -> None:
    delegate = client_for(cast.delegate_a)
    chapters = reverse("consultations:chapter_list")
    assert "En negociación" not in delegate.get(chapters).content.decode()
    response = client_for(negotiator).post(
        reverse("consultations:chapter_share", args=[chapter.number]), {"shared": "1"}
    )
    assert response.status_code == 302
    body = delegate.get(chapters).content.decode()
    assert "En negociación" in body
    assert CANARY not in body and NOTE_CANARY not in body
    for url in (
        reverse("consultations:board"),
        reverse("consultations:chapter_state", args=[chapter.number]),
        reverse("consultations:issue_edit", args=[issue.pk]),
        reverse("consultations:issue_status", args=[issue.pk]),
    ):
        response = delegate.get(url)
        assert response.status_code == 404
        assert CANARY not in response.content.decode()


def test_officials_read_negotiators_write(chapter, other_chapter, issue, cast) -> None:
    official = client_for(cast.official_of_chapter)
    page = official.get(reverse("consultations:chapter_state", args=[chapter.number])).content.decode()
    assert CANARY in page
    assert reverse("consultations:issue_edit", args=[issue.pk]) not in page
    assert official.get(reverse("consultations:issue_edit", args=[issue.pk])).status_code == 404
    other = client_for(cast.official_of_other_chapter)
    assert other.get(reverse("consultations:chapter_state", args=[chapter.number])).status_code == 404
    assert CANARY not in other.get(reverse("consultations:board")).content.decode()
    coordinator = client_for(cast.coordinator)
    board = coordinator.get(reverse("consultations:board")).content.decode()
    assert f'href="{reverse("consultations:chapter_state", args=[chapter.number])}#issues"' in board


def test_dashboard_and_evolution_show_the_status(negotiator, chapter, issue, rounds, cast) -> None:
    factories.PositionFactory(
        chapter=chapter, round=rounds[0], status=models.PositionStatus.SUBMITTED, filed_at=rounds[0].starts_at
    )
    client = client_for(negotiator)
    evolution = client.get(reverse("consultations:chapter_evolution", args=[chapter.number])).content.decode()
    assert "En negociación" in evolution


def test_board_filter_by_format(negotiator, chapter, rounds) -> None:
    bilateral = factories.RoundFactory(
        label="Bilateral MX–CA",
        format=models.Round.Format.MX_CA,
        starts_on=rounds[2].ends_on,
        ends_on=rounds[2].ends_on,
        input_opens_at=None,
        submission_deadline=None,
        digest_at=None,
    )
    client = client_for(negotiator)
    body = client.get(reverse("consultations:board"), {"format": "mx_ca"}).content.decode()
    assert "Bilateral MX–CA" in body and "Ronda 1" not in body
    assert bilateral.label in client.get(reverse("consultations:board")).content.decode()
    assert client.get(reverse("consultations:board"), {"format": "bogus"}).status_code == 200
