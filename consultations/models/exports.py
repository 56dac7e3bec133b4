"""Export jobs: briefing books, spreadsheets and handover reports built in the background, private to their
requester, kept for a week."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# How long a finished file stays downloadable; a beat task deletes it and its row afterwards.
EXPORT_RETENTION_DAYS = 7


class ExportKind(models.TextChoices):
    BOOK_PDF = "book_pdf", _("Briefing book (PDF)")
    BOOK_XLSX = "book_xlsx", _("Briefing book (XLSX)")
    BOOK_CSV = "book_csv", _("Briefing book (CSV)")
    OWN_CSV = "own_csv", _("Our positions (CSV)")
    OWN_XLSX = "own_xlsx", _("Our positions (XLSX)")
    HANDOVER = "handover", _("Handover report (PDF)")


def export_upload_to(instance: ExportJob, filename: str) -> str:
    # A generated name: nothing of the request reaches the file system, and nothing guessable.
    return f"exports/{uuid.uuid4().hex}{filename[filename.rfind('.') :] if '.' in filename else ''}"


class ExportJob(models.Model):
    """One export built by a worker: what was asked (``kind``, ``parameters``), how far it got, and its file."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being prepared")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    requester = models.ForeignKey(
        "consultations.User", verbose_name=_("requested by"), on_delete=models.CASCADE, related_name="export_jobs"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ExportKind.choices)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to=export_upload_to, max_length=200, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="export_job_progress_percent"),
            models.CheckConstraint(condition=~Q(status="done") | ~Q(file=""), name="export_job_done_has_file"),
        ]
        indexes = [models.Index(fields=["requester", "-created_at"], name="export_job_requester_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
