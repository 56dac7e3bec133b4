from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class NegotiatingTable(models.Model):
    """A "mesa": a group of chapters negotiated together, with its lead negotiator."""

    name_en = models.CharField(_("name (English)"), max_length=200)
    name_es = models.CharField(_("name (Spanish)"), max_length=200)
    lead = models.ForeignKey(
        "consultations.User",
        verbose_name=_("lead negotiator"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_tables",
    )

    class Meta:
        verbose_name = _("negotiating table")
        verbose_name_plural = _("negotiating tables")
        ordering = ["name_es"]
        constraints = [models.UniqueConstraint(fields=["name_es"], name="table_name_es_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "es").startswith("en") else self.name_es


class Chapter(models.Model):
    number = models.PositiveSmallIntegerField(_("number"))
    title_en = models.CharField(_("title (English)"), max_length=250)
    title_es = models.CharField(_("title (Spanish)"), max_length=250)
    table = models.ForeignKey(
        NegotiatingTable,
        verbose_name=_("negotiating table"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="chapters",
    )

    class Meta:
        verbose_name = _("chapter")
        verbose_name_plural = _("chapters")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="chapter_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="chapter_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def title(self) -> str:
        return self.title_en if (get_language() or "es").startswith("en") else self.title_es


class Round(models.Model):
    """A negotiation round or meeting. Its dates are those of its host city (``time_zone``)."""

    class Kind(models.TextChoices):
        FORMAL = "formal", _("Formal round")
        INTERSESSIONAL = "intersessional", _("Intersessional round")
        CONTINUOUS = "continuous", _("Continuous round")
        MINISTERIAL = "ministerial", _("Ministerial meeting")
        TECHNICAL = "technical", _("Technical meeting")
        BILATERAL = "bilateral", _("Bilateral talks")
        MILESTONE = "milestone", _("Milestone")

    class Format(models.TextChoices):
        TRILATERAL = "trilateral", _("Trilateral")
        MX_US = "mx_us", _("Mexico–United States")
        MX_CA = "mx_ca", _("Mexico–Canada")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPEN = "open", _("Open for input")
        INPUT_CLOSED = "input_closed", _("Input closed")
        IN_SESSION = "in_session", _("In session")
        CONCLUDED = "concluded", _("Concluded")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.FORMAL)
    format = models.CharField(_("format"), max_length=20, choices=Format.choices, default=Format.TRILATERAL)
    # Round labels are data in two languages: ``label`` is the Spanish one (and the fallback), ``label_en`` the
    # English one; pages show ``localized_label``.
    label = models.CharField(_("label (Spanish)"), max_length=150)
    label_en = models.CharField(
        _("label (English)"),
        max_length=150,
        blank=True,
        help_text=_("Left empty, English pages show the Spanish label."),
    )
    city = models.CharField(_("city"), max_length=120, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO 3166 code, e.g. MX"))
    time_zone = models.CharField(_("host time zone"), max_length=64, default="America/Mexico_City")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    input_opens_at = models.DateTimeField(_("input opens at"), null=True, blank=True)
    submission_deadline = models.DateTimeField(_("submission deadline"), null=True, blank=True)
    digest_at = models.DateTimeField(_("digest time"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # Set in the transaction that creates the round's digest deliveries: beat firing twice finds it set.
    digest_dispatched_at = models.DateTimeField(_("pre-round digest dispatched at"), null=True, blank=True)
    debrief_dispatched_at = models.DateTimeField(_("debrief dispatched at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # For the API's incremental sync (``updated_since``).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        ordering = ["starts_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["label", "starts_on"], name="round_label_start_unique"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="round_ends_after_start"),
            models.CheckConstraint(
                condition=Q(submission_deadline__isnull=True) | Q(submission_deadline__date__lte=F("starts_on")),
                name="round_deadline_before_start",
            ),
            models.CheckConstraint(
                condition=Q(input_opens_at__isnull=True)
                | Q(submission_deadline__isnull=True)
                | Q(input_opens_at__lt=F("submission_deadline")),
                name="round_opens_before_deadline",
            ),
            models.CheckConstraint(
                condition=~Q(kind="milestone") | Q(submission_deadline__isnull=True),
                name="round_milestone_takes_no_input",
            ),
        ]
        indexes = [models.Index(fields=["submission_deadline"], name="round_deadline_idx")]

    def __str__(self) -> str:
        return self.localized_label

    @property
    def localized_label(self) -> str:
        """The label in the active language (English falls back to the Spanish label when it has none)."""
        if self.label_en and (get_language() or "es").startswith("en"):
            return self.label_en
        return self.label

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The round cannot end before it starts.")
        if self.submission_deadline and self.starts_on and self.submission_deadline >= self.starts_at:
            errors["submission_deadline"] = _("The submission deadline must fall before the round starts.")
        if self.input_opens_at and self.submission_deadline and self.input_opens_at >= self.submission_deadline:
            errors["input_opens_at"] = _("Input must open before the submission deadline.")
        if self.kind == self.Kind.MILESTONE and self.submission_deadline:
            errors["submission_deadline"] = _("A milestone does not take positions.")
        if errors:
            raise ValidationError(errors)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def starts_at(self) -> dt.datetime:
        """Midnight of the first day in the host city."""
        return dt.datetime.combine(self.starts_on, dt.time.min, tzinfo=self.tz)

    @property
    def ends_at(self) -> dt.datetime:
        """Midnight after the last day in the host city."""
        return dt.datetime.combine(self.ends_on + dt.timedelta(days=1), dt.time.min, tzinfo=self.tz)

    def status_at(self, moment: dt.datetime) -> Round.Status:
        if self.cancelled_at:
            return self.Status.CANCELLED
        if moment >= self.ends_at:
            return self.Status.CONCLUDED
        if moment >= self.starts_at:
            return self.Status.IN_SESSION
        if self.submission_deadline and moment >= self.submission_deadline:
            return self.Status.INPUT_CLOSED
        if self.submission_deadline and (self.input_opens_at is None or moment >= self.input_opens_at):
            return self.Status.OPEN
        return self.Status.PLANNED

    @property
    def status(self) -> Round.Status:
        return self.status_at(timezone.now())

    def accepts_input_at(self, moment: dt.datetime) -> bool:
        return self.status_at(moment) == self.Status.OPEN

    @property
    def accepts_input(self) -> bool:
        return self.accepts_input_at(timezone.now())
