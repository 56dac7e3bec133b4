"""Exports: ask for an export job (a briefing book, "our positions", the handover report) with the pages' forms
and scopes, read its status, and download its file. Through the API every export is a job, whatever its size: the
client polls the job and downloads the file when it is ready. A job is its requester's alone (anyone else: 404),
and each download leaves an audit row marked as API."""

import datetime as dt
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from consultations.api.helpers import form_problem
from consultations.api.pagination import PageParams, paginate
from consultations.api.problems import ApiProblem
from consultations.api.writes import WRITE_HEADERS, json_response, write
from consultations.forms.exports import HandoverForm
from consultations.forms.positions import PositionFilterForm
from consultations.models import Chapter, ExportJob, ExportKind
from consultations.selectors import exports as selectors
from consultations.selectors.handover import can_read_handover
from consultations.selectors.positions import PositionFilters
from consultations.selectors.roles import user_coordinated_organisation_ids
from consultations.services import exports as services
from consultations.services.audit import audit_record

router = Router(tags=["exports"])


class ExportJobOut(Schema):
    id: int
    kind: str
    parameters: dict[str, Any]
    status: str = Field(description="queued, running, done or failed.")
    progress: int = Field(description="Percent done.")
    row_count: int | None
    filename: str
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    expires_at: dt.datetime
    download_url: str | None = Field(description="Where to download the file once the job is done.")

    @staticmethod
    def resolve_download_url(obj) -> str | None:  # noqa: ANN001 - an ExportJob
        return f"/api/v1/exports/{obj.pk}/file" if obj.status == ExportJob.Status.DONE and obj.file else None


class ExportJobPage(Schema):
    items: list[ExportJobOut]
    next_cursor: str | None


class ExportIn(Schema):
    model_config = ConfigDict(extra="forbid")
    kind: ExportKind = Field(
        description="book_*: a round's briefing book (officials); own_*: our positions (delegates); handover: the "
        "handover report (coordinator, admins)."
    )
    round: int | None = Field(None, ge=1, le=2**31 - 1, description="The round's id (required for a book).")
    chapter: int | None = Field(None, ge=1, le=2**31 - 1, description="One chapter's id; omit for all.")
    status: str = Field("", max_length=30, description="own_*: the positions list's status filter.")
    q: str = Field("", max_length=100, description="own_*: the positions list's search filter.")


def _invalid(field: str, message: str) -> ApiProblem:
    return ApiProblem(
        422, "invalid", _("The request has invalid values."), errors=[{"field": field, "message": message}]
    )


def _book_parameters(request: HttpRequest, payload: ExportIn) -> dict[str, Any]:
    if payload.round is None:
        raise _invalid("round", _("Choose the round of the briefing book."))
    number = None
    if payload.chapter is not None:
        chapter = Chapter.objects.filter(pk=payload.chapter).only("number").first()
        if chapter is None:
            raise Http404
        number = chapter.number
    scope = selectors.book_scope_for(user=request.auth.user, round_id=payload.round, chapter_number=number)
    return scope.filters


def _own_parameters(request: HttpRequest, payload: ExportIn) -> dict[str, Any]:
    user = request.auth.user
    form = PositionFilterForm(
        {"round": payload.round or "", "chapter": payload.chapter or "", "status": payload.status, "q": payload.q},
        coordinator=bool(user_coordinated_organisation_ids(user)),
    )
    if not form.is_valid():
        raise form_problem(form)
    data = form.cleaned_data
    filters = PositionFilters(
        round_id=data["round"].pk if data["round"] else None,
        chapter_id=data["chapter"].pk if data["chapter"] else None,
        status=data["status"] or None,
        query=data["q"],
    )
    selectors.own_positions_for(user=user, filters=filters)  # 404 for a user of no organisation, as on the page
    return {
        "round_id": filters.round_id,
        "chapter_id": filters.chapter_id,
        "status": filters.status,
        "query": filters.query,
    }


def _handover_parameters(request: HttpRequest, payload: ExportIn) -> dict[str, Any]:
    if not can_read_handover(request.auth.user):
        raise Http404
    form = HandoverForm({"chapter": payload.chapter or ""})
    if not form.is_valid():
        raise form_problem(form)
    chapter = form.cleaned_data["chapter"]
    return {"chapter": chapter.number if chapter else None}


@router.get("/exports", response=ExportJobPage, summary="The user's export jobs (not expired)")
def export_job_list(request: HttpRequest, page: Query[PageParams]) -> dict:
    return paginate(selectors.export_job_list_for(user=request.auth.user), page, time_field="created_at")


@router.post(
    "/exports",
    response={202: ExportJobOut},
    summary="Ask for an export: it is prepared in the background (poll the job, then download its file)",
    openapi_extra=WRITE_HEADERS,
)
@write
def export_job_create(request: HttpRequest, payload: ExportIn) -> HttpResponse:
    if payload.kind.startswith("book_"):
        parameters = _book_parameters(request, payload)
    elif payload.kind.startswith("own_"):
        parameters = _own_parameters(request, payload)
    else:
        parameters = _handover_parameters(request, payload)
    job = services.export_job_create(by=request.auth.user, kind=payload.kind, parameters=parameters)
    return json_response(202, ExportJobOut, job, headers={"Location": f"/api/v1/exports/{job.pk}"})


def _job(request: HttpRequest, job_id: int) -> ExportJob:
    if job_id > 2**31 - 1:
        raise Http404
    return selectors.export_job_get_for(user=request.auth.user, job_id=job_id)


@router.get("/exports/{job_id}", response=ExportJobOut, summary="One export job and its status")
def export_job_detail(request: HttpRequest, job_id: int) -> ExportJob:
    return _job(request, job_id)


@router.get(
    "/exports/{job_id}/file",
    response={200: bytes},
    summary="Download the file of a finished export job (its requester only)",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file (CSV, XLSX or PDF)",
                "content": {
                    content_type: {"schema": {"type": "string", "format": "binary"}}
                    for content_type in sorted(set(services.CONTENT_TYPES.values()))
                },
            }
        }
    },
)
def export_job_download(request: HttpRequest, job_id: int) -> FileResponse:
    job = _job(request, job_id)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    audit_record(
        actor=request.auth.user,
        action="export.download",
        target=job,
        data={"kind": job.kind, "filename": job.filename},
    )
    fmt = job.filename.rsplit(".", 1)[-1]
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=job.filename,
        content_type=services.CONTENT_TYPES.get(fmt, "application/octet-stream"),
    )
