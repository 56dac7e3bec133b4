"""Consultations between ministries: the requests an official's ministry received or sent, and their answers,
through the pages' selectors (``consultation_queue_for``, ``consultation_get_for``); the ministry consulted answers
through the page's form and service. Officials only; anyone else gets 404, as on the pages."""

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from consultations.api.helpers import form_problem
from consultations.api.pagination import PageParams, paginate
from consultations.api.writes import WRITE_HEADERS, json_response, write
from consultations.forms.ministries import ConsultationAnswerForm
from consultations.models import ConsultationRequest
from consultations.selectors import ministries as selectors
from consultations.services import ministries as services

router = Router(tags=["ministries"])


class MinistryRef(Schema):
    code: str
    acronym: str
    name: str


class ConsultationOut(Schema):
    id: int
    position_id: int | None
    position_title: str | None
    open_issue_id: int | None
    chapter_id: int | None
    from_ministry: MinistryRef
    to_ministry: MinistryRef
    question: str
    due_on: dt.date
    status: str
    answer: str
    answered_by: str | None
    answered_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_position_title(obj) -> str | None:  # noqa: ANN001 - a ConsultationRequest
        return obj.position.title if obj.position_id else None

    @staticmethod
    def resolve_chapter_id(obj) -> int | None:  # noqa: ANN001
        subject = obj.position if obj.position_id else obj.open_issue
        return subject.chapter_id if subject else None

    @staticmethod
    def resolve_answered_by(obj) -> str | None:  # noqa: ANN001
        return str(obj.answered_by) if obj.answered_by_id else None


class ConsultationPage(Schema):
    items: list[ConsultationOut]
    next_cursor: str | None


class ConsultationParams(PageParams):
    box: str = Field("received", description="received (addressed to the ministry) or sent (asked by it).")
    status: str | None = Field(None, description=f"One of {', '.join(ConsultationRequest.Status.values)}.")


class AnswerIn(Schema):
    model_config = ConfigDict(extra="forbid")
    answer: str = Field(max_length=10_000)


def _ministry_code(request: HttpRequest) -> str:
    code = selectors.user_ministry_code(request.auth.user)
    if code is None:
        raise Http404
    return code


def _consultation(request: HttpRequest, consultation_id: int) -> ConsultationRequest:
    if consultation_id > 2**31 - 1:
        raise Http404
    return selectors.consultation_get_for(user=request.auth.user, pk=consultation_id)


@router.get(
    "/ministries/consultations",
    response=ConsultationPage,
    summary="Requests addressed to the official's ministry, or sent by it",
)
def consultation_list(request: HttpRequest, filters: Query[ConsultationParams]) -> dict:
    _ministry_code(request)
    box = filters.box if filters.box in selectors.BOXES else "received"
    requests = selectors.consultation_queue_for(user=request.auth.user, box=box, status=filters.status or "")
    return paginate(requests, filters, time_field="created_at")


@router.get("/ministries/consultations/{consultation_id}", response=ConsultationOut, summary="One request")
def consultation_detail(request: HttpRequest, consultation_id: int) -> ConsultationRequest:
    _ministry_code(request)
    return _consultation(request, consultation_id)


@router.post(
    "/ministries/consultations/{consultation_id}/answer",
    response=ConsultationOut,
    summary="Answer a request addressed to the official's ministry",
    openapi_extra=WRITE_HEADERS,
)
@write
def consultation_answer(request: HttpRequest, consultation_id: int, payload: AnswerIn) -> HttpResponse:
    code = _ministry_code(request)
    consultation = _consultation(request, consultation_id)
    if consultation.to_ministry.code != code:
        raise Http404
    form = ConsultationAnswerForm({"answer": payload.answer})
    if not form.is_valid():
        raise form_problem(form)
    services.consultation_answer(
        by=request.auth.user,
        request=consultation,
        answer=form.cleaned_data["answer"],
        now=getattr(request, "received_at", None),
    )
    return json_response(200, ConsultationOut, _consultation(request, consultation_id))
