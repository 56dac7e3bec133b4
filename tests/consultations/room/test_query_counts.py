"""The answers page and the lists cost the same number of queries at 3 and at 30 answers."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultations.models import RoomAnswer
from tests import factories

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


def _add_answers(question, chapter, count: int) -> None:
    for _ in range(count):
        membership = factories.MembershipFactory()
        membership.organisation.followed_chapters.add(chapter)
        RoomAnswer.objects.create(
            question=question, organisation=membership.organisation, answered_by=membership.user, text="Respuesta"
        )
    # Organisations in the room that have not answered are listed too.
    factories.OrganisationFactory().followed_chapters.add(chapter)


def test_answers_page_and_lists_cost_the_same_at_3_and_30_answers(client, room, chapter):
    client.force_login(room.negotiator)
    urls = {
        "answers": reverse("consultations:room_question_answers", args=[room.question.pk]),
        "export": reverse("consultations:room_question_export", args=[room.question.pk]),
        "questions": reverse("consultations:room_question_list"),
        "briefings": reverse("consultations:briefing_list"),
    }
    _add_answers(room.question, chapter, 3)
    small = {name: _queries(client, url) for name, url in urls.items()}
    _add_answers(room.question, chapter, 27)
    assert RoomAnswer.objects.filter(question=room.question).count() == 30
    large = {name: _queries(client, url) for name, url in urls.items()}
    assert large == small
    page = client.get(urls["answers"]).content.decode()
    assert page.count('class="answer-card"') == 30
