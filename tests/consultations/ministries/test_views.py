"""The consultation and workload pages: what officials see, what never reaches a delegate, what a page costs.

Pages are read in each user's language, Spanish by default: the messages checked here are the Spanish ones."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultations.models import ChapterCoordination, ConsultationRequest, PositionStatus
from consultations.services import triage as triage_services
from consultations.services.ministries import (
    consultation_answer,
    consultation_reminders_send,
    consultation_request_create,
)
from tests import factories
from tests.consultations.ministries.conftest import official_of
from tests.consultations.services.helpers import filed

pytestmark = pytest.mark.django_db

QUESTION = "PREGUNTA-CANARIO-INTERMINISTERIAL-4d2"
ANSWER = "RESPUESTA-CANARIO-INTERMINISTERIAL-4d2"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def position(cast, chapter, open_round):
    return filed(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)


def _ask(cast, position, ministry, question=QUESTION, due_in=3):
    return consultation_request_create(
        by=cast.official_of_chapter,
        position=position,
        to_ministry=ministry,
        question=question,
        due_on=timezone.localdate() + dt.timedelta(days=due_in),
    )


def test_the_answer_joins_the_triage_pane_of_the_requesting_official(cast, position, ministries, agricultura_official):
    request = _ask(cast, position, ministries["agricultura"])
    consultation_answer(by=agricultura_official, request=request, answer=ANSWER)
    body = (
        _client(cast.official_of_chapter)
        .get(reverse("consultations:triage_detail", args=[position.pk]), headers={"HX-Request": "true"})
        .content.decode()
    )
    assert QUESTION in body and ANSWER in body
    assert 'id="pane-consultations"' in body


def test_the_nav_counts_the_requests_awaiting_the_ministry(cast, position, ministries, agricultura_official):
    _ask(cast, position, ministries["agricultura"])
    _ask(cast, position, ministries["agricultura"], question="Otra pregunta")
    body = _client(agricultura_official).get(reverse("consultations:consultation_queue")).content.decode()
    assert "Solicitudes de opinión: 2 en espera de su secretaría" in body
    assert QUESTION in body


def test_an_overdue_request_is_highlighted(cast, position, ministries, agricultura_official):
    request = _ask(cast, position, ministries["agricultura"])
    ConsultationRequest.objects.filter(pk=request.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    body = _client(agricultura_official).get(reverse("consultations:consultation_queue")).content.decode()
    assert 'class="row-overdue"' in body and "Vencida" in body


def test_a_refused_request_says_why_and_keeps_the_text(cast, position, ministries):
    response = _client(cast.official_of_chapter).post(
        reverse("consultations:consultation_create", args=[position.pk]),
        {"to_ministry": ministries["economia"].pk, "question": QUESTION, "due_on": "2020-01-01"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Secretaría de Economía es su propia secretaría" in body
    assert "ya pasó: elija hoy o un día posterior" in body
    assert QUESTION in body  # what was typed is still in the form
    assert not ConsultationRequest.objects.exists()


def test_a_second_answer_is_refused_with_the_first_answer_shown(cast, position, ministries, agricultura_official):
    request = _ask(cast, position, ministries["agricultura"])
    colleague = official_of("agricultura", chapters=[])
    consultation_answer(by=agricultura_official, request=request, answer=ANSWER)
    response = _client(colleague).post(
        reverse("consultations:consultation_detail", args=[request.pk]), {"answer": "Mi texto que no se pierde"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "ya respondió esta solicitud" in body
    assert ANSWER in body and "Mi texto que no se pierde" in body


# --- Canary: nothing of a consultation reaches a delegate -----------------------------------------------------


def test_a_consultation_never_reaches_a_delegate_by_page_or_email(
    cast,
    position,
    ministries,
    agricultura_official,
    open_round,
    mailoutbox,
    eager_celery,
    django_capture_on_commit_callbacks,
):
    overdue = _ask(cast, position, ministries["agricultura"])
    consultation_answer(by=agricultura_official, request=overdue, answer=ANSWER)
    pending = _ask(cast, position, ministries["agricultura"], question=f"{QUESTION}-vencida")
    ConsultationRequest.objects.filter(pk=pending.pk).update(due_on=timezone.localdate() - dt.timedelta(days=2))
    consultation_reminders_send()
    # The organisation hears about the position as usual: a status change and a response, by e-mail and in-app.
    with django_capture_on_commit_callbacks(execute=True):
        triage_services.position_set_status(
            by=cast.official_of_chapter, position=position, status=PositionStatus.IN_REVIEW
        )
        triage_services.position_respond(by=cast.official_of_chapter, position=position, response="Respuesta oficial.")
    delegates = (cast.delegate_a, cast.coordinator_a, cast.delegate_b)
    assert any(set(message.to) & {u.email for u in delegates} for message in mailoutbox)  # they were e-mailed
    for message in mailoutbox:
        if set(message.to) & {u.email for u in delegates}:
            text = message.body + "".join(str(part[0]) for part in message.alternatives) + message.subject
            assert QUESTION not in text and ANSWER not in text
    urls = [
        reverse("consultations:position_list"),
        reverse("consultations:position_detail", args=[position.pk]),
        reverse("consultations:position_revisions", args=[position.pk]),
        reverse("consultations:notification_list"),
        reverse("consultations:digest_preview", args=[open_round.pk]),
        reverse("consultations:chapter_list"),
        reverse("consultations:consultation_queue"),
        reverse("consultations:consultation_queue") + "?box=sent",
        reverse("consultations:consultation_detail", args=[overdue.pk]),
        reverse("consultations:consultation_detail", args=[pending.pk]),
        reverse("consultations:consultation_create", args=[position.pk]),
    ]
    for delegate in delegates:
        client = _client(delegate)
        for url in urls:
            response = client.get(url)
            body = response.content.decode() if response.status_code == 200 else ""
            assert QUESTION not in body and ANSWER not in body, (delegate, url)
            assert response.status_code in (200, 302, 404), (delegate, url)
        assert client.get(reverse("consultations:consultation_detail", args=[overdue.pk])).status_code == 404


# --- Query counts ----------------------------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_queue_costs_the_same_for_2_and_40_requests(
    cast, position, ministries, agricultura_official, django_assert_max_num_queries
):
    client = _client(agricultura_official)
    url = reverse("consultations:consultation_queue")
    for index in range(2):
        _ask(cast, position, ministries["agricultura"], question=f"Pregunta {index}")
    small = _queries(client, url)
    for index in range(38):
        other = filed(organisation=cast.org_a, by=cast.delegate_a, chapter=position.chapter, round=position.round)
        _ask(cast, other, ministries["agricultura"], question=f"Más {index}")
    assert _queries(client, url) == small
    with django_assert_max_num_queries(12):
        client.get(url)


def test_the_workload_page_costs_the_same_for_3_and_25_officials(
    cast, chapter, open_round, ministries, django_assert_max_num_queries
):
    client = _client(cast.coordinator)
    url = reverse("consultations:workload")
    ChapterCoordination.objects.create(chapter=chapter, auto_assign=True)
    for _ in range(3):
        filed(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    small = _queries(client, url)
    for index in range(22):
        official_of(["economia", "agricultura", "hacienda"][index % 3], chapters=[chapter])
    for _ in range(30):
        filed(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    body = client.get(url).content.decode()
    assert _queries(client, url) == small
    assert "Asignaciones abiertas por funcionario" in body
    # 13: the page's 12 and the second-factor check every signed-in request makes (SecondFactorRequiredMiddleware).
    with django_assert_max_num_queries(13):
        client.get(url)


def test_the_coordinator_moves_assignments_with_the_bulk_assign_service(cast, chapter, open_round, ministries):
    ChapterCoordination.objects.create(chapter=chapter, auto_assign=True)
    colleague = factories.official(chapters=[chapter])
    elsewhere = factories.official(chapters=[])
    moved = [filed(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round) for _ in range(4)]
    mine = [p for p in moved if p.assigned_to_id == cast.official_of_chapter.pk]
    assert len(mine) == 2
    client = _client(cast.coordinator)
    url = reverse("consultations:workload_official", args=[cast.official_of_chapter.pk])
    page = client.get(url).content.decode()
    assert all(p.title in page for p in mine)
    response = client.post(url, {"ids": [mine[0].pk], "assignee": colleague.pk}, follow=True)
    assert "1 posición pasó a" in response.content.decode()
    mine[0].refresh_from_db()
    assert mine[0].assigned_to_id == colleague.pk
    # An official who does not work on the chapter is refused per position, with the reason; nothing moves.
    response = client.post(url, {"ids": [mine[1].pk], "assignee": elsewhere.pk}, follow=True)
    assert "no se movió" in response.content.decode()
    mine[1].refresh_from_db()
    assert mine[1].assigned_to_id == cast.official_of_chapter.pk
    # No selection: a clear message, nothing moves.
    response = client.post(url, {"assignee": colleague.pk})
    assert "Seleccione al menos una posición." in response.content.decode()
