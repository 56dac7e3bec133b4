"""Writes of room questions: a negotiator asks the room of a chapter; each organisation answers once, and may
change its answer until the deadline.

A new question queues the room's notification through the outbox, in the same transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.models import RoomAnswer, RoomQuestion
from consultations.models.room import ANSWER_TEXT_MAX, QUESTION_TEXT_MAX
from consultations.selectors.room import can_ask, room_organisation_ids_for
from consultations.services.audit import audit_record
from consultations.services.errors import format_moment
from consultations.services.outbox import outbox_enqueue

if TYPE_CHECKING:
    import datetime as dt

    from consultations.models import Chapter, Organisation, Round, User


class AnswersClosed(ValidationError):
    """The question no longer takes answers; the message names when it stopped."""

    def __init__(self, question: RoomQuestion) -> None:
        self.question = question
        if question.closed_at is not None and question.closed_at < question.response_deadline:
            message = _("The negotiator closed this question on %(closed)s; answers are no longer accepted.") % {
                "closed": format_moment(question.closed_at)
            }
        else:
            message = _("The deadline to answer this question was %(deadline)s; answers are no longer accepted.") % {
                "deadline": format_moment(question.response_deadline)
            }
        super().__init__(message, code="closed")


def _clean_text(text: str, *, field: str, limit: int, empty: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: empty})
    if len(text) > limit:
        raise ValidationError(
            {field: _("Keep it to %(limit)s characters (it has %(length)s).") % {"limit": limit, "length": len(text)}}
        )
    return text


@transaction.atomic
def room_question_ask(
    *, by: User, chapter: Chapter, round: Round, text: str, response_deadline: dt.datetime
) -> RoomQuestion:
    if not can_ask(by, chapter):
        raise PermissionDenied(_("Only the chapter's negotiator asks its room a question."))
    text = _clean_text(text, field="text", limit=QUESTION_TEXT_MAX, empty=_("Write the question."))
    if round.cancelled_at is not None:
        raise ValidationError({"round": _("«%(round)s» was cancelled.") % {"round": round.localized_label}})
    if response_deadline <= timezone.now():
        raise ValidationError({"response_deadline": _("The deadline for answers must be in the future.")})
    question = RoomQuestion.objects.create(
        chapter=chapter, round=round, author=by, text=text, response_deadline=response_deadline
    )
    audit_record(
        actor=by,
        action="room_question.ask",
        target=question,
        data={"chapter": chapter.number, "round": round.pk, "deadline": response_deadline.isoformat()},
    )
    outbox_enqueue(task="consultations.tasks.room_question_notify", question_id=question.pk)
    return question


@transaction.atomic
def room_question_close(*, by: User, question: RoomQuestion) -> RoomQuestion:
    """Stop taking answers before the deadline (the negotiator has what it needs)."""
    question = RoomQuestion.objects.select_for_update().get(pk=question.pk)
    if not can_ask(by, question.chapter_id):
        raise PermissionDenied(_("Only the chapter's negotiator closes its questions."))
    if not question.is_open:
        raise AnswersClosed(question)
    question.closed_at = timezone.now()
    question.save(update_fields=["closed_at"])
    audit_record(actor=by, action="room_question.close", target=question)
    return question


@transaction.atomic
def room_question_reopen(*, by: User, question: RoomQuestion) -> RoomQuestion:
    """Take answers again after closing early, until the original deadline (answers given so far are kept)."""
    question = RoomQuestion.objects.select_for_update().get(pk=question.pk)
    if not can_ask(by, question.chapter_id):
        raise PermissionDenied(_("Only the chapter's negotiator reopens its questions."))
    if question.closed_at is None or question.response_deadline <= timezone.now():
        raise ValidationError(
            _("Only a question closed before its deadline can be reopened, and only until that deadline."),
            code="not_reopenable",
        )
    question.closed_at = None
    question.save(update_fields=["closed_at"])
    audit_record(actor=by, action="room_question.reopen", target=question)
    return question


def _answering_organisation(*, by: User, question: RoomQuestion, organisation: Organisation | None) -> int:
    room_org_ids = room_organisation_ids_for(user=by, chapter=question.chapter)
    if organisation is not None:
        if organisation.pk not in room_org_ids:
            raise PermissionDenied(_("Your organisation is not in the room of this chapter."))
        return organisation.pk
    if not room_org_ids:
        raise PermissionDenied(_("Your organisation is not in the room of this chapter."))
    if len(room_org_ids) > 1:
        raise ValidationError(_("Choose the organisation you answer for."), code="organisation_required")
    return room_org_ids[0]


@transaction.atomic
def room_answer_submit(
    *, by: User, question: RoomQuestion, text: str, organisation: Organisation | None = None
) -> RoomAnswer:
    """Create the organisation's answer, or replace its text: one answer per organisation, until the deadline.

    ``organisation`` is needed only when the delegate belongs to more than one organisation in the room."""
    # Locked so that closing the question and a last-second answer do not cross.
    question = RoomQuestion.objects.select_for_update().select_related("chapter").get(pk=question.pk)
    organisation_id = _answering_organisation(by=by, question=question, organisation=organisation)
    if not question.is_open:
        raise AnswersClosed(question)
    text = _clean_text(text, field="text", limit=ANSWER_TEXT_MAX, empty=_("Write your organisation's answer."))
    answer = RoomAnswer.objects.select_for_update().filter(question=question, organisation_id=organisation_id).first()
    if answer is None:
        try:
            with transaction.atomic():
                answer = RoomAnswer.objects.create(
                    question=question, organisation_id=organisation_id, answered_by=by, text=text
                )
        except IntegrityError:
            # Another delegate of the organisation answered at the same moment: theirs is the one answer; this
            # text replaces it, as a later edit would.
            answer = RoomAnswer.objects.select_for_update().get(question=question, organisation_id=organisation_id)
        else:
            audit_record(
                actor=by,
                action="room_answer.create",
                target=answer,
                organisation=answer.organisation,
                data={"question": question.pk},
            )
            return answer
    if answer.text == text:
        return answer
    answer.text = text
    answer.answered_by = by
    answer.save(update_fields=["text", "answered_by", "updated_at"])
    audit_record(
        actor=by,
        action="room_answer.update",
        target=answer,
        organisation=answer.organisation,
        data={"question": question.pk},
    )
    return answer
