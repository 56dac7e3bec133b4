from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _

from consultations.models.positions import PositionStatus
from consultations.models.search import search_vector_field

S = PositionStatus
# The triage rules, read by forms and selectors and enforced by services/triage.py.
FINAL_STATUSES = frozenset({S.INCORPORATED, S.NOTED, S.NEEDS_INFO, S.DECLINED, S.MERGED})
# Where a position may go from each status. Merging has its own service (it needs the original).
TRANSITIONS: dict[str, frozenset[str]] = {
    # A decision may be taken straight from "submitted": reviewing first is not a required step.
    S.SUBMITTED: frozenset({S.IN_REVIEW, S.INCORPORATED, S.NOTED, S.NEEDS_INFO, S.DECLINED}),
    S.IN_REVIEW: frozenset({S.INCORPORATED, S.NOTED, S.NEEDS_INFO, S.DECLINED, S.SUBMITTED}),
    S.NEEDS_INFO: frozenset({S.IN_REVIEW}),
    S.INCORPORATED: frozenset({S.IN_REVIEW}),
    S.NOTED: frozenset({S.IN_REVIEW}),
    S.DECLINED: frozenset({S.IN_REVIEW}),
}


class TriageEvent(models.Model):
    """One step in a position's triage history: an assignment, a status change, a response, a tag, a merge."""

    class Action(models.TextChoices):
        ASSIGN = "assign", _("Assigned")
        UNASSIGN = "unassign", _("Unassigned")
        STATUS = "status", _("Status changed")
        RESPONSE = "response", _("Official response")
        NOTE = "note", _("Internal note")
        TAG = "tag", _("Tagged")
        MERGE = "merge", _("Merged as duplicate")

    position = models.ForeignKey(
        "consultations.Position", verbose_name=_("position"), on_delete=models.CASCADE, related_name="triage_events"
    )
    actor = models.ForeignKey("consultations.User", verbose_name=_("actor"), on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    from_status = models.CharField(_("from status"), max_length=20, blank=True)
    to_status = models.CharField(_("to status"), max_length=20, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    bulk_id = models.UUIDField(_("bulk action"), null=True, blank=True)
    # Set once the organisation has been told; a redelivered task finds it set and sends nothing.
    notified_at = models.DateTimeField(_("organisation notified at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("triage event")
        verbose_name_plural = _("triage events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["position", "-created_at"], name="triage_event_position_idx")]

    def __str__(self) -> str:
        return f"{self.position_id} {self.action}"


class InternalNote(models.Model):
    """An officials-only note on a position. Never rendered for, nor sent to, a delegate."""

    position = models.ForeignKey(
        "consultations.Position", verbose_name=_("position"), on_delete=models.CASCADE, related_name="internal_notes"
    )
    author = models.ForeignKey(
        "consultations.User", verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("note"), max_length=5000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    search_vector = search_vector_field(("body", "B"))

    class Meta:
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        ordering = ["-created_at", "-id"]
        indexes = [GinIndex(fields=["search_vector"], name="internal_note_search_gin")]

    def __str__(self) -> str:
        return f"{self.position_id}: {self.body[:40]}"
