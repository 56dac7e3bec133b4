"""For officials: the triage queue, a position's triage context and the triage actions (status, assignment,
internal note, official response, tags). The same selectors, forms and services as the triage pane."""

import datetime as dt
import json
from typing import Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from consultations.api.helpers import form_problem, require_perm
from consultations.api.pagination import PageParams, paginate
from consultations.api.positions import PositionOut
from consultations.api.writes import IF_MATCH, WRITE_HEADERS, if_match, json_response, write
from consultations.forms import triage as forms
from consultations.models import Position, PositionStatus, Priority, Stance
from consultations.selectors import triage as selectors
from consultations.selectors.roles import user_official_profile
from consultations.selectors.triage import TriageFilters
from consultations.services import triage as services

router = Router(tags=["triage"])

TRIAGE_WRITE = {
    "parameters": [
        *WRITE_HEADERS["parameters"],
        IF_MATCH
        | {
            "required": False,
            "description": "The triage version (the triage context's ETag) the action is based on; 412 if it changed.",
        },
    ]
}


class UserRef(Schema):
    id: int
    name: str = Field(validation_alias="full_name")


class TriagePositionOut(PositionOut):
    triage_version: int
    assigned_to: UserRef | None
    tags: list[str]
    responded_at: dt.datetime | None


class NoteOut(Schema):
    id: int
    author: UserRef
    body: str
    created_at: dt.datetime


class EventOut(Schema):
    id: int
    actor: UserRef
    action: str
    from_status: str
    to_status: str
    data: dict[str, Any]
    created_at: dt.datetime


class TriageContextOut(Schema):
    position: TriagePositionOut
    notes: list[NoteOut]
    events: list[EventOut]


class TriagePage(Schema):
    items: list[TriagePositionOut]
    next_cursor: str | None


class QueueParams(PageParams):
    round: int | None = Field(None, ge=1, le=2**31 - 1)
    chapter: int | None = Field(None, ge=1, le=2**31 - 1)
    status: list[PositionStatus] = Field(default_factory=list)
    priority: Priority | None = None
    red_flag: bool | None = None
    red_line: bool | None = None
    stance: Stance | None = None
    organisation: int | None = Field(None, ge=1, le=2**31 - 1)
    sector: int | None = Field(None, ge=1, le=2**31 - 1)
    assignee: str | None = Field(None, pattern=r"^(me|none|\d{1,9})$")
    filed_late: bool | None = None
    min_age_days: int | None = Field(None, ge=0, le=3650)
    q: str = Field("", max_length=200)


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class StatusIn(_Strict):
    status: PositionStatus
    response: str = Field("", max_length=5000)


class AssignIn(_Strict):
    assignee: Literal["me"] | int | None = Field(description="“me”, an official's id, or null to unassign.")


class NoteIn(_Strict):
    body: str = Field(max_length=5000)


class ResponseIn(_Strict):
    response: str = Field(max_length=5000)


class TagIn(_Strict):
    tag: str = Field(max_length=40)


def _require_official(request: HttpRequest) -> None:
    """The triage side is for the government; anyone else finds nothing here (as on the pages)."""
    if user_official_profile(request.auth.user) is None:
        raise Http404


def _triage_position(request: HttpRequest, position_id: int) -> Position:
    _require_official(request)
    if position_id > 2**31 - 1:
        raise Http404
    position = selectors.position_get_for_triage(user=request.auth.user, position_id=position_id)
    require_perm(request.auth.user, "consultations.triage_position", position)
    return position


def _context(request: HttpRequest, position_id: int, status: int = 200) -> HttpResponse:
    position = selectors.position_get_for_triage(user=request.auth.user, position_id=position_id)
    body = TriageContextOut.model_validate(
        {
            "position": position,
            "notes": list(position.internal_notes.all()),
            "events": list(position.triage_events.all()),
        },
        from_attributes=True,
    ).model_dump(mode="json")
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json")
    response["ETag"] = f'"{position.triage_version}"'
    return response


def _form(form_class: type, request: HttpRequest, position: Position, fields: dict[str, Any], **kwargs: Any) -> Any:
    """The pane's form, filled with the API's values and the triage version (If-Match, or the current one)."""
    expected = if_match(request, required=False)
    version = position.triage_version if expected is None else expected
    data = {**fields, "triage_version": version, "next_query": ""}
    form = form_class(data, position=position, **kwargs)
    if not form.is_valid():
        raise form_problem(form)
    return form, expected


@router.get("/triage/queue", response=TriagePage, summary="The triage queue of the official's chapters")
def queue(request: HttpRequest, filters: Query[QueueParams]) -> dict:
    _require_official(request)
    queryset = selectors.position_list_for_triage(
        user=request.auth.user,
        filters=TriageFilters(
            round_id=filters.round,
            chapter_id=filters.chapter,
            statuses=tuple(filters.status),
            priority=filters.priority,
            red_flag=filters.red_flag,
            red_line=filters.red_line,
            stance=filters.stance,
            organisation_id=filters.organisation,
            sector_id=filters.sector,
            assignee=filters.assignee,
            filed_late=filters.filed_late,
            min_age_days=filters.min_age_days,
            query=filters.q,
        ),
    )
    return paginate(queryset, filters)


@router.get(
    "/triage/positions/{position_id}",
    response=TriageContextOut,
    summary="A position's triage context: the position, internal notes and history (ETag: the triage version)",
)
def context(request: HttpRequest, position_id: int) -> HttpResponse:
    _triage_position(request, position_id)
    return _context(request, position_id)


@router.post(
    "/triage/positions/{position_id}/status",
    response=TriageContextOut,
    summary="Change the status (a final status needs the official response)",
    openapi_extra=TRIAGE_WRITE,
)
@write
def set_status(request: HttpRequest, position_id: int, payload: StatusIn) -> HttpResponse:
    position = _triage_position(request, position_id)
    form, expected = _form(forms.StatusForm, request, position, payload.model_dump())
    services.position_set_status(
        by=request.auth.user,
        position=position,
        status=form.cleaned_data["status"],
        response=form.cleaned_data["response"],
        expected_version=expected,
    )
    return _context(request, position_id)


@router.post(
    "/triage/positions/{position_id}/assign",
    response=TriageContextOut,
    summary="Assign to an official of the chapter, to me, or to nobody (null)",
    openapi_extra=TRIAGE_WRITE,
)
@write
def assign(request: HttpRequest, position_id: int, payload: AssignIn) -> HttpResponse:
    position = _triage_position(request, position_id)
    value = "none" if payload.assignee is None else str(payload.assignee)
    form, expected = _form(forms.AssignForm, request, position, {"assignee": value}, user=request.auth.user)
    services.position_assign(
        by=request.auth.user, position=position, assignee=form.assignee_user(), expected_version=expected
    )
    return _context(request, position_id)


@router.post(
    "/triage/positions/{position_id}/notes",
    response={201: NoteOut},
    summary="Add an internal note (officials only ever read it)",
    openapi_extra=WRITE_HEADERS,
)
@write
def add_note(request: HttpRequest, position_id: int, payload: NoteIn) -> HttpResponse:
    position = _triage_position(request, position_id)
    form, _expected = _form(forms.NoteForm, request, position, payload.model_dump())
    note = services.position_note_add(by=request.auth.user, position=position, body=form.cleaned_data["body"])
    return json_response(201, NoteOut, note)


@router.post(
    "/triage/positions/{position_id}/response",
    response=TriageContextOut,
    summary="Write or rewrite the official response (the organisation reads it and is notified)",
    openapi_extra=TRIAGE_WRITE,
)
@write
def respond(request: HttpRequest, position_id: int, payload: ResponseIn) -> HttpResponse:
    position = _triage_position(request, position_id)
    form, expected = _form(forms.StatusForm, request, position, {"status": "", "response": payload.response})
    services.position_respond(
        by=request.auth.user, position=position, response=form.cleaned_data["response"], expected_version=expected
    )
    return _context(request, position_id)


@router.post(
    "/triage/positions/{position_id}/tags",
    response=TriageContextOut,
    summary="Tag a position",
    openapi_extra=WRITE_HEADERS,
)
@write
def add_tag(request: HttpRequest, position_id: int, payload: TagIn) -> HttpResponse:
    position = _triage_position(request, position_id)
    form, _expected = _form(forms.TagForm, request, position, payload.model_dump())
    services.position_tag(by=request.auth.user, position=position, tag=form.cleaned_data["tag"])
    return _context(request, position_id)
