"""The room's pages for every role: anonymous, delegates in and out of the room, officials in and out of the chapter."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from consultations.models import Briefing, RoomAnswer, RoomQuestion
from tests.consultations.room.conftest import past_deadline

pytestmark = pytest.mark.django_db

ALLOWED, HIDDEN = 200, 404


def user_for(role, cast, room):
    return getattr(room, role, None) or getattr(cast, role)


def pages(room):
    question, briefing = room.question.pk, room.briefing.pk
    return {
        "briefing_detail": reverse("consultations:briefing_detail", args=[briefing]),
        "question_detail": reverse("consultations:room_question_detail", args=[question]),
        "answers": reverse("consultations:room_question_answers", args=[question]),
        "export": reverse("consultations:room_question_export", args=[question]),
        "briefing_edit": reverse("consultations:briefing_edit", args=[briefing]),
        "briefing_create": reverse("consultations:briefing_create"),
        "question_create": reverse("consultations:room_question_create"),
    }


# Who gets what: a page outside one's room or role answers 404, like a missing one.
MATRIX = {
    "delegate_a": {"briefing_detail": ALLOWED, "question_detail": ALLOWED, "answers": HIDDEN, "export": HIDDEN,
                   "briefing_edit": HIDDEN, "briefing_create": HIDDEN, "question_create": HIDDEN},
    "delegate_b": {"briefing_detail": HIDDEN, "question_detail": HIDDEN, "answers": HIDDEN, "export": HIDDEN,
                   "briefing_edit": HIDDEN, "briefing_create": HIDDEN, "question_create": HIDDEN},
    "negotiator": {"briefing_detail": ALLOWED, "question_detail": ALLOWED, "answers": ALLOWED, "export": ALLOWED,
                   "briefing_edit": ALLOWED, "briefing_create": ALLOWED, "question_create": ALLOWED},
    "official_of_chapter": {"briefing_detail": ALLOWED, "question_detail": ALLOWED, "answers": ALLOWED,
                            "export": ALLOWED, "briefing_edit": HIDDEN, "briefing_create": HIDDEN,
                            "question_create": HIDDEN},
    "official_of_other_chapter": {"briefing_detail": HIDDEN, "question_detail": HIDDEN, "answers": HIDDEN,
                                  "export": HIDDEN, "briefing_edit": HIDDEN, "briefing_create": HIDDEN,
                                  "question_create": HIDDEN},
    "negotiator_of_other_chapter": {"briefing_detail": HIDDEN, "question_detail": HIDDEN, "answers": HIDDEN,
                                    "export": HIDDEN, "briefing_edit": HIDDEN, "briefing_create": ALLOWED,
                                    "question_create": ALLOWED},
    "coordinator": {"briefing_detail": ALLOWED, "question_detail": ALLOWED, "answers": ALLOWED, "export": ALLOWED,
                    "briefing_edit": ALLOWED, "briefing_create": ALLOWED, "question_create": ALLOWED},
}  # fmt: skip


@pytest.mark.parametrize("role", sorted(MATRIX))
def test_role_matrix(client, cast, room, role):
    client.force_login(user_for(role, cast, room))
    got = {name: client.get(url).status_code for name, url in pages(room).items()}
    assert got == MATRIX[role]


def test_anonymous_is_sent_to_sign_in_everywhere(client, room):
    urls = [
        *pages(room).values(),
        reverse("consultations:briefing_list"),
        reverse("consultations:room_question_list"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url
    response = client.post(reverse("consultations:room_answer_save", args=[room.question.pk]), {"organisation": "1"})
    assert response.status_code == 302 and not RoomAnswer.objects.exists()


def test_lists_show_only_the_users_rooms(client, cast, room, other_chapter, open_round):
    from consultations.services import briefings as briefing_services

    hidden = briefing_services.briefing_post(
        by=room.negotiator_of_other_chapter,
        chapter=other_chapter,
        round=open_round,
        title="Agricultura: cupos",
        body_markdown="Texto",
    )
    client.force_login(cast.delegate_a)
    content = client.get(reverse("consultations:briefing_list")).content.decode()
    assert room.briefing.title in content and hidden.title not in content
    client.force_login(cast.delegate_b)
    content = client.get(reverse("consultations:briefing_list")).content.decode()
    assert hidden.title in content and room.briefing.title not in content
    content = client.get(reverse("consultations:room_question_list")).content.decode()
    assert "acero" not in content


def test_briefing_detail_renders_markdown_safely(client, cast, room):
    Briefing.objects.filter(pk=room.briefing.pk).update(
        body_markdown="**firme** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    )
    client.force_login(cast.delegate_a)
    content = client.get(reverse("consultations:briefing_detail", args=[room.briefing.pk])).content.decode()
    body = content.split('class="room-body prose">', 1)[1].split("</article>", 1)[0]
    assert "<strong>firme</strong>" in body
    for executable in ("<script", "javascript:", "onerror", "<img"):
        assert executable not in body


def test_negotiator_posts_and_edits_a_briefing(client, room, chapter, open_round):
    client.force_login(room.negotiator)
    response = client.post(
        reverse("consultations:briefing_create"),
        {"chapter": chapter.pk, "round": open_round.pk, "title": "Jueves", "body_markdown": "Avances en *acero*."},
    )
    briefing = Briefing.objects.get(title="Jueves")
    assert response.status_code == 302
    assert response["Location"] == reverse("consultations:briefing_detail", args=[briefing.pk])
    response = client.post(
        reverse("consultations:briefing_edit", args=[briefing.pk]),
        {"title": "Jueves (corregido)", "body_markdown": "x"},
    )
    assert response.status_code == 302
    briefing.refresh_from_db()
    assert briefing.title == "Jueves (corregido)"


def test_negotiator_cannot_post_to_a_chapter_not_theirs(client, room, other_chapter, open_round):
    client.force_login(room.negotiator)
    response = client.post(
        reverse("consultations:briefing_create"),
        {"chapter": other_chapter.pk, "round": open_round.pk, "title": "T", "body_markdown": "B"},
    )
    assert response.status_code == 200  # the chapter is not among the form's choices
    assert not Briefing.objects.filter(chapter=other_chapter).exists()


def test_negotiator_asks_a_question(client, room, chapter, open_round):
    client.force_login(room.negotiator)
    deadline = timezone.localtime() + dt.timedelta(days=1)
    response = client.post(
        reverse("consultations:room_question_create"),
        {
            "chapter": chapter.pk,
            "round": open_round.pk,
            "text": "¿Qué plazo de transición necesitan?",
            "response_deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    question = RoomQuestion.objects.get(text="¿Qué plazo de transición necesitan?")
    assert response.status_code == 302
    assert response["Location"] == reverse("consultations:room_question_detail", args=[question.pk])


def test_question_with_a_past_deadline_shows_the_error(client, room, chapter, open_round):
    client.force_login(room.negotiator)
    response = client.post(
        reverse("consultations:room_question_create"),
        {
            "chapter": chapter.pk,
            "round": open_round.pk,
            "text": "Tarde",
            "response_deadline": (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert 'class="field field-error" id="field-response_deadline"' in content
    # The error summary opens the page and links to the field.
    assert "data-autofocus>" in content.split('class="error-summary"')[1].split("</h2>")[0]
    assert 'href="#id_response_deadline"' in content.split('class="error-summary"')[1]
    assert not RoomQuestion.objects.filter(text="Tarde").exists()


def _answer_url(room):
    return reverse("consultations:room_answer_save", args=[room.question.pk])


def _answer_data(cast, text):
    return {"organisation": cast.org_a.pk, f"org{cast.org_a.pk}-text": text}


def test_delegate_answers_with_htmx_and_gets_the_panel_back(client, cast, room):
    client.force_login(cast.delegate_a)
    response = client.post(
        _answer_url(room), _answer_data(cast, "Podemos acreditar 62 %."), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content
    assert f'id="answer-{cast.org_a.pk}"' in content
    assert "Podemos acreditar 62 %." in content
    assert RoomAnswer.objects.get(question=room.question, organisation=cast.org_a).text == "Podemos acreditar 62 %."


def test_delegate_answers_without_javascript_and_is_redirected(client, cast, room):
    client.force_login(cast.delegate_a)
    response = client.post(_answer_url(room), _answer_data(cast, "Sin JavaScript"))
    assert response.status_code == 302
    assert response["Location"] == reverse("consultations:room_question_detail", args=[room.question.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Sin JavaScript" in page


def test_empty_answer_shows_the_error_in_the_panel(client, cast, room):
    client.force_login(cast.delegate_a)
    response = client.post(_answer_url(room), _answer_data(cast, ""), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'class="errors"' in response.content.decode()
    assert not RoomAnswer.objects.exists()


def test_answer_after_the_deadline_is_refused_and_the_panel_shows_it_closed(client, cast, room):
    past_deadline(room.question)
    client.force_login(cast.delegate_a)
    response = client.post(_answer_url(room), _answer_data(cast, "Tarde"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "<textarea" not in content
    assert 'role="alert"' in content
    assert not RoomAnswer.objects.exists()


def test_delegate_outside_the_room_cannot_answer(client, cast, room):
    client.force_login(cast.delegate_b)
    response = client.post(_answer_url(room), {"organisation": cast.org_b.pk, f"org{cast.org_b.pk}-text": "x"})
    assert response.status_code == 404
    response = client.post(_answer_url(room), _answer_data(cast, "x"))  # pretending to be organisation A
    assert response.status_code == 404
    assert not RoomAnswer.objects.exists()


def test_delegate_sees_only_its_own_organisations_answer(client, cast, room, chapter):
    from consultations.services import room_questions as question_services

    cast.org_b.followed_chapters.add(chapter)
    question_services.room_answer_submit(by=cast.delegate_b, question=room.question, text="Respuesta secreta de B")
    client.force_login(cast.delegate_a)
    content = client.get(reverse("consultations:room_question_detail", args=[room.question.pk])).content.decode()
    assert "Respuesta secreta de B" not in content


def test_negotiator_closes_the_question_after_confirming_and_can_reopen_it(client, cast, room):
    url = reverse("consultations:room_question_close", args=[room.question.pk])
    client.force_login(cast.delegate_a)
    assert client.post(url).status_code == 404
    assert client.get(url).status_code == 404
    client.force_login(room.negotiator)

    detail = client.get(reverse("consultations:room_question_detail", args=[room.question.pk])).content.decode()
    assert f'href="{url}"' in detail  # the button leads to a confirmation, it does not close at once
    confirm = client.get(url)
    assert confirm.status_code == 200
    room.question.refresh_from_db()
    assert room.question.closed_at is None

    assert client.post(url).status_code == 302
    room.question.refresh_from_db()
    assert room.question.closed_at is not None

    detail = client.get(reverse("consultations:room_question_detail", args=[room.question.pk])).content.decode()
    reopen = reverse("consultations:room_question_reopen", args=[room.question.pk])
    assert f'action="{reopen}"' in detail
    assert client.post(reopen).status_code == 302
    room.question.refresh_from_db()
    assert room.question.closed_at is None


def test_question_list_puts_open_questions_first_with_a_countdown(client, cast, room, chapter, open_round):
    from consultations.services import room_questions as question_services

    closed = question_services.room_question_ask(
        by=room.negotiator,
        chapter=chapter,
        round=open_round,
        text="Pregunta ya cerrada",
        response_deadline=timezone.now() + dt.timedelta(hours=1),
    )
    past_deadline(closed)
    later = question_services.room_question_ask(
        by=room.negotiator,
        chapter=chapter,
        round=open_round,
        text="Pregunta con más tiempo",
        response_deadline=timezone.now() + dt.timedelta(days=3),
    )
    client.force_login(cast.delegate_a)
    content = client.get(reverse("consultations:room_question_list")).content.decode()
    first, second, third = (content.index(text) for text in ("acero", later.text, closed.text))
    assert first < second < third
    assert content.count('class="countdown"') == 2  # the two open questions
