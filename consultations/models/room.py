"""The room next door during a round: negotiators' briefings, their questions to the room, and the answers."""

from __future__ import annotations

import datetime as dt

from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultations.models.search import search_vector_field

from .rounds import Round

BRIEFING_TITLE_MAX = 200
BRIEFING_BODY_MAX = 20_000
QUESTION_TEXT_MAX = 2_000
ANSWER_TEXT_MAX = 5_000


class Briefing(models.Model):
    """A negotiator's readout of a session to the room, per chapter and round, written in Markdown."""

    chapter = models.ForeignKey(
        "consultations.Chapter", verbose_name=_("chapter"), on_delete=models.PROTECT, related_name="briefings"
    )
    round = models.ForeignKey(
        "consultations.Round", verbose_name=_("round"), on_delete=models.PROTECT, related_name="briefings"
    )
    author = models.ForeignKey(
        "consultations.User", verbose_name=_("author"), on_delete=models.PROTECT, related_name="briefings"
    )
    title = models.CharField(_("title"), max_length=BRIEFING_TITLE_MAX)
    body_markdown = models.TextField(
        _("readout"), max_length=BRIEFING_BODY_MAX, help_text=_("Markdown: **bold**, *italics*, lists, links, tables.")
    )
    # The set-up of the session read out: trilateral, or one of the bilateral tables.
    format = models.CharField(
        _("format"),
        max_length=20,
        choices=Round.Format.choices,
        default=Round.Format.TRILATERAL,
        help_text=_("Trilateral, or a bilateral session."),
    )
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    search_vector = search_vector_field(("title", "A"), ("body_markdown", "C"))

    class Meta:
        verbose_name = _("briefing")
        verbose_name_plural = _("briefings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="briefing_title_not_empty"),
            models.CheckConstraint(condition=~Q(body_markdown=""), name="briefing_body_not_empty"),
        ]
        indexes = [
            models.Index(fields=["chapter", "round", "-created_at"], name="briefing_chapter_round_idx"),
            models.Index(fields=["round", "-created_at"], name="briefing_round_idx"),
            GinIndex(fields=["search_vector"], name="briefing_search_gin"),
            GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name="briefing_title_trgm"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def was_updated(self) -> bool:
        return self.updated_at - self.created_at > dt.timedelta(seconds=1)


class RoomQuestion(models.Model):
    """A question a negotiator puts to the room of a chapter; organisations answer until the deadline."""

    chapter = models.ForeignKey(
        "consultations.Chapter", verbose_name=_("chapter"), on_delete=models.PROTECT, related_name="room_questions"
    )
    round = models.ForeignKey(
        "consultations.Round", verbose_name=_("round"), on_delete=models.PROTECT, related_name="room_questions"
    )
    author = models.ForeignKey(
        "consultations.User", verbose_name=_("asked by"), on_delete=models.PROTECT, related_name="room_questions"
    )
    text = models.TextField(_("question"), max_length=QUESTION_TEXT_MAX)
    response_deadline = models.DateTimeField(_("answers due by"))
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    closed_at = models.DateTimeField(
        _("closed at"), null=True, blank=True, help_text=_("Set when the negotiator stops taking answers early.")
    )
    search_vector = search_vector_field(("text", "A"))

    class Meta:
        verbose_name = _("room question")
        verbose_name_plural = _("room questions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="room_question_text_not_empty"),
            models.CheckConstraint(
                condition=Q(response_deadline__gt=F("created_at")), name="room_question_deadline_after_asking"
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("created_at")),
                name="room_question_closed_after_asking",
            ),
        ]
        indexes = [
            models.Index(fields=["chapter", "response_deadline"], name="room_question_chapter_idx"),
            models.Index(fields=["response_deadline"], name="room_question_deadline_idx"),
            GinIndex(fields=["search_vector"], name="room_question_search_gin"),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def closes_at(self) -> dt.datetime:
        """When answers stop: the deadline, or earlier if the negotiator closed the question."""
        if self.closed_at is not None and self.closed_at < self.response_deadline:
            return self.closed_at
        return self.response_deadline

    def is_open_at(self, moment: dt.datetime) -> bool:
        return moment < self.closes_at

    @property
    def is_open(self) -> bool:
        return self.is_open_at(timezone.now())


class RoomAnswer(models.Model):
    """An organisation's one answer to a room question, editable by its delegates until the deadline."""

    question = models.ForeignKey(
        RoomQuestion, verbose_name=_("question"), on_delete=models.CASCADE, related_name="answers"
    )
    organisation = models.ForeignKey(
        "consultations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="room_answers",
    )
    answered_by = models.ForeignKey(
        "consultations.User", verbose_name=_("answered by"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("answer"), max_length=ANSWER_TEXT_MAX)
    created_at = models.DateTimeField(_("answered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    search_vector = search_vector_field(("text", "B"))

    class Meta:
        verbose_name = _("room answer")
        verbose_name_plural = _("room answers")
        ordering = ["question", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["question", "organisation"], name="room_answer_once_per_organisation"),
            models.CheckConstraint(condition=~Q(text=""), name="room_answer_text_not_empty"),
        ]
        indexes = [GinIndex(fields=["search_vector"], name="room_answer_search_gin")]

    def __str__(self) -> str:
        return f"{self.organisation_id} → {self.question_id}"

    @property
    def was_edited(self) -> bool:
        return self.updated_at - self.created_at > dt.timedelta(seconds=1)
