"""Room questions: who may ask, the deadline, one answer per organisation, editable until the deadline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from consultations.models import AuditEvent, OutboxMessage, RoomAnswer, RoomQuestion
from consultations.services import room_questions as question_services
from consultations.services.room_questions import AnswersClosed
from tests import factories
from tests.consultations.room.conftest import past_deadline
from tests.consultations.services.helpers import when

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


def ask(by, chapter, round, **changes):
    data = {"text": "¿Pueden cumplir con 75 %?", "response_deadline": timezone.now() + dt.timedelta(hours=2)}
    return question_services.room_question_ask(by=by, chapter=chapter, round=round, **(data | changes))


def answer(by, question, text="Sí, con dos años de transición."):
    return question_services.room_answer_submit(by=by, question=question, text=text)


# --- Asking ------------------------------------------------------------------------------------------------------


def test_negotiator_asks_the_room_and_it_is_audited_and_announced(room, chapter, open_round):
    question = ask(room.negotiator, chapter, open_round)
    assert question.is_open
    assert OutboxMessage.objects.filter(
        task="consultations.tasks.room_question_notify", kwargs={"question_id": question.pk}
    ).exists()
    assert AuditEvent.objects.filter(action="room_question.ask", target_id=question.pk, actor=room.negotiator).exists()


@pytest.mark.parametrize("who", ["delegate_a", "official_of_chapter", "admin"])
def test_only_the_chapters_negotiator_or_the_coordinator_asks(room, cast, chapter, open_round, who):
    with pytest.raises(PermissionDenied):
        ask(getattr(cast, who), chapter, open_round)


def test_negotiator_of_another_chapter_cannot_ask_this_room(room, chapter, open_round):
    with pytest.raises(PermissionDenied):
        ask(room.negotiator_of_other_chapter, chapter, open_round)


@pytest.mark.parametrize("offset", [dt.timedelta(0), dt.timedelta(minutes=-5)])
def test_deadline_must_be_in_the_future(room, chapter, open_round, offset):
    count = RoomQuestion.objects.count()
    with pytest.raises(ValidationError) as error:
        ask(room.negotiator, chapter, open_round, response_deadline=timezone.now() + offset)
    assert error.value.message_dict == {"response_deadline": ["The deadline for answers must be in the future."]}
    assert RoomQuestion.objects.count() == count


def test_question_needs_text(room, chapter, open_round):
    with pytest.raises(ValidationError) as error:
        ask(room.negotiator, chapter, open_round, text="   ")
    assert "text" in error.value.message_dict


# --- Answering ---------------------------------------------------------------------------------------------------


def test_each_organisation_answers_once_and_edits_replace_the_answer(room, cast):
    first = answer(cast.delegate_a, room.question, "Primera versión")
    again = answer(cast.coordinator_a, room.question, "Segunda versión")  # another delegate of the same organisation
    assert again.pk == first.pk
    assert RoomAnswer.objects.filter(question=room.question).count() == 1
    stored = RoomAnswer.objects.get(pk=first.pk)
    assert stored.text == "Segunda versión"
    assert stored.answered_by == cast.coordinator_a
    assert stored.organisation == cast.org_a
    actions = list(AuditEvent.objects.filter(target_type="roomanswer").order_by("id").values_list("action", flat=True))
    assert actions == ["room_answer.create", "room_answer.update"]
    assert AuditEvent.objects.filter(target_type="roomanswer", organisation=cast.org_a).count() == 2


def test_saving_the_same_text_again_changes_nothing(room, cast):
    answer(cast.delegate_a, room.question, "Igual")
    answer(cast.delegate_a, room.question, "Igual")
    assert AuditEvent.objects.filter(target_type="roomanswer").count() == 1


def test_the_database_holds_one_answer_per_organisation(room, cast):
    from django.db import IntegrityError, transaction

    answer(cast.delegate_a, room.question)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoomAnswer.objects.create(
            question=room.question, organisation=cast.org_a, answered_by=cast.delegate_a, text="2"
        )


def test_organisation_with_a_position_in_the_chapter_is_in_the_room(room, cast, chapter, open_round):
    factories.PositionFactory(organisation=cast.org_b, chapter=chapter, round=open_round, created_by=cast.delegate_b)
    assert answer(cast.delegate_b, room.question).organisation == cast.org_b


def test_delegate_of_an_organisation_outside_the_room_is_refused(room, cast):
    with pytest.raises(PermissionDenied):
        answer(cast.delegate_b, room.question)
    assert not RoomAnswer.objects.exists()


@pytest.mark.parametrize("who", ["official_of_chapter", "coordinator"])
def test_government_side_does_not_answer(room, cast, who):
    with pytest.raises(PermissionDenied):
        answer(getattr(cast, who), room.question)


def test_inactive_organisation_cannot_answer(room, cast):
    cast.org_a.is_active = False
    cast.org_a.save()
    with pytest.raises(PermissionDenied):
        answer(cast.delegate_a, room.question)


def test_answer_after_the_deadline_is_refused_naming_the_deadline(room, cast):
    question = past_deadline(room.question)
    with pytest.raises(AnswersClosed) as error:
        answer(cast.delegate_a, question)
    assert error.value.messages == [
        f"The deadline to answer this question was {when(question.response_deadline)}; answers are no longer accepted."
    ]
    assert not RoomAnswer.objects.exists()


def test_answer_is_editable_until_the_deadline_then_refused(room, cast):
    answer(cast.delegate_a, room.question, "Antes del plazo")
    answer(cast.delegate_a, room.question, "Corregida antes del plazo")
    question = past_deadline(room.question)
    with pytest.raises(AnswersClosed):
        answer(cast.delegate_a, question, "Después del plazo")
    assert RoomAnswer.objects.get(question=question).text == "Corregida antes del plazo"


def test_closed_question_refuses_answers_naming_when_it_closed(room, cast):
    question = question_services.room_question_close(by=room.negotiator, question=room.question)
    assert AuditEvent.objects.filter(action="room_question.close", target_id=question.pk).exists()
    with pytest.raises(AnswersClosed, match=r"closed this question on"):
        answer(cast.delegate_a, question)


def test_only_the_negotiator_or_the_coordinator_closes_a_question(room, cast):
    with pytest.raises(PermissionDenied):
        question_services.room_question_close(by=cast.official_of_other_chapter, question=room.question)
    with pytest.raises(PermissionDenied):
        question_services.room_question_close(by=cast.delegate_a, question=room.question)
    assert question_services.room_question_close(by=cast.coordinator, question=room.question).closed_at


def test_a_question_closed_early_reopens_until_its_deadline_keeping_its_answers(room, cast):
    answer(cast.delegate_a, room.question, "Antes del cierre")
    question_services.room_question_close(by=room.negotiator, question=room.question)

    reopened = question_services.room_question_reopen(by=room.negotiator, question=room.question)

    assert reopened.closed_at is None and reopened.is_open
    assert AuditEvent.objects.filter(action="room_question.reopen", target_id=reopened.pk).exists()
    answer(cast.delegate_a, reopened, "Después de reabrir")
    assert RoomAnswer.objects.get(question=reopened).text == "Después de reabrir"
    with pytest.raises(PermissionDenied):
        question_services.room_question_reopen(by=cast.delegate_a, question=reopened)


def test_a_question_past_its_deadline_cannot_be_reopened(room, cast):
    question_services.room_question_close(by=room.negotiator, question=room.question)
    question = past_deadline(room.question)
    with pytest.raises(ValidationError):
        question_services.room_question_reopen(by=room.negotiator, question=question)


def test_the_coordinator_asks_the_room_of_any_chapter(room, cast, chapter, other_chapter):
    from consultations.selectors.room import question_chapter_list_for

    assert set(question_chapter_list_for(user=cast.coordinator)) >= {chapter, other_chapter}
    assert not question_chapter_list_for(user=cast.official_of_other_chapter).exists()


def test_empty_answer_is_refused(room, cast):
    with pytest.raises(ValidationError) as error:
        answer(cast.delegate_a, room.question, " \n ")
    assert error.value.message_dict == {"text": ["Write your organisation's answer."]}


def test_delegate_of_two_organisations_in_the_room_says_which_one(room, cast, chapter):
    other = factories.OrganisationFactory()
    other.followed_chapters.add(chapter)
    factories.MembershipFactory(user=cast.delegate_a, organisation=other)
    with pytest.raises(ValidationError, match="Choose the organisation"):
        answer(cast.delegate_a, room.question)
    reply = question_services.room_answer_submit(
        by=cast.delegate_a, question=room.question, text="Por la otra", organisation=other
    )
    assert reply.organisation == other
    with pytest.raises(PermissionDenied):
        question_services.room_answer_submit(
            by=cast.delegate_a, question=room.question, text="x", organisation=cast.org_b
        )
