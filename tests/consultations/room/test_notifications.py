"""New briefings and room questions reach the room; a question closing soon reminds those who have not answered."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from consultations.models import Notification, NotificationKind
from consultations.services import notifications as notification_services
from consultations.services import room_questions as question_services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


def test_a_briefing_reaches_the_room_of_its_chapter_only(room, cast, mailoutbox):
    notification_services.briefing_notify(briefing_id=room.briefing.pk)
    room_members = {cast.delegate_a.email, cast.coordinator_a.email}  # org A follows the chapter, org B does not
    assert {m.to[0] for m in mailoutbox} == room_members
    assert all(room.briefing.title in m.subject for m in mailoutbox)
    notified = Notification.objects.filter(kind=NotificationKind.BRIEFING).values_list("recipient__email", flat=True)
    assert set(notified) == room_members
    notification_services.briefing_notify(briefing_id=room.briefing.pk)  # a redelivered task
    assert len(mailoutbox) == len(room_members)


def test_a_room_question_reaches_the_room_once(room, cast, mailoutbox):
    for _ in range(2):
        notification_services.room_question_notify(question_id=room.question.pk)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([cast.delegate_a.email, cast.coordinator_a.email])


def test_deadline_reminder_goes_to_organisations_that_have_not_answered_once(room, cast, mailoutbox):
    now = timezone.now()
    # The room's question closes within the day and organisation A (the room) has not answered: remind it.
    notification_services.room_deadlines_notify(now=now)
    first = sorted(m.to[0] for m in mailoutbox)
    assert first == sorted([cast.delegate_a.email, cast.coordinator_a.email])
    notification_services.room_deadlines_notify(now=now + dt.timedelta(minutes=15))  # beat again
    assert len(mailoutbox) == len(first)


def test_no_reminder_for_an_organisation_that_answered(room, cast, mailoutbox):
    question_services.room_answer_submit(by=cast.delegate_a, question=room.question, text="Alrededor de 60 %.")
    notification_services.room_deadlines_notify()
    assert mailoutbox == []


def test_no_reminder_for_a_question_closing_later_than_a_day(room, mailoutbox):
    notification_services.room_deadlines_notify(now=timezone.now() - dt.timedelta(days=2))
    assert mailoutbox == []
