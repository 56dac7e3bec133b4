"""Exports: briefing books (PDF, XLSX, CSV), a delegate's own positions, one position with its history, and the
transition handover report; the background jobs that build the large ones.

The writers stream: the CSV is produced row by row from a server-side cursor, the XLSX with openpyxl's write-only
workbook, so neither holds the rows in memory. Every export that is handed over writes one audit row (who, what,
which filters, how many rows). A job is built by a worker (``export_job_run``), private to its requester, and
deleted with its file a week later (``export_jobs_expire``, beat).
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from consultations.models import ExportJob, ExportKind, NotificationKind, Organisation, Position, Priority
from consultations.models.exports import EXPORT_RETENTION_DAYS
from consultations.selectors import exports as export_selectors
from consultations.selectors.handover import handover_report_for, handover_scope_for
from consultations.selectors.positions import PositionFilters, revision_list_with_diffs
from consultations.services.audit import audit_record
from consultations.services.notifications import notify
from consultations.services.outbox import outbox_enqueue

if TYPE_CHECKING:
    from consultations.models import User

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]  # called with a percentage (0–99) while a job is built

# A spreadsheet must not run a cell as a formula (CSV injection): these first characters are neutralised.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
BOOK_KINDS = {"pdf": ExportKind.BOOK_PDF, "xlsx": ExportKind.BOOK_XLSX, "csv": ExportKind.BOOK_CSV}
OWN_KINDS = {"xlsx": ExportKind.OWN_XLSX, "csv": ExportKind.OWN_CSV}


def _no_progress(percent: int) -> None:
    return None


def neutralise(value: Any) -> Any:
    """A text starting like a formula gets a leading apostrophe, which spreadsheets show as text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return f"'{value}"
    return value


# --- Writers -------------------------------------------------------------------------------------------------


class _Line:
    """csv.writer's target that hands back each line instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    """The CSV, one line at a time: a BOM (so Excel reads the accents as UTF-8), the header, then each row."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow(["" if value is None else neutralise(value) for value in row])


def _counted(rows: Iterable[Position], total: int, progress: Progress) -> Iterator[list[Any]]:
    step = max(total // 50, 500)
    for done, position in enumerate(rows, start=1):
        if done % step == 0 and total:
            progress(min(99, done * 100 // total))
        yield export_selectors.position_row(position)


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    if isinstance(value, str) and value.startswith("="):
        # openpyxl would store it as a formula; a text cell is shown, never run.
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def write_xlsx(target: IO[bytes], sheets: list[tuple[str, list[str], Iterable[list[Any]]]]) -> int:
    """A write-only workbook (rows go straight to the file): per sheet a bold, frozen header and filters over the
    whole table. Returns the number of rows of the first sheet."""
    workbook = Workbook(write_only=True)
    counts = []
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title[:31])
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        cells = []
        for label in header:
            cell = WriteOnlyCell(sheet, value=label)
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)
        count = 0
        for row in rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
            count += 1
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
        counts.append(count)
    workbook.save(target)
    return counts[0] if counts else 0


def render_pdf(template: str, context: dict[str, Any], target: IO[bytes]) -> None:
    from weasyprint import HTML

    html = render_to_string(template, {**context, "generated_at": timezone.now()})
    HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(target)


# --- What each export holds ----------------------------------------------------------------------------------


def _date() -> str:
    return f"{timezone.localdate():%Y-%m-%d}"


def _is_red_line(position: Position) -> bool:
    return position.priority == Priority.RED_LINE or position.is_red_flag


def book_filename(scope: export_selectors.BookScope, fmt: str) -> str:
    chapter = f"_chapter-{scope.chapter.number:02d}" if scope.chapter else "_all-chapters"
    return f"briefing-book_round-{scope.round.pk}{chapter}_{_date()}.{fmt}"


def book_write(
    *, user: User, scope: export_selectors.BookScope, fmt: str, target: IO[bytes], progress: Progress = _no_progress
) -> int:
    """Write the book in ``fmt`` to ``target``; returns the number of positions in it."""
    total = scope.positions.count()
    header = export_selectors.position_header()
    if fmt == "csv":
        rows = _counted(export_selectors.iterate(scope.rows()), total, progress)
        for line in csv_lines(header, rows):
            target.write(line.encode("utf-8"))
        return total
    if fmt == "xlsx":
        return write_xlsx(
            target,
            [
                (str(_("Positions")), header, _counted(export_selectors.iterate(scope.rows()), total, progress)),
                (
                    str(_("Red lines")),
                    header,
                    map(export_selectors.position_row, export_selectors.iterate(scope.red_lines())),
                ),
            ],
        )
    content = export_selectors.book_content(user=user, scope=scope)
    progress(10)
    positions = list(scope.rows())
    progress(40)
    render_pdf(
        "consultations/exports/book.pdf.html",
        {
            "scope": scope,
            "content": content,
            "positions": positions,
            "red_lines": [p for p in positions if _is_red_line(p)],
            "others": [p for p in positions if not _is_red_line(p)],
            "reader": user,
        },
        target,
    )
    return len(positions)


def own_filename(fmt: str) -> str:
    return f"our-positions_{_date()}.{fmt}"


def own_write(
    *, user: User, filters: PositionFilters, fmt: str, target: IO[bytes], progress: Progress = _no_progress
) -> int:
    rows_query = export_selectors.own_positions_for(user=user, filters=filters)
    total = rows_query.count()
    header = export_selectors.position_header()
    rows = _counted(export_selectors.iterate(rows_query), total, progress)
    if fmt == "csv":
        for line in csv_lines(header, rows):
            target.write(line.encode("utf-8"))
        return total
    return write_xlsx(target, [(str(_("Positions")), header, rows)])


def position_pdf_write(*, user: User, position: Position, target: IO[bytes]) -> int:
    """One position as its reader sees it, with the revisions that reader may read (never more)."""
    entries = revision_list_with_diffs(user=user, position=position)
    render_pdf(
        "consultations/exports/position.pdf.html",
        {"position": position, "entries": entries, "reader": user},
        target,
    )
    return len(entries)


def handover_filename(chapter_number: int | None) -> str:
    chapter = f"chapter-{chapter_number:02d}" if chapter_number else "all-chapters"
    return f"handover_{chapter}_{_date()}.pdf"


def handover_write(
    *, user: User, chapter_number: int | None, target: IO[bytes], progress: Progress = _no_progress
) -> int:
    scope = handover_scope_for(user=user, chapter_number=chapter_number)
    report = handover_report_for(scope=scope)
    progress(50)
    render_pdf("consultations/exports/handover.pdf.html", {"report": report, "reader": user}, target)
    return report.position_count


# --- Audit ---------------------------------------------------------------------------------------------------


def export_audit(*, user: User, kind: str, target: Any, filters: dict[str, Any], rows: int, job: int | None = None):  # noqa: ANN201
    """One row per export handed over: who, what, with which filters, how many rows."""
    organisation = target if isinstance(target, Organisation) else None
    data: dict[str, Any] = {"kind": str(kind), "filters": filters, "rows": rows}
    if job is not None:
        data["job"] = job
    return audit_record(actor=user, action="export", target=target, organisation=organisation, data=data)


def export_job_download_record(*, by: User, job: ExportJob) -> None:
    """The job's file handed over (its building was recorded as the export itself)."""
    audit_record(actor=by, action="export.download", target=job, data={"kind": str(job.kind)})


# --- Jobs ----------------------------------------------------------------------------------------------------


@transaction.atomic
def export_job_create(*, by: User, kind: str, parameters: dict[str, Any], now: dt.datetime | None = None) -> ExportJob:
    """Queue a job for a worker (through the outbox, so it is sent only once this transaction commits)."""
    now = now or timezone.now()
    job = ExportJob.objects.create(
        requester=by,
        kind=kind,
        parameters=parameters,
        expires_at=now + dt.timedelta(days=EXPORT_RETENTION_DAYS),
    )
    outbox_enqueue(task="consultations.tasks.export_job_run", job_id=job.pk)
    audit_record(actor=by, action="export.request", target=job, data={"kind": str(kind), "filters": parameters})
    return job


@transaction.atomic
def export_job_retry(*, job: ExportJob, by: User) -> ExportJob:
    """A failed job is queued again, by its requester only; any other state is left as it is."""
    job = ExportJob.objects.select_for_update().get(pk=job.pk)
    if job.requester_id != by.pk:
        raise Http404
    if job.status != ExportJob.Status.FAILED:
        return job
    job.status = ExportJob.Status.QUEUED
    job.progress = 0
    job.error = ""
    job.finished_at = None
    job.save(update_fields=["status", "progress", "error", "finished_at"])
    outbox_enqueue(task="consultations.tasks.export_job_run", job_id=job.pk)
    audit_record(actor=by, action="export.retry", target=job, data={"kind": str(job.kind)})
    return job


class ExportUnavailable(Exception):
    """What the job was asked for is no longer visible to its requester."""


def _build(job: ExportJob, target: IO[bytes], progress: Progress) -> tuple[str, int, Any]:
    """Write the job's file; returns (file name, rows, the audit's target)."""
    user, parameters = job.requester, job.parameters
    try:
        if job.kind in BOOK_KINDS.values():
            fmt = next(fmt for fmt, kind in BOOK_KINDS.items() if kind == job.kind)
            scope = export_selectors.book_scope_for(
                user=user, round_id=parameters["round_id"], chapter_number=parameters.get("chapter")
            )
            rows = book_write(user=user, scope=scope, fmt=fmt, target=target, progress=progress)
            return book_filename(scope, fmt), rows, scope.round
        if job.kind in OWN_KINDS.values():
            fmt = next(fmt for fmt, kind in OWN_KINDS.items() if kind == job.kind)
            rows = own_write(
                user=user,
                filters=PositionFilters.from_parameters(parameters),
                fmt=fmt,
                target=target,
                progress=progress,
            )
            organisation = Organisation.objects.filter(memberships__user=user).order_by("pk").first()
            if organisation is None:
                raise Http404
            return own_filename(fmt), rows, organisation
        if job.kind == ExportKind.HANDOVER:
            chapter_number = parameters.get("chapter")
            rows = handover_write(user=user, chapter_number=chapter_number, target=target, progress=progress)
            return handover_filename(chapter_number), rows, job
    except Http404 as error:
        raise ExportUnavailable from error
    raise ValueError(f"unknown export kind {job.kind!r}")


def _claim(job_id: int, now: dt.datetime) -> ExportJob | None:
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().select_related("requester").filter(pk=job_id).first()
        if job is None or job.status in (ExportJob.Status.DONE, ExportJob.Status.FAILED):
            return None
        job.status = ExportJob.Status.RUNNING
        job.attempts += 1
        job.started_at = now
        job.progress = 0
        job.save(update_fields=["status", "attempts", "started_at", "progress"])
        return job


def _fail(job_id: int, message: str) -> None:
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status == ExportJob.Status.DONE:
            return
        job.status = ExportJob.Status.FAILED
        job.error = message
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])


def export_job_run(*, job_id: int, now: dt.datetime | None = None) -> str:
    """Build a queued job's file. Idempotent: a job already done (or failed) is left alone, and a run that
    finishes after another one did (a redelivered task) throws its file away, so a job never has two files."""
    job = _claim(job_id, now or timezone.now())
    if job is None:
        return "skipped"

    def progress(percent: int) -> None:
        ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING).update(progress=max(0, min(99, percent)))

    with tempfile.TemporaryFile() as scratch:
        try:
            # Dates in the requester's time zone and words in their language, as on their pages.
            with translation.override(job.requester.language), timezone.override(job.requester.time_zone):
                filename, rows, target = _build(job, scratch, progress)
        except ExportUnavailable:
            with translation.override(job.requester.language):
                _fail(job_id, _("You may no longer see what this export was for."))
            return "failed"
        except Exception:
            logger.exception("export job %s failed", job_id)
            with translation.override(job.requester.language):
                _fail(job_id, _("The export could not be built. Try again; if it fails again, tell the platform team."))
            return "failed"
        scratch.seek(0)
        with transaction.atomic():
            job = ExportJob.objects.select_for_update().select_related("requester").get(pk=job_id)
            if job.status == ExportJob.Status.DONE:
                return "skipped"
            job.file.save(filename, File(scratch), save=False)
            job.filename = filename
            job.status = ExportJob.Status.DONE
            job.progress = 100
            job.row_count = rows
            job.error = ""
            job.finished_at = timezone.now()
            job.save(update_fields=["file", "filename", "status", "progress", "row_count", "error", "finished_at"])
            export_audit(
                user=job.requester, kind=job.kind, target=target, filters=job.parameters, rows=rows, job=job.pk
            )
            with translation.override(job.requester.language):
                notify(
                    users=[job.requester],
                    kind=NotificationKind.EXPORT,
                    title=_("%(export)s is ready") % {"export": job.get_kind_display()},
                    url=reverse("consultations:export_job_detail", args=[job.pk]),
                    key=f"export-job:{job.pk}",
                )
    return "done"


def export_jobs_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the jobs past their week, their files and the notifications that linked to them."""
    from consultations.models import Notification

    now = now or timezone.now()
    deleted = 0
    for job in ExportJob.objects.filter(expires_at__lte=now).order_by("pk"):
        with transaction.atomic():
            if job.file:
                job.file.delete(save=False)
            Notification.objects.filter(kind=NotificationKind.EXPORT, key=f"export-job:{job.pk}").delete()
            job.delete()
            deleted += 1
    return deleted
