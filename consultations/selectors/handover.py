"""The transition handover report: a chapter's whole history for the next team, for the chief negotiator's team
and the platform's admins only. Every section is read in a fixed number of queries, whatever the chapter count."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Max, Min, Prefetch, QuerySet
from django.http import Http404

from consultations.models import (
    Briefing,
    Chapter,
    ChapterStatusEntry,
    CoSignature,
    OpenIssue,
    Position,
    PositionStatus,
    RoomQuestion,
    Round,
    TriageEvent,
)
from consultations.models.positions import UNFILED_STATUSES
from consultations.selectors.intelligence import notes_visible_to
from consultations.selectors.roles import user_is_admin, user_official_profile
from consultations.selectors.state_of_play import ChapterStateOfPlay, chapter_state_of_play

if TYPE_CHECKING:
    from consultations.models import User

# A red line still waiting for an answer from the government side.
OPEN_STATUSES = (PositionStatus.SUBMITTED, PositionStatus.IN_REVIEW, PositionStatus.NEEDS_INFO)


def can_read_handover(user: User) -> bool:
    profile = user_official_profile(user)
    return bool(user.is_active and (user_is_admin(user) or (profile is not None and profile.is_coordinator)))


@dataclass(frozen=True)
class HandoverScope:
    user: User
    chapter: Chapter | None

    def positions(self) -> QuerySet[Position]:
        positions = Position.objects.exclude(status__in=UNFILED_STATUSES)
        return positions.filter(chapter=self.chapter) if self.chapter else positions

    def narrow(self, queryset: QuerySet, field_name: str = "chapter") -> QuerySet:
        return queryset.filter(**{field_name: self.chapter}) if self.chapter else queryset


def handover_scope_for(*, user: User, chapter_number: int | None = None) -> HandoverScope:
    """The coordinator and admins read every chapter; anyone else, or a chapter that does not exist, gets 404."""
    if not can_read_handover(user):
        raise Http404
    chapter = None
    if chapter_number is not None:
        chapter = Chapter.objects.filter(number=chapter_number).first()
        if chapter is None:
            raise Http404
    return HandoverScope(user=user, chapter=chapter)


@dataclass
class RoundOutcome:
    round: Round
    by_status: dict[str, int] = field(default_factory=dict)
    positions: list[Position] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


@dataclass
class Contributor:
    name: str
    email: str
    what: str
    count: int
    first: dt.datetime
    last: dt.datetime


@dataclass
class HandoverChapter:
    chapter: Chapter
    rounds: list[RoundOutcome] = field(default_factory=list)
    open_red_lines: list[Position] = field(default_factory=list)
    briefings: list[Briefing] = field(default_factory=list)
    questions: list[RoomQuestion] = field(default_factory=list)
    contributors: list[Contributor] = field(default_factory=list)
    state: ChapterStateOfPlay | None = None  # the negotiation's status by round and the open issues (issue 11)
    notes: list[Any] = field(default_factory=list)  # Cuarto de Inteligencia notes, oldest first


@dataclass
class HandoverReport:
    chapter: Chapter | None
    chapters: list[HandoverChapter]
    statuses: list[tuple[str, str]]

    @property
    def position_count(self) -> int:
        return sum(outcome.total for section in self.chapters for outcome in section.rounds)


def handover_report_for(*, scope: HandoverScope) -> HandoverReport:
    sections: dict[int, HandoverChapter] = {}

    def section(chapter: Chapter) -> HandoverChapter:
        if chapter.pk not in sections:
            sections[chapter.pk] = HandoverChapter(chapter=chapter)
        return sections[chapter.pk]

    positions = (
        scope.positions()
        .select_related("organisation", "chapter", "round")
        .prefetch_related(
            Prefetch(
                "cosignatures",
                queryset=CoSignature.objects.filter(status=CoSignature.Status.ACCEPTED).select_related("organisation"),
            )
        )
        .order_by("chapter__number", "round__starts_on", "round_id", "priority_rank", "-is_red_flag", "filed_at", "id")
    )
    outcomes: dict[tuple[int, int], RoundOutcome] = {}
    for position in positions:
        chapter_section = section(position.chapter)
        key = (position.chapter_id, position.round_id)
        if key not in outcomes:
            outcomes[key] = RoundOutcome(round=position.round)
            chapter_section.rounds.append(outcomes[key])
        outcome = outcomes[key]
        outcome.by_status[position.status] = outcome.by_status.get(position.status, 0) + 1
        outcome.positions.append(position)
        if position.status in OPEN_STATUSES and (position.priority == "red_line" or position.is_red_flag):
            chapter_section.open_red_lines.append(position)

    for briefing in scope.narrow(Briefing.objects.select_related("chapter", "round", "author")).order_by(
        "chapter__number", "created_at", "id"
    ):
        section(briefing.chapter).briefings.append(briefing)
    for question in (
        scope.narrow(RoomQuestion.objects.select_related("chapter", "round", "author"))
        .annotate(answer_count=Count("answers"))
        .order_by("chapter__number", "created_at", "id")
    ):
        section(question.chapter).questions.append(question)

    notes = notes_visible_to(scope.user, scope.chapter).order_by("chapter__number", "created_at", "id")
    for note in notes:
        section(note.chapter).notes.append(note)

    contributors: dict[int, list[Contributor]] = defaultdict(list)
    events = scope.narrow(TriageEvent.objects.all(), "position__chapter")
    for row in (
        events.values("position__chapter_id", "actor__full_name", "actor__email")
        .annotate(n=Count("id"), first=Min("created_at"), last=Max("created_at"))
        .order_by("position__chapter_id", "first")
    ):
        name = row["actor__full_name"] or row["actor__email"]
        contributors[row["position__chapter_id"]].append(
            Contributor(name, row["actor__email"], "triage", row["n"], row["first"], row["last"])
        )
    for model, what in ((Briefing, "briefings"), (RoomQuestion, "questions")):
        for row in (
            scope.narrow(model.objects.all())
            .values("chapter_id", "author__full_name", "author__email")
            .annotate(n=Count("id"), first=Min("created_at"), last=Max("created_at"))
            .order_by("chapter_id", "first")
        ):
            name = row["author__full_name"] or row["author__email"]
            contributors[row["chapter_id"]].append(
                Contributor(name, row["author__email"], what, row["n"], row["first"], row["last"])
            )
    researchers: dict[tuple[int, int], Contributor] = {}
    for chapter_section in sections.values():
        for note in chapter_section.notes:
            for author in note.authors.all():
                key = (chapter_section.chapter.pk, author.pk)
                if key not in researchers:
                    researchers[key] = Contributor(
                        author.full_name or author.email, author.email, "notes", 0, note.created_at, note.updated_at
                    )
                person = researchers[key]
                person.count += 1
                person.first, person.last = min(person.first, note.created_at), max(person.last, note.updated_at)
    for (chapter_id, _author), person in researchers.items():
        contributors[chapter_id].append(person)
    for chapter_id, people in contributors.items():
        if chapter_id in sections:
            sections[chapter_id].contributors = sorted(people, key=lambda c: (c.first, c.name))

    # A chapter with a state of play but nothing filed yet still has a history to hand over.
    recorded = {
        *scope.narrow(ChapterStatusEntry.objects.all()).values_list("chapter_id", flat=True),
        *scope.narrow(OpenIssue.objects.all()).values_list("chapter_id", flat=True),
    }
    for chapter in Chapter.objects.filter(pk__in=recorded - set(sections)):
        section(chapter)
    if scope.chapter is not None:
        section(scope.chapter)
    chapters = sorted(sections.values(), key=lambda s: s.chapter.number)
    for chapter_section in chapters:
        chapter_section.state = chapter_state_of_play(chapter_section.chapter, user=scope.user)
    return HandoverReport(
        chapter=scope.chapter,
        chapters=chapters,
        statuses=[(s.value, s.label) for s in PositionStatus if s not in UNFILED_STATUSES],
    )
