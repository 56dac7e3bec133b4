"""Inter-ministerial coordination: ministries, who leads each chapter, consultation requests between ministries.

An official's ministry is the ``OfficialProfile.ministry`` code, which is a ``Ministry.code``: the profile column
predates this table, and invitations and profiles keep storing the code (``tests/consultations/ministries`` checks
that the profile's choices and the reference rows name the same ministries).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Ministry(models.Model):
    """A federal ministry ("Secretaría") that works on the negotiation. Reference data (``load_usmca``)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    acronym = models.CharField(_("acronym"), max_length=20)
    name_es = models.CharField(_("name (Spanish)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("ministry")
        verbose_name_plural = _("ministries")
        ordering = ["name_es"]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})"

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "es").startswith("en") else self.name_es


class ChapterCoordination(models.Model):
    """Who works a chapter: its lead ministry, the contributing ones, and whether new filings are assigned in
    rotation to the chapter's officials.

    This row is also the rotation's lock and cursor (``services.ministries.position_auto_assign``): a separate
    table from Chapter on purpose, so that locking it never touches the chapter row that every position references.
    """

    chapter = models.OneToOneField(
        "consultations.Chapter", verbose_name=_("chapter"), on_delete=models.CASCADE, related_name="coordination"
    )
    lead_ministry = models.ForeignKey(
        Ministry,
        verbose_name=_("lead ministry"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_chapters",
    )
    contributing_ministries = models.ManyToManyField(
        Ministry, verbose_name=_("contributing ministries"), related_name="contributed_chapters", blank=True
    )
    auto_assign = models.BooleanField(
        _("assign new filings in rotation"),
        default=False,
        help_text=_("Each position filed in this chapter is assigned to the next of the chapter's officials."),
    )
    last_assigned = models.ForeignKey(
        "consultations.User",
        verbose_name=_("last assigned by rotation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("chapter coordination")
        verbose_name_plural = _("chapter coordination")
        ordering = ["chapter__number"]

    def __str__(self) -> str:
        return str(self.chapter)


class ConsultationRequest(models.Model):
    """One ministry asks another for its opinion on a position or on an open issue of a chapter, with a question
    and a due date. Officials only: never rendered for, nor sent to, a delegate."""

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting answer")
        ANSWERED = "answered", _("Answered")

    position = models.ForeignKey(
        "consultations.Position",
        verbose_name=_("position"),
        on_delete=models.CASCADE,
        related_name="consultations",
        null=True,
        blank=True,
    )
    open_issue = models.ForeignKey(
        "consultations.OpenIssue",
        verbose_name=_("open issue"),
        on_delete=models.CASCADE,
        related_name="consultations",
        null=True,
        blank=True,
    )
    from_ministry = models.ForeignKey(
        Ministry, verbose_name=_("requesting ministry"), on_delete=models.PROTECT, related_name="requests_sent"
    )
    to_ministry = models.ForeignKey(
        Ministry, verbose_name=_("ministry consulted"), on_delete=models.PROTECT, related_name="requests_received"
    )
    requested_by = models.ForeignKey(
        "consultations.User", verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    question = models.TextField(_("question"), max_length=4000)
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(_("answer"), max_length=8000, blank=True)
    answered_by = models.ForeignKey(
        "consultations.User",
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("consultation request")
        verbose_name_plural = _("consultation requests")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_ministry=models.F("to_ministry")), name="consultation_other_ministry"
            ),
            models.CheckConstraint(
                condition=Q(position__isnull=False, open_issue__isnull=True)
                | Q(position__isnull=True, open_issue__isnull=False),
                name="consultation_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(status="open", answered_at__isnull=True) | Q(status="answered", answered_at__isnull=False),
                name="consultation_answered_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["to_ministry", "status", "due_on"], name="consultation_queue_idx"),
            models.Index(fields=["position", "-created_at"], name="consultation_position_idx"),
            models.Index(fields=["open_issue", "-created_at"], name="consultation_issue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.from_ministry.acronym} → {self.to_ministry.acronym}: {self.question[:40]}"


class ConsultationReminder(models.Model):
    """The day's reminder of an overdue request: one row per (request, day) is the idempotency key, created in
    the same transaction as its e-mail deliveries, so beat firing again or a restarted worker sends nothing twice."""

    request = models.ForeignKey(
        ConsultationRequest, verbose_name=_("consultation request"), on_delete=models.CASCADE, related_name="reminders"
    )
    on_date = models.DateField(_("day"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("consultation reminder")
        verbose_name_plural = _("consultation reminders")
        constraints = [
            models.UniqueConstraint(fields=["request", "on_date"], name="consultation_reminder_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.on_date}"
