"""Overdue consultation requests are reminded once per request and day, to the consulted ministry's officials."""

from __future__ import annotations

import datetime as dt

import pytest

from consultations.models import ConsultationReminder, ConsultationRequest, Delivery, Notification
from consultations.services.ministries import CONSULTATION_REMINDER, consultation_reminders_send
from tests.consultations.ministries.conftest import official_of
from tests.consultations.services.helpers import filed

pytestmark = pytest.mark.django_db

QUESTION = "PREGUNTA-CANARIO-SADER-5e1"
ASKED = dt.datetime(2026, 11, 20, 16, 0, tzinfo=dt.UTC)
DUE = dt.date(2026, 11, 24)
# Noon in Mexico City on the days after the due day.
DAY_AFTER = dt.datetime(2026, 11, 25, 18, 0, tzinfo=dt.UTC)


@pytest.fixture
def overdue(cast, chapter, open_round, ministries, agricultura_official) -> ConsultationRequest:
    from consultations.services.ministries import consultation_request_create

    position = filed(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    return consultation_request_create(
        by=cast.official_of_chapter,
        position=position,
        to_ministry=ministries["agricultura"],
        question=QUESTION,
        due_on=DUE,
        now=ASKED,
    )


def _to(mailoutbox) -> list[str]:
    return sorted(address for message in mailoutbox for address in message.to)


def test_an_overdue_request_is_reminded_once_a_day_to_the_consulted_ministry(
    cast, overdue, agricultura_official, other_chapter, mailoutbox
):
    colleague = official_of("agricultura", chapters=[], name="Colega de Agricultura")
    away = official_of("agricultura", chapters=[other_chapter], name="De licencia")
    away.is_active = False  # an inactive official of the ministry: never reminded
    away.save(update_fields=["is_active"])

    assert consultation_reminders_send(now=DAY_AFTER) == 2
    assert _to(mailoutbox) == sorted([agricultura_official.email, colleague.email])
    message = mailoutbox[0]
    assert "Solicitud de opinión vencida" in message.subject  # in the official's language
    assert QUESTION in message.body
    assert f"/consultations/{overdue.pk}/" in message.body

    # Beat again the same day (another hour, another worker): nothing new.
    assert consultation_reminders_send(now=DAY_AFTER + dt.timedelta(hours=5)) == 0
    assert len(mailoutbox) == 2
    assert ConsultationReminder.objects.filter(request=overdue).count() == 1
    assert Notification.objects.filter(kind="consultation").count() == 2

    # The next day: a new reminder.
    assert consultation_reminders_send(now=DAY_AFTER + dt.timedelta(days=1)) == 2
    assert len(mailoutbox) == 4
    assert sorted(ConsultationReminder.objects.values_list("on_date", flat=True)) == [
        dt.date(2026, 11, 25),
        dt.date(2026, 11, 26),
    ]
    assert Delivery.objects.filter(kind=CONSULTATION_REMINDER, status=Delivery.Status.SENT).count() == 4


def test_nobody_else_is_reminded(cast, overdue, hacienda_official, mailoutbox):
    consultation_reminders_send(now=DAY_AFTER)
    reminded = set(_to(mailoutbox))
    for user in (cast.official_of_chapter, cast.coordinator, hacienda_official, cast.delegate_a, cast.coordinator_a):
        assert user.email not in reminded


def test_not_yet_due_or_answered_requests_are_not_reminded(overdue, agricultura_official, mailoutbox):
    from consultations.services.ministries import consultation_answer

    on_due_day = dt.datetime(2026, 11, 24, 18, 0, tzinfo=dt.UTC)
    assert consultation_reminders_send(now=on_due_day) == 0
    consultation_answer(by=agricultura_official, request=overdue, answer="Respondida.")
    assert consultation_reminders_send(now=DAY_AFTER) == 0
    assert mailoutbox == []
    assert not ConsultationReminder.objects.exists()


def test_a_reminder_left_unsent_is_sent_by_the_next_run_not_twice(overdue, agricultura_official, mailoutbox):
    """The reminder row and its deliveries are written before anything is sent: a run that died after writing
    them (the worker killed) leaves pending deliveries, which the next run sends, once."""
    from consultations.services.ministries import consultation_remind

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("consultations.services.notifications.deliver", lambda **kwargs: 0)
        consultation_remind(request_id=overdue.pk, today=dt.date(2026, 11, 25))
    assert mailoutbox == []
    assert Delivery.objects.get(kind=CONSULTATION_REMINDER).status == Delivery.Status.PENDING
    assert consultation_reminders_send(now=DAY_AFTER) == 1
    assert consultation_reminders_send(now=DAY_AFTER) == 0
    assert _to(mailoutbox) == [agricultura_official.email]
