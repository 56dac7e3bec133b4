"""Where each chapter stands in the negotiation: its status round by round, and its open issues ("brackets").

Both are government-only. The status history and each issue's change history are append-only (a database trigger
refuses updates and deletes): the current state is the latest entry, and nothing is overwritten.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .rounds import Round

ISSUE_TEXT_MAX = 300
NOTE_MAX = 5_000


class ChapterStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_NEGOTIATION = "in_negotiation", _("In negotiation")
    ADVANCED = "advanced", _("Advanced")
    CLOSED_AD_REFERENDUM = "closed_ad_referendum", _("Closed ad referendum")
    CLOSED = "closed", pgettext_lazy("chapter status", "Closed")
    PARKED = "parked", _("Parked")


# The usual path of a chapter; "parked" stands beside it (a chapter can be parked from, and resumed to, any step).
STATUS_PATH: tuple[str, ...] = (
    ChapterStatus.NOT_STARTED,
    ChapterStatus.IN_NEGOTIATION,
    ChapterStatus.ADVANCED,
    ChapterStatus.CLOSED_AD_REFERENDUM,
    ChapterStatus.CLOSED,
)
CLOSED_CHAPTER_STATUSES: tuple[str, ...] = (ChapterStatus.CLOSED_AD_REFERENDUM, ChapterStatus.CLOSED)


def skipped_statuses(previous: str | None, new: str) -> list[str]:
    """The steps of the usual path jumped over when going from ``previous`` to ``new``."""
    if previous not in STATUS_PATH or new not in STATUS_PATH:
        return []  # a first record, or parking and resuming: nothing is skipped
    start = STATUS_PATH.index(previous)
    end = STATUS_PATH.index(new)
    return list(STATUS_PATH[start + 1 : end]) if end > start + 1 else []


class Party(models.TextChoices):
    MX = "MX", _("Mexico")
    US = "US", _("United States")
    CA = "CA", _("Canada")


class ChapterStatusEntry(models.Model):
    """One step of a chapter's state of play: the whole status line as it stood after the change."""

    class Change(models.TextChoices):
        STATUS = "status", _("Status recorded")
        SHARED = "shared", _("Status line shared with the room")
        UNSHARED = "unshared", _("Status line no longer shared")

    chapter = models.ForeignKey(
        "consultations.Chapter", verbose_name=_("chapter"), on_delete=models.PROTECT, related_name="status_entries"
    )
    round = models.ForeignKey(
        "consultations.Round", verbose_name=_("round"), on_delete=models.PROTECT, related_name="status_entries"
    )
    change = models.CharField(_("change"), max_length=10, choices=Change.choices, default=Change.STATUS)
    status = models.CharField(_("status"), max_length=30, choices=ChapterStatus.choices)
    previous_status = models.CharField(_("previous status"), max_length=30, choices=ChapterStatus.choices, blank=True)
    skipped = ArrayField(
        models.CharField(max_length=30, choices=ChapterStatus.choices),
        verbose_name=_("steps skipped"),
        default=list,
        blank=True,
    )
    note = models.TextField(_("note"), max_length=NOTE_MAX, blank=True)
    reason = models.TextField(
        _("reason for reopening"), max_length=NOTE_MAX, blank=True, help_text=_("Required to reopen a closed chapter.")
    )
    shared_with_room = models.BooleanField(
        _("status line shared with the room"),
        default=False,
        help_text=_("Delegates then see the chapter's status (never its open issues) on the chapter list."),
    )
    is_reference = models.BooleanField(
        _("from the public record"), default=False, help_text=_("Loaded by load_usmca from the 2017–2018 record.")
    )
    recorded_by = models.ForeignKey(
        "consultations.User",
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("chapter state-of-play entry")
        verbose_name_plural = _("chapter state-of-play entries")
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(recorded_by__isnull=False) | Q(is_reference=True), name="status_entry_has_author"
            ),
            # The public record is loaded once per chapter and round, whatever load_usmca's reruns.
            models.UniqueConstraint(
                fields=["chapter", "round"], condition=Q(is_reference=True), name="status_entry_reference_once"
            ),
        ]
        indexes = [models.Index(fields=["chapter", "-recorded_at", "-id"], name="status_entry_chapter_idx")]

    def __str__(self) -> str:
        return f"{self.chapter_id} · {self.round_id}: {self.status}"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_CHAPTER_STATUSES


class OpenIssue(models.Model):
    """A point still open in a chapter ("bracket"), e.g. "regional value content 75 % vs 85 %"."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CONVERGING = "converging", _("Converging")
        RESOLVED = "resolved", _("Resolved")
        DROPPED = "dropped", _("Dropped")

    chapter = models.ForeignKey(
        "consultations.Chapter", verbose_name=_("chapter"), on_delete=models.PROTECT, related_name="open_issues"
    )
    text = models.CharField(_("issue"), max_length=ISSUE_TEXT_MAX)
    parties = ArrayField(
        models.CharField(max_length=2, choices=Party.choices),
        verbose_name=_("held by"),
        default=list,
        help_text=_("The parties that hold this point open."),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    positions = models.ManyToManyField(
        "consultations.Position", verbose_name=_("related positions"), related_name="open_issues", blank=True
    )
    note = models.TextField(_("note"), max_length=NOTE_MAX, blank=True)
    format = models.CharField(
        _("discussed in"),
        max_length=20,
        choices=Round.Format.choices,
        default=Round.Format.TRILATERAL,
    )
    round = models.ForeignKey(
        "consultations.Round",
        verbose_name=_("round"),
        on_delete=models.PROTECT,
        related_name="open_issues",
        help_text=_("The round in which it was last discussed."),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        "consultations.User", verbose_name=_("raised by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("raised at"))
    updated_by = models.ForeignKey(
        "consultations.User", verbose_name=_("last changed by"), on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("last changed at"))

    class Meta:
        verbose_name = _("open issue")
        verbose_name_plural = _("open issues")
        ordering = ["chapter__number", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="open_issue_text_not_empty"),
            models.CheckConstraint(condition=~Q(parties=[]), name="open_issue_held_by_a_party"),
        ]
        indexes = [models.Index(fields=["chapter", "status"], name="open_issue_chapter_status_idx")]

    def __str__(self) -> str:
        return self.text

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ISSUE_STATUSES

    def get_parties_display(self) -> str:
        labels = dict(Party.choices)
        return ", ".join(str(labels.get(party, party)) for party in self.parties)


OPEN_ISSUE_STATUSES: tuple[str, ...] = (OpenIssue.Status.OPEN, OpenIssue.Status.CONVERGING)


class OpenIssueChange(models.Model):
    """One change of an open issue, with the whole issue as it stood after it (append-only)."""

    class Action(models.TextChoices):
        CREATED = "created", _("Raised")
        EDITED = "edited", _("Edited")
        STATUS = "status", _("Status changed")

    issue = models.ForeignKey(OpenIssue, verbose_name=_("open issue"), on_delete=models.PROTECT, related_name="changes")
    version = models.PositiveIntegerField(_("version"))
    action = models.CharField(_("change"), max_length=10, choices=Action.choices)
    by = models.ForeignKey("consultations.User", verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"))
    round = models.ForeignKey(
        "consultations.Round", verbose_name=_("round"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.CharField(_("issue"), max_length=ISSUE_TEXT_MAX)
    parties = ArrayField(models.CharField(max_length=2, choices=Party.choices), verbose_name=_("held by"))
    status = models.CharField(_("status"), max_length=12, choices=OpenIssue.Status.choices)
    previous_status = models.CharField(
        _("previous status"), max_length=12, choices=OpenIssue.Status.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    format = models.CharField(_("discussed in"), max_length=20, choices=Round.Format.choices)
    position_ids = ArrayField(models.PositiveBigIntegerField(), verbose_name=_("related positions"), default=list)

    class Meta:
        verbose_name = _("open issue change")
        verbose_name_plural = _("open issue changes")
        ordering = ["issue", "version"]
        constraints = [models.UniqueConstraint(fields=["issue", "version"], name="open_issue_change_version_once")]

    def __str__(self) -> str:
        return f"{self.issue_id} v{self.version}"
