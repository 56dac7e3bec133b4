"""The answers as a spreadsheet: one row per organisation, headers, accents Excel can read, no formulas."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from consultations.services import room_questions as question_services
from tests import factories

pytestmark = pytest.mark.django_db


def test_export_has_headers_and_one_row_per_organisation_answer(client, cast, room, chapter):
    cast.org_b.followed_chapters.add(chapter)
    question_services.room_answer_submit(by=cast.delegate_a, question=room.question, text="Versión 1")
    question_services.room_answer_submit(by=cast.coordinator_a, question=room.question, text="Acreditamos 62 %, señor")
    question_services.room_answer_submit(by=cast.delegate_b, question=room.question, text='=HYPERLINK("x")')
    room.negotiator.language = "en"
    room.negotiator.save()
    client.force_login(room.negotiator)
    response = client.get(reverse("consultations:room_question_export", args=[room.question.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="room-question-{room.question.pk}_chapter-04_{today}.csv"'
    )
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel then reads UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, *body = rows
    assert header[:5] == ["Organisation", "Acronym", "Answer", "Answered by", "E-mail"]
    assert len(body) == 2
    by_org = {row[0]: row for row in body}
    assert by_org["Cámara Ficticia A"][2] == "Acreditamos 62 %, señor"
    assert by_org["Cámara Ficticia A"][4] == cast.coordinator_a.email
    assert by_org["Cámara Ficticia B"][2] == '\'=HYPERLINK("x")'  # never run as a formula


def test_export_headers_follow_the_users_language(client, cast, room):
    client.force_login(room.negotiator)
    response = client.get(reverse("consultations:room_question_export", args=[room.question.pk]))
    header, *body = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    assert header[0] == "Organización"  # the negotiator reads Spanish
    assert len(header) == 8 and header[7] == "Ronda"
    assert body == []


def test_export_is_hidden_from_delegates_and_other_chapters(client, cast, room):
    url = reverse("consultations:room_question_export", args=[room.question.pk])
    for user in (cast.delegate_a, cast.delegate_b, cast.official_of_other_chapter, factories.UserFactory()):
        client.force_login(user)
        assert client.get(url).status_code == 404
