"""Reads behind the exports: what a briefing book holds for one reader, the columns of its spreadsheets, and the
reader's own export jobs.

Every read starts from the selectors the pages use (``triage_scope``, ``position_list_for_organisation``,
``briefing_list_visible_to``, ``revision_list_visible_to``), so an export never holds more than the reader sees on
screen. A round or chapter the reader may not see answers 404, like a missing one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultations.models import (
    Briefing,
    Chapter,
    CoSignature,
    ExportJob,
    Position,
    PositionStatus,
    RoomAnswer,
    RoomQuestion,
    Round,
)
from consultations.selectors.dashboards import ChapterSummary, dashboard_round_summary
from consultations.selectors.positions import PositionFilters, field_text, position_list_for_organisation
from consultations.selectors.roles import user_official_chapter_ids, user_official_profile, user_organisation_ids
from consultations.selectors.room import briefing_list_visible_to
from consultations.selectors.triage import RED_LINE, triage_scope

if TYPE_CHECKING:
    from consultations.models import User

FORMATS = ("pdf", "xlsx", "csv")
# Red lines and focos rojos first, then by priority; within a priority, by chapter and the order of filing.
BOOK_ORDER = ("priority_rank", "-is_red_flag", "chapter__number", "filed_at", "id")


# --- Columns -------------------------------------------------------------------------------------------------


def _moment(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # a lazy translation: the header follows the reader's language when it is rendered
    value: Callable[[Position], Any]


# Stable columns: the same keys, in the same order, in every CSV and XLSX (new ones are only ever appended).
POSITION_COLUMNS: tuple[Column, ...] = (
    Column("id", _("ID"), lambda p: p.pk),
    Column("chapter", _("Chapter"), lambda p: p.chapter.number),
    Column("chapter_title", _("Chapter title"), lambda p: p.chapter.title),
    Column("round", _("Round"), lambda p: p.round.localized_label),
    Column("organisation", _("Organisation"), lambda p: p.organisation.name),
    Column("cosigners", _("Co-signers"), lambda p: "; ".join(getattr(p, "cosigner_names", None) or [])),
    Column("title", _("Title"), lambda p: p.title),
    Column("summary", _("Summary"), lambda p: p.summary),
    Column("stance", _("Stance"), lambda p: field_text(p, "stance")),
    Column("priority", _("Priority"), lambda p: field_text(p, "priority")),
    Column("red_flag", _("Foco rojo"), lambda p: field_text(p, "is_red_flag")),
    Column("requested_outcome", _("Requested outcome"), lambda p: p.requested_outcome),
    Column("fallback", _("Fallback position"), lambda p: p.fallback_position),
    Column("hs_lines", _("HS tariff lines"), lambda p: ", ".join(p.hs_lines)),
    Column("exports_usd", _("Exports at stake (USD)"), lambda p: p.exports_usd),
    Column("jobs", _("Jobs at stake"), lambda p: p.jobs),
    Column("status", _("Status"), lambda p: p.get_status_display()),
    Column("official_response", _("Official response"), lambda p: p.official_response),
    Column("filed_at", _("Filed at"), lambda p: _moment(p.filed_at)),
)


def position_header() -> list[str]:
    return [str(column.label) for column in POSITION_COLUMNS]


def position_row(position: Position) -> list[Any]:
    return [column.value(position) for column in POSITION_COLUMNS]


def with_export_columns(queryset: QuerySet[Position]) -> QuerySet[Position]:
    """The joins and the co-signers every row needs, in the one query that streams the rows."""
    cosigners = CoSignature.objects.filter(position=OuterRef("pk"), status=CoSignature.Status.ACCEPTED).order_by(
        "organisation__name"
    )
    return queryset.select_related("organisation", "chapter", "round").annotate(
        cosigner_names=ArraySubquery(cosigners.values("organisation__name"))
    )


# --- Briefing books ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BookScope:
    """A briefing book: one round, one chapter or all the reader's chapters, and the positions it holds."""

    round: Round
    chapter: Chapter | None
    positions: QuerySet[Position]

    @property
    def filters(self) -> dict[str, Any]:
        return {"round_id": self.round.pk, "chapter": self.chapter.number if self.chapter else None}

    def rows(self) -> QuerySet[Position]:
        return with_export_columns(self.positions).order_by(*BOOK_ORDER)

    def red_lines(self) -> QuerySet[Position]:
        return self.rows().filter(RED_LINE)


def book_scope_for(*, user: User, round_id: int, chapter_number: int | None = None) -> BookScope:
    """The book of a round (and chapter) for an official, a negotiator or the coordinator: their chapters' filed
    positions (the coordinator's: every chapter). Anyone else, or another chapter, finds nothing (404)."""
    profile = user_official_profile(user)
    if profile is None or not user.is_active:
        raise Http404
    round = Round.objects.exclude(kind=Round.Kind.MILESTONE).filter(pk=round_id).first()
    if round is None:
        raise Http404
    positions = triage_scope(user=user).filter(round=round).exclude(status=PositionStatus.WITHDRAWN)
    chapter = None
    if chapter_number is not None:
        chapter = Chapter.objects.filter(number=chapter_number).first()
        if chapter is None or not (profile.is_coordinator or chapter.pk in user_official_chapter_ids(user)):
            raise Http404
        positions = positions.filter(chapter=chapter)
    return BookScope(round=round, chapter=chapter, positions=positions)


@dataclass
class BookContent:
    """Everything the PDF shows besides the positions themselves."""

    chapters: list[ChapterSummary]
    conflicts: list[ChapterSummary]
    briefings: list[Briefing]
    questions: list[RoomQuestion]

    @property
    def total(self) -> int:
        return sum(c.total for c in self.chapters)

    @property
    def red_line_total(self) -> int:
        return sum(c.red_lines for c in self.chapters)

    @property
    def untriaged(self) -> int:
        return sum(c.untriaged for c in self.chapters)


def book_content(*, user: User, scope: BookScope) -> BookContent:
    """The summary table and the conflict map (the dashboard's own reads), the round's briefings and the room
    questions with their answers (the government side reads every answer of its chapters)."""
    summary = dashboard_round_summary(user=user, round=scope.round, red_line_limit=0)
    chapters = [c for c in summary.chapters if scope.chapter is None or c.chapter.pk == scope.chapter.pk]
    chapter_id = scope.chapter.pk if scope.chapter else None
    briefings = briefing_list_visible_to(user=user, chapter_id=chapter_id, round_id=scope.round.pk)
    questions = RoomQuestion.objects.filter(round=scope.round).select_related("chapter", "author")
    profile = user_official_profile(user)
    if chapter_id:
        questions = questions.filter(chapter_id=chapter_id)
    elif profile is not None and not profile.is_coordinator:
        questions = questions.filter(chapter_id__in=user_official_chapter_ids(user))
    questions = questions.prefetch_related(
        Prefetch(
            "answers",
            queryset=RoomAnswer.objects.select_related("organisation").order_by("organisation__name", "pk"),
        )
    ).order_by("chapter__number", "created_at", "pk")
    return BookContent(
        chapters=chapters,
        conflicts=[c for c in chapters if c.in_conflict],
        briefings=list(briefings.order_by("chapter__number", "created_at", "id")),
        questions=list(questions),
    )


# --- A delegate's own exports --------------------------------------------------------------------------------


def own_positions_for(*, user: User, filters: PositionFilters) -> QuerySet[Position]:
    """ "Our positions" as the list shows them (own and co-signed), with the export columns; 404 for a user
    of no organisation."""
    if not user_organisation_ids(user):
        raise Http404
    return with_export_columns(position_list_for_organisation(user=user, filters=filters)).order_by(
        "chapter__number", "round__starts_on", "id"
    )


# --- Jobs ----------------------------------------------------------------------------------------------------


def export_job_list_for(*, user: User) -> QuerySet[ExportJob]:
    """The user's own jobs that have not expired, newest first."""
    return ExportJob.objects.filter(requester=user, expires_at__gt=timezone.now()).order_by("-created_at", "-id")


def export_job_get_for(*, user: User, job_id: int) -> ExportJob:
    """A job only its requester may see; anyone else's, and an expired one, answer like a missing one (404)."""
    job = export_job_list_for(user=user).filter(pk=job_id).select_related("requester").first()
    if job is None or not user.is_active:
        raise Http404
    return job


def iterate(queryset: QuerySet[Position], chunk_size: int = 2000) -> Iterator[Position]:
    """Rows one chunk at a time (a server-side cursor): a 100,000-row export never holds them all."""
    return queryset.iterator(chunk_size=chunk_size)
