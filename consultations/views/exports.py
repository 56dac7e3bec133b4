"""Exports: briefing books, a delegate's own positions, one position as a PDF, the handover report, and the
pages of the export jobs that build the large ones in the background."""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from consultations.forms import exports as export_forms
from consultations.forms.positions import PositionFilterForm
from consultations.models import ExportJob, ExportKind, Organisation
from consultations.selectors import exports as export_selectors
from consultations.selectors.handover import can_read_handover
from consultations.selectors.positions import PositionFilters, position_get_for
from consultations.selectors.roles import user_coordinated_organisation_ids, user_organisation_ids
from consultations.services import exports as export_services
from consultations.views.helpers import as_download, in_language


def _queued(request: HttpRequest, job: ExportJob) -> HttpResponse:
    messages.info(request, _("This export is large: it is being prepared in the background. You will be notified."))
    return redirect("consultations:export_job_detail", pk=job.pk)


def _file_response(write, fmt: str, filename: str) -> FileResponse:  # noqa: ANN001 - write(target) -> rows
    scratch = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so deletes) it
    write(scratch)
    scratch.seek(0)
    response = FileResponse(scratch, content_type=export_services.CONTENT_TYPES[fmt])
    return as_download(response, filename)


# --- Briefing books ------------------------------------------------------------------------------------------


def _book(request: HttpRequest, round_id: int, chapter_number: int | None, fmt: str) -> HttpResponse:
    if fmt not in export_selectors.FORMATS:
        raise Http404
    user = request.user
    scope = export_selectors.book_scope_for(user=user, round_id=round_id, chapter_number=chapter_number)
    count = scope.positions.count()
    limit = settings.EXPORT_SYNC_MAX_PDF_POSITIONS if fmt == "pdf" else settings.EXPORT_SYNC_MAX_ROWS
    kind = export_services.BOOK_KINDS[fmt]
    if count > limit:
        job = export_services.export_job_create(by=user, kind=kind, parameters=scope.filters)
        return _queued(request, job)
    filename = export_services.book_filename(scope, fmt)
    export_services.export_audit(user=user, kind=kind, target=scope.round, filters=scope.filters, rows=count)
    with translation.override(user.language):
        if fmt == "csv":
            header = export_selectors.position_header()
            rows = map(export_selectors.position_row, export_selectors.iterate(scope.rows()))
            lines = in_language(export_services.csv_lines(header, rows), user.language)
            return as_download(
                StreamingHttpResponse(lines, content_type=export_services.CONTENT_TYPES["csv"]), filename
            )
        return _file_response(
            lambda target: export_services.book_write(user=user, scope=scope, fmt=fmt, target=target), fmt, filename
        )


@require_GET
@login_required
def book_round(request: HttpRequest, round_id: int, fmt: str) -> HttpResponse:
    """The briefing book of a round, for all the reader's chapters."""
    return _book(request, round_id, None, fmt)


@require_GET
@login_required
def book_chapter(request: HttpRequest, round_id: int, number: int, fmt: str) -> HttpResponse:
    return _book(request, round_id, number, fmt)


# --- A delegate's own positions ------------------------------------------------------------------------------


def _own_filters(request: HttpRequest) -> PositionFilters:
    coordinator = bool(user_coordinated_organisation_ids(request.user))
    return PositionFilterForm(request.GET or None, coordinator=coordinator).filters()


@require_GET
@login_required
def position_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """ "Our positions" as CSV or XLSX, with the list's filters."""
    if fmt not in export_services.OWN_KINDS:
        raise Http404
    user = request.user
    filters = _own_filters(request)
    rows_query = export_selectors.own_positions_for(user=user, filters=filters)
    count = rows_query.count()
    kind = export_services.OWN_KINDS[fmt]
    parameters = filters.as_parameters()
    if count > settings.EXPORT_SYNC_MAX_ROWS:
        return _queued(request, export_services.export_job_create(by=user, kind=kind, parameters=parameters))
    organisation = Organisation.objects.filter(pk__in=user_organisation_ids(user)).order_by("pk").first()
    export_services.export_audit(user=user, kind=kind, target=organisation, filters=parameters, rows=count)
    filename = export_services.own_filename(fmt)
    with translation.override(user.language):
        if fmt == "csv":
            header = export_selectors.position_header()
            rows = map(export_selectors.position_row, export_selectors.iterate(rows_query))
            lines = in_language(export_services.csv_lines(header, rows), user.language)
            return as_download(
                StreamingHttpResponse(lines, content_type=export_services.CONTENT_TYPES["csv"]), filename
            )
        return _file_response(
            lambda target: export_services.own_write(user=user, filters=filters, fmt=fmt, target=target),
            fmt,
            filename,
        )


@require_GET
@login_required
def position_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """One position with the revisions its reader may read."""
    user = request.user
    position = position_get_for(user=user, position_id=pk)
    with translation.override(user.language):
        scratch = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so deletes) it
        revisions = export_services.position_pdf_write(user=user, position=position, target=scratch)
    export_services.export_audit(
        user=user, kind="position_pdf", target=position, filters={"position": position.pk}, rows=revisions
    )
    scratch.seek(0)
    response = FileResponse(scratch, content_type=export_services.CONTENT_TYPES["pdf"])
    return as_download(response, f"position-{position.pk}_{export_services._date()}.pdf")


# --- The handover report -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def handover(request: HttpRequest) -> HttpResponse:
    """The coordinator and admins ask for a chapter's (or every chapter's) handover report: always a job."""
    if not can_read_handover(request.user):
        raise Http404
    form = export_forms.HandoverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        chapter = form.cleaned_data["chapter"]
        job = export_services.export_job_create(
            by=request.user, kind=ExportKind.HANDOVER, parameters={"chapter": chapter.number if chapter else None}
        )
        messages.info(request, _("The handover report is being prepared. You will be notified when it is ready."))
        return redirect("consultations:export_job_detail", pk=job.pk)
    return render(request, "consultations/exports/handover.html", {"form": form})


# --- Jobs ----------------------------------------------------------------------------------------------------


@require_GET
@login_required
def export_job_list(request: HttpRequest) -> HttpResponse:
    jobs = export_selectors.export_job_list_for(user=request.user)[:50]
    return render(
        request,
        "consultations/exports/job_list.html",
        {"jobs": jobs, "can_handover": can_read_handover(request.user)},
    )


@require_GET
@login_required
@vary_on_headers("HX-Request")
def export_job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = export_selectors.export_job_get_for(user=request.user, job_id=pk)
    template = "consultations/exports/job_detail.html"
    if request.htmx:
        template += "#export-job-status"
    return render(request, template, {"job": job})


@require_GET
@login_required
def export_job_download(request: HttpRequest, pk: int) -> FileResponse:
    """The file, for its requester only: anyone else's link answers 404, like a missing one."""
    job = export_selectors.export_job_get_for(user=request.user, job_id=pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    fmt = job.filename.rsplit(".", 1)[-1]
    export_services.export_job_download_record(by=request.user, job=job)
    response = FileResponse(
        job.file.open("rb"), content_type=export_services.CONTENT_TYPES.get(fmt, "application/octet-stream")
    )
    return as_download(response, job.filename)


@require_POST
@login_required
def export_job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    job = export_selectors.export_job_get_for(user=request.user, job_id=pk)
    if job.status == ExportJob.Status.FAILED:
        export_services.export_job_retry(job=job, by=request.user)
        messages.info(request, _("The export was queued again."))
    return redirect("consultations:export_job_detail", pk=job.pk)
