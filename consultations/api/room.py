"""Briefings, room questions and an organisation's answer: the room's selectors, rules and services."""

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from consultations.api.helpers import form_problem
from consultations.api.pagination import PageParams, paginate
from consultations.api.positions import OrganisationRef
from consultations.api.writes import WRITE_HEADERS, json_response, write
from consultations.forms.room import RoomAnswerForm
from consultations.models import Organisation
from consultations.selectors import room as selectors
from consultations.selectors.roles import user_organisation_ids
from consultations.services import room_questions as services
from consultations.services.briefings import render_markdown

router = Router(tags=["room"])


class BriefingOut(Schema):
    id: int
    chapter_id: int
    round_id: int
    title: str
    body_markdown: str
    body_html: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_body_html(obj) -> str:  # noqa: ANN001 - a Briefing
        return str(render_markdown(obj.body_markdown))


class BriefingPage(Schema):
    items: list[BriefingOut]
    next_cursor: str | None


class AnswerOut(Schema):
    id: int
    organisation: OrganisationRef
    text: str
    created_at: dt.datetime
    updated_at: dt.datetime


class QuestionOut(Schema):
    id: int
    chapter_id: int
    round_id: int
    text: str
    response_deadline: dt.datetime
    closed_at: dt.datetime | None
    created_at: dt.datetime
    is_open: bool


class QuestionDetailOut(QuestionOut):
    answers: list[AnswerOut] = Field(
        description="Every organisation's answer for the government side; a delegate's own organisations' answers."
    )


class QuestionPage(Schema):
    items: list[QuestionOut]
    next_cursor: str | None


class BriefingParams(PageParams):
    chapter: int | None = Field(None, ge=1, le=2**31 - 1)
    round: int | None = Field(None, ge=1, le=2**31 - 1)


class QuestionParams(PageParams):
    chapter: int | None = Field(None, ge=1, le=2**31 - 1)


class AnswerIn(Schema):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=10_000)
    organisation: int | None = Field(
        None, ge=1, le=2**31 - 1, description="Only for a delegate of several organisations in the room."
    )


@router.get("/briefings", response=BriefingPage, summary="Briefings of the chapters the user's room follows")
def briefing_list(request: HttpRequest, filters: Query[BriefingParams]) -> dict:
    briefings = selectors.briefing_list_visible_to(
        user=request.auth.user, chapter_id=filters.chapter, round_id=filters.round
    )
    return paginate(briefings, filters)


@router.get("/briefings/{briefing_id}", response=BriefingOut, summary="One briefing")
def briefing_detail(request: HttpRequest, briefing_id: int) -> object:
    if briefing_id > 2**31 - 1:
        raise Http404
    return selectors.briefing_get_for(user=request.auth.user, briefing_id=briefing_id)


@router.get("/room/questions", response=QuestionPage, summary="Room questions of the chapters the user's room follows")
def question_list(request: HttpRequest, filters: Query[QuestionParams]) -> dict:
    questions = selectors.room_question_list_visible_to(user=request.auth.user, chapter_id=filters.chapter)
    return paginate(questions, filters, time_field="created_at")


def _answers(request: HttpRequest, question) -> list:  # noqa: ANN001 - a RoomQuestion
    user = request.auth.user
    if selectors.can_read_answers(user, question):
        return list(selectors.room_answer_list(question=question))
    mine = selectors.room_answer_list_for_organisations(question=question, organisation_ids=user_organisation_ids(user))
    return sorted(mine.values(), key=lambda answer: answer.organisation_id)


def _question(request: HttpRequest, question_id: int):  # noqa: ANN202 - a RoomQuestion
    if question_id > 2**31 - 1:
        raise Http404
    return selectors.room_question_get_for(user=request.auth.user, question_id=question_id)


@router.get("/room/questions/{question_id}", response=QuestionDetailOut, summary="One question, with answers")
def question_detail(request: HttpRequest, question_id: int) -> dict:
    question = _question(request, question_id)
    return {
        **QuestionOut.model_validate(question, from_attributes=True).model_dump(),
        "answers": _answers(request, question),
    }


@router.put(
    "/room/questions/{question_id}/answer",
    response=AnswerOut,
    summary="Give or change the organisation's answer (until the deadline)",
    openapi_extra=WRITE_HEADERS,
)
@write
def answer(request: HttpRequest, question_id: int, payload: AnswerIn) -> HttpResponse:
    user = request.auth.user
    question = _question(request, question_id)
    room_org_ids = selectors.room_organisation_ids_for(user=user, chapter=question.chapter)
    if payload.organisation is not None and payload.organisation not in room_org_ids:
        raise Http404
    if not room_org_ids:
        raise Http404
    form = RoomAnswerForm({"text": payload.text})
    if not form.is_valid():
        raise form_problem(form)
    organisation = Organisation.objects.get(pk=payload.organisation) if payload.organisation else None
    saved = services.room_answer_submit(
        by=user, question=question, text=form.cleaned_data["text"], organisation=organisation
    )
    saved = type(saved).objects.select_related("organisation").get(pk=saved.pk)
    return json_response(200, AnswerOut, saved)
