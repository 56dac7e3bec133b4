"""Positions: list, detail, drafts, filing, amendments, withdrawal, attachments, revisions, co-signing.

Reads go through the pages' selectors, actions through the same rules and services; input is checked by the pages'
own forms, so the API accepts and refuses exactly what the pages do."""

import datetime as dt
import json
from typing import Any

import rules
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, Query, Router, Schema, UploadedFile
from pydantic import ConfigDict, Field

from consultations.api.helpers import form_problem, require_perm
from consultations.api.pagination import PageParams, paginate
from consultations.api.writes import IF_MATCH, WRITE_HEADERS, if_match, json_response, write
from consultations.forms import positions as forms
from consultations.models import (
    Attachment,
    Confidentiality,
    CoSignature,
    Organisation,
    Position,
    PositionStatus,
    Priority,
    ProposedAmendment,
    Stance,
)
from consultations.models.positions import CONTENT_FIELDS
from consultations.selectors import positions as selectors
from consultations.selectors.positions import PositionFilters
from consultations.selectors.roles import user_organisation_ids
from consultations.services import attachments as attachment_services
from consultations.services import cosignatures as cosignature_services
from consultations.services import positions as services

router = Router(tags=["positions"])

WITH_IF_MATCH = {"parameters": [*WRITE_HEADERS["parameters"], IF_MATCH]}
WITH_OPTIONAL_IF_MATCH = {"parameters": [*WRITE_HEADERS["parameters"], IF_MATCH | {"required": False}]}


class OrganisationRef(Schema):
    id: int
    name: str


class AttachmentOut(Schema):
    id: int
    name: str = Field(validation_alias="original_name")
    kind: str
    size: int
    sha256: str
    uploaded_at: dt.datetime


class CoSignatureOut(Schema):
    id: int
    position_id: int
    organisation: OrganisationRef
    status: str
    invited_at: dt.datetime
    responded_at: dt.datetime | None


class PositionOut(Schema):
    id: int
    organisation: OrganisationRef
    chapter_id: int
    round_id: int
    title: str
    summary: str
    body: str
    stance: str
    priority: str
    is_red_flag: bool
    requested_outcome: str
    fallback_position: str
    hs_lines: list[str]
    exports_usd: int | None
    jobs: int | None
    confidentiality: str
    version: int
    status: str | None = Field(description="Null when the reader may not see how the government treated it.")
    official_response: str | None
    filed_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class PositionDetailOut(PositionOut):
    attachments: list[AttachmentOut]
    cosignatures: list[CoSignatureOut]


class ProposalOut(Schema):
    """An amendment held for the coordinator's sign-off (organisations that require it)."""

    id: int
    position_id: int
    status: str
    changed: list[str]
    proposed_at: dt.datetime


class PositionPage(Schema):
    items: list[PositionOut]
    next_cursor: str | None


class CoSignaturePage(Schema):
    items: list[CoSignatureOut]
    next_cursor: str | None


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class ContentIn(_Strict):
    title: str | None = Field(None, max_length=200)
    summary: str | None = Field(None, max_length=1500)
    body: str | None = Field(None, max_length=100_000)
    stance: Stance | None = None
    priority: Priority | None = None
    is_red_flag: bool | None = None
    requested_outcome: str | None = Field(None, max_length=20_000)
    fallback_position: str | None = Field(None, max_length=20_000)
    hs_lines: list[str] | None = Field(None, max_length=50)
    exports_usd: int | None = Field(None, ge=0, le=10**15)
    jobs: int | None = Field(None, ge=0, le=2_000_000_000)
    confidentiality: Confidentiality | None = None


class DraftIn(ContentIn):
    chapter: int | None = Field(None, ge=1, le=2**31 - 1)
    round: int | None = Field(None, ge=1, le=2**31 - 1)


class DraftCreateIn(DraftIn):
    chapter: int = Field(ge=1, le=2**31 - 1)
    round: int = Field(ge=1, le=2**31 - 1)
    title: str = Field(max_length=200)
    summary: str = Field(max_length=1500)
    stance: Stance


class AmendIn(ContentIn):
    reason: str = Field("", max_length=500)


class WithdrawIn(_Strict):
    reason: str = Field("", max_length=500)


class CoSignInviteIn(_Strict):
    organisation: int = Field(ge=1, le=2**31 - 1)


class CoSignAnswerIn(_Strict):
    accept: bool


class PositionFilterParams(PageParams):
    round: int | None = Field(None, ge=1, le=2**31 - 1)
    chapter: int | None = Field(None, ge=1, le=2**31 - 1)
    status: PositionStatus | None = None
    q: str = Field("", max_length=100)
    signoff: bool = False


def _form_data(position: Position | None, given: dict[str, Any]) -> dict[str, Any]:
    """What the page's form would post: the position's current values, with the given ones over them."""
    # A new draft starts from the model's defaults, as the page's empty form does.
    data: dict[str, Any] = {
        "priority": Priority.MEDIUM,
        "confidentiality": Confidentiality.GOVERNMENT,
        "is_red_flag": False,
    }
    if position is not None:
        data = {name: getattr(position, name) for name in CONTENT_FIELDS}
        data["chapter"], data["round"] = position.chapter_id, position.round_id
    data.update(given)
    for name in ("exports_usd", "jobs"):
        if data.get(name) is None:
            data[name] = ""
    data["hs_lines"] = list(data.get("hs_lines") or [])
    return data


def _position_body(user: Any, position: Position, detail: bool = True) -> dict[str, Any]:
    schema = PositionDetailOut if detail else PositionOut
    body = schema.model_validate(position, from_attributes=True).model_dump(mode="json")
    if not rules.has_perm("consultations.view_triage_outcome", user, position):
        body["status"] = None
        body["official_response"] = None
    return body


def _position_response(request: HttpRequest, position: Position, status: int = 200) -> HttpResponse:
    body = _position_body(request.auth.user, position)
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json")
    response["ETag"] = f'"{position.version}"'
    return response


def _position(request: HttpRequest, position_id: int, perm: str | None = None) -> Position:
    if position_id > 2**31 - 1:
        raise Http404
    position = selectors.position_get_for(user=request.auth.user, position_id=position_id)
    if perm is not None:
        require_perm(request.auth.user, perm, position)
    return position


def _fresh(request: HttpRequest, position: Position) -> Position:
    return selectors.position_get_for(user=request.auth.user, position_id=position.pk)


def _user_organisation(user: Any) -> Organisation:
    org_ids = sorted(user_organisation_ids(user))
    if not org_ids:
        raise Http404
    return Organisation.objects.get(pk=org_ids[0])


@router.get("/positions", response=PositionPage, summary="Our positions (own and co-signed), with the page's filters")
def position_list(request: HttpRequest, filters: Query[PositionFilterParams]) -> dict:
    user = request.auth.user
    queryset = selectors.position_list_for_organisation(
        user=user,
        filters=PositionFilters(
            round_id=filters.round,
            chapter_id=filters.chapter,
            status=filters.status,
            query=filters.q,
            awaiting_my_signoff=filters.signoff,
        ),
    )
    return paginate(queryset, filters)


@router.post(
    "/positions",
    response={201: PositionDetailOut},
    summary="Create a draft for the user's organisation",
    openapi_extra=WRITE_HEADERS,
)
@write
def position_create(request: HttpRequest, payload: DraftCreateIn) -> HttpResponse:
    user = request.auth.user
    organisation = _user_organisation(user)
    form = forms.PositionDraftForm(_form_data(None, payload.model_dump(exclude_unset=True)))
    if not form.is_valid():
        raise form_problem(form)
    position = services.position_create(
        by=user, organisation=organisation, data=form.content(), now=request.received_at
    )
    return _position_response(request, _fresh(request, position), status=201)


@router.get("/positions/{position_id}", response=PositionDetailOut, summary="One position")
def position_detail(request: HttpRequest, position_id: int) -> HttpResponse:
    return _position_response(request, _position(request, position_id))


@router.patch(
    "/positions/{position_id}",
    response=PositionDetailOut,
    summary="Update a draft (If-Match: the version it is based on)",
    openapi_extra=WITH_IF_MATCH,
)
@write
def position_update(request: HttpRequest, position_id: int, payload: DraftIn) -> HttpResponse:
    position = _position(request, position_id, "consultations.edit_draft")
    version = if_match(request)
    data = _form_data(position, payload.model_dump(exclude_unset=True)) | {"version": version}
    form = forms.PositionDraftForm(data, instance=Position.objects.get(pk=position.pk))
    if not form.is_valid():
        raise form_problem(form)
    saved = services.position_update_draft(
        by=request.auth.user, position=position, data=form.content(), expected_version=version, now=request.received_at
    )
    return _position_response(request, _fresh(request, saved))


@router.post(
    "/positions/{position_id}/file",
    response=PositionDetailOut,
    summary="File a draft (or send it for sign-off where the organisation requires it)",
    openapi_extra=WITH_OPTIONAL_IF_MATCH,
)
@write
def position_file(request: HttpRequest, position_id: int) -> HttpResponse:
    position = _position(request, position_id, "consultations.file_position")
    filed = services.position_file(
        by=request.auth.user,
        position=position,
        expected_version=if_match(request, required=False),
        now=request.received_at,
    )
    return _position_response(request, _fresh(request, filed))


@router.post(
    "/positions/{position_id}/amend",
    response={200: PositionDetailOut, 202: ProposalOut},
    summary="Amend a filed position: a new revision (202 with the proposal where sign-off is required)",
    openapi_extra=WITH_IF_MATCH,
)
@write
def position_amend(request: HttpRequest, position_id: int, payload: AmendIn) -> HttpResponse:
    position = _position(request, position_id, "consultations.amend_position")
    version = if_match(request)
    given = payload.model_dump(exclude_unset=True)
    reason = given.pop("reason", "")
    data = _form_data(position, given) | {"version": version, "reason": reason}
    form = forms.AmendForm(data, instance=Position.objects.get(pk=position.pk))
    if not form.is_valid():
        raise form_problem(form)
    result = services.position_amend(
        by=request.auth.user,
        position=position,
        data=form.content(),
        reason=form.cleaned_data["reason"],
        expected_version=version,
        now=request.received_at,
    )
    if isinstance(result, ProposedAmendment):
        return json_response(202, ProposalOut, result)
    return _position_response(request, _fresh(request, result))


@router.post(
    "/positions/{position_id}/withdraw",
    response=PositionDetailOut,
    summary="Withdraw a filed position",
    openapi_extra=WRITE_HEADERS,
)
@write
def position_withdraw(request: HttpRequest, position_id: int, payload: WithdrawIn) -> HttpResponse:
    position = _position(request, position_id, "consultations.withdraw_position")
    withdrawn = services.position_withdraw(
        by=request.auth.user, position=position, reason=payload.reason, now=request.received_at
    )
    return _position_response(request, _fresh(request, withdrawn))


class DiffLine(Schema):
    kind: str = Field(description='" " kept, "+" added, "-" removed.')
    text: str


class RevisionChange(Schema):
    field: str
    label: str
    lines: list[DiffLine] = Field(description="Whole paragraphs, each kept, added or removed.")


class RevisionOut(Schema):
    number: int
    reason: str
    created_at: dt.datetime
    content: dict[str, Any]
    compared_with: int | None = Field(description="The previous revision this reader may see, if any.")
    changes: list[RevisionChange]


class RevisionPage(Schema):
    items: list[RevisionOut]
    next_cursor: str | None


@router.get(
    "/positions/{position_id}/revisions",
    response=RevisionPage,
    summary="The revisions the reader may see, newest first, each with its changes from the one before",
)
def position_revisions(request: HttpRequest, position_id: int, page: Query[PageParams]) -> dict:
    position = _position(request, position_id)
    entries = selectors.revision_list_with_diffs(user=request.auth.user, position=position)
    # A position has a handful of revisions: the page is the whole history, diffed as the history page does.
    items = [
        {
            "number": entry.revision.number,
            "reason": entry.revision.reason,
            "created_at": entry.revision.created_at,
            "content": entry.revision.content,
            "compared_with": entry.previous.number if entry.previous else None,
            "changes": [
                {"field": d.field, "label": d.label, "lines": [{"kind": k, "text": t} for k, t in d.lines]}
                for d in entry.diff
            ],
        }
        for entry in entries
    ]
    return {"items": items, "next_cursor": None}


@router.post(
    "/positions/{position_id}/attachments",
    response={201: AttachmentOut},
    summary="Attach a file (PDF, DOCX, XLSX, CSV, PNG, JPEG; multipart field “file”)",
    openapi_extra=WRITE_HEADERS,
)
@write
def attachment_upload(request: HttpRequest, position_id: int, file: File[UploadedFile]) -> HttpResponse:
    position = _position(request, position_id, "consultations.add_attachment")
    form = forms.AttachmentForm({}, {"file": file})
    if not form.is_valid():
        raise form_problem(form)
    attachment = attachment_services.attachment_add(
        by=request.auth.user, position=position, upload=form.cleaned_data["file"], now=request.received_at
    )
    return json_response(201, AttachmentOut, attachment)


@router.get(
    "/attachments/{attachment_id}",
    response={200: bytes},
    summary="Download an attachment",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file, with the content type of its kind",
                "content": {
                    content_type: {"schema": {"type": "string", "format": "binary"}}
                    for content_type in attachment_services.CONTENT_TYPES.values()
                },
            }
        }
    },
)
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    if attachment_id > 2**31 - 1:
        raise Http404
    visible = selectors.position_list_visible_to(user=request.auth.user)
    attachment = get_object_or_404(
        Attachment.objects.select_related("position__organisation"), pk=attachment_id, position__in=visible
    )
    attachment_services.attachment_download_record(by=request.auth.user, attachment=attachment)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment_services.attachment_content_type(attachment),
    )


@router.post(
    "/positions/{position_id}/cosignatures",
    response={201: CoSignatureOut},
    summary="Invite another organisation to co-sign",
    openapi_extra=WRITE_HEADERS,
)
@write
def cosignature_invite(request: HttpRequest, position_id: int, payload: CoSignInviteIn) -> HttpResponse:
    position = _position(request, position_id, "consultations.invite_cosigner")
    form = forms.CoSignInviteForm({"organisation": payload.organisation}, position=position)
    if not form.is_valid():
        raise form_problem(form)
    cosignature = cosignature_services.cosignature_invite(
        by=request.auth.user, position=position, organisation=form.cleaned_data["organisation"]
    )
    return json_response(201, CoSignatureOut, cosignature)


@router.get("/cosignatures", response=CoSignaturePage, summary="Invitations to co-sign addressed to our organisations")
def cosignature_list(request: HttpRequest, page: Query[PageParams]) -> dict:
    return paginate(selectors.cosignature_list_for(user=request.auth.user), page, time_field="invited_at")


@router.post(
    "/cosignatures/{cosignature_id}/answer",
    response=CoSignatureOut,
    summary="Accept or decline an invitation to co-sign",
    openapi_extra=WRITE_HEADERS,
)
@write
def cosignature_answer(request: HttpRequest, cosignature_id: int, payload: CoSignAnswerIn) -> HttpResponse:
    if cosignature_id > 2**31 - 1:
        raise Http404
    user = request.auth.user
    cosignature = get_object_or_404(
        CoSignature.objects.select_related("position", "organisation"),
        pk=cosignature_id,
        organisation_id__in=user_organisation_ids(user),
    )
    require_perm(user, "consultations.respond_cosignature", cosignature)
    answered = cosignature_services.cosignature_respond(by=user, cosignature=cosignature, accept=payload.accept)
    return json_response(200, CoSignatureOut, answered)
