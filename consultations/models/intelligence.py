"""The "Cuarto de Inteligencia": research and analysis per chapter, for the government side only.

A note is written in Markdown (rendered safely like a briefing), tagged, linked to positions, rounds and HS lines,
and may carry attachments under the same upload rules as positions. Delegates never reach a note by any path:
visibility lives in ``selectors.intelligence``.
"""

from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from consultations.models.positions import Attachment
from consultations.models.search import search_vector_field

NOTE_TITLE_MAX = 200
NOTE_BODY_MAX = 50_000
NOTE_TAG_MAX = 40
NOTE_TAGS_MAX = 20


class IntelligenceNote(models.Model):
    chapter = models.ForeignKey(
        "consultations.Chapter",
        verbose_name=_("chapter"),
        on_delete=models.PROTECT,
        related_name="intelligence_notes",
    )
    title = models.CharField(_("title"), max_length=NOTE_TITLE_MAX)
    body_markdown = models.TextField(
        _("analysis"), max_length=NOTE_BODY_MAX, help_text=_("Markdown: **bold**, *italics*, lists, links, tables.")
    )
    tags = ArrayField(models.CharField(max_length=NOTE_TAG_MAX), verbose_name=_("tags"), default=list, blank=True)
    hs_lines = ArrayField(models.CharField(max_length=12), verbose_name=_("HS tariff lines"), default=list, blank=True)
    rounds = models.ManyToManyField(
        "consultations.Round", verbose_name=_("rounds"), related_name="intelligence_notes", blank=True
    )
    positions = models.ManyToManyField(
        "consultations.Position", verbose_name=_("positions"), related_name="intelligence_notes", blank=True
    )
    # Everyone who wrote or changed the note, the first author included.
    authors = models.ManyToManyField("consultations.User", verbose_name=_("authors"), related_name="intelligence_notes")
    created_by = models.ForeignKey(
        "consultations.User", verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    updated_by = models.ForeignKey(
        "consultations.User", verbose_name=_("last changed by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    # Optimistic lock: an edit made on an older version is refused with the current text beside the user's.
    version = models.PositiveIntegerField(_("version"), default=1)
    search_vector = search_vector_field(("title", "A"), ("body_markdown", "C"))

    class Meta:
        verbose_name = _("intelligence note")
        verbose_name_plural = _("intelligence notes")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="intelligence_note_title_not_empty"),
            models.CheckConstraint(condition=~Q(body_markdown=""), name="intelligence_note_body_not_empty"),
        ]
        indexes = [
            models.Index(fields=["chapter", "-updated_at"], name="intelligence_chapter_idx"),
            GinIndex(fields=["tags"], name="intelligence_tags_gin"),
            GinIndex(fields=["hs_lines"], name="intelligence_hs_lines_gin"),
            GinIndex(fields=["search_vector"], name="intelligence_search_gin"),
            GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name="intelligence_title_trgm"),
        ]

    def __str__(self) -> str:
        return self.title


def intelligence_upload_to(instance: IntelligenceAttachment, filename: str) -> str:
    # A generated name, like position attachments: the user's file name never reaches the file system.
    return f"intelligence/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}"


class IntelligenceAttachment(models.Model):
    note = models.ForeignKey(
        IntelligenceNote, verbose_name=_("intelligence note"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=intelligence_upload_to, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("type"), max_length=10, choices=Attachment.Kind.choices)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        "consultations.User", verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("intelligence attachment")
        verbose_name_plural = _("intelligence attachments")
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="intelligence_attachment_not_empty"),
            models.UniqueConstraint(fields=["note", "sha256"], name="intelligence_attachment_unique_per_note"),
        ]

    def __str__(self) -> str:
        return self.original_name
