"""Reads of the chapters' state of play: the negotiation board, one chapter's page, status lines, digest content.

Government only: every read here is scoped to the chapters the user may read (officials: their chapters; the
chief negotiator's team: all). The one exception, ``chapter_shared_status_lines``, gives delegates the status lines
a negotiator shared with the room, and nothing else (no note, no issue, no history).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, Q, QuerySet

from consultations.models import (
    Chapter,
    ChapterStatusEntry,
    OpenIssue,
    OpenIssueChange,
    Position,
    PositionStatus,
    Round,
)
from consultations.models.state_of_play import CLOSED_CHAPTER_STATUSES, OPEN_ISSUE_STATUSES
from consultations.selectors.roles import user_official_chapter_ids, user_official_profile
from consultations.selectors.triage import RED_LINE, triage_scope

if TYPE_CHECKING:
    from collections.abc import Iterable

    from consultations.models import User

# A red line is open while the government has not answered it (as in the digests).
OPEN_POSITION_STATUSES = (PositionStatus.SUBMITTED, PositionStatus.IN_REVIEW, PositionStatus.NEEDS_INFO)
FORMATS = Round.Format


def _round_key(round: Round) -> tuple[object, int]:
    return (round.starts_on, round.pk)


def state_of_play_rounds(*, format: str | None = None) -> QuerySet[Round]:
    """The rounds a chapter's status is recorded for: every round and meeting but milestones and cancelled ones."""
    rounds = Round.objects.exclude(kind=Round.Kind.MILESTONE).filter(cancelled_at__isnull=True)
    if format:
        rounds = rounds.filter(format=format)
    return rounds.order_by("starts_on", "id")


def chapters_readable_by(*, user: User) -> QuerySet[Chapter]:
    profile = user_official_profile(user)
    if profile is None or not user.is_active:
        return Chapter.objects.none()
    if profile.is_coordinator:
        return Chapter.objects.all()
    return Chapter.objects.filter(pk__in=user_official_chapter_ids(user))


def chapters_recordable_by(*, user: User) -> QuerySet[Chapter]:
    profile = user_official_profile(user)
    if profile is None or not user.is_active:
        return Chapter.objects.none()
    if profile.is_coordinator:
        return Chapter.objects.all()
    if not profile.is_negotiator:
        return Chapter.objects.none()
    return Chapter.objects.filter(pk__in=user_official_chapter_ids(user))


def chapter_get_for(*, user: User, number: int) -> Chapter:
    """The chapter if the user may read its state of play; a missing and a forbidden chapter look the same."""
    from django.http import Http404

    try:
        return chapters_readable_by(user=user).select_related("table").get(number=number)
    except Chapter.DoesNotExist:
        raise Http404 from None


def open_issue_get_for(*, user: User, issue_id: int) -> OpenIssue:
    from django.http import Http404

    try:
        return (
            OpenIssue.objects.filter(chapter__in=chapters_readable_by(user=user))
            .select_related("chapter", "round", "updated_by")
            .prefetch_related("positions")
            .get(pk=issue_id)
        )
    except OpenIssue.DoesNotExist:
        raise Http404 from None


def _latest_entries(chapter_ids: Iterable[int] | None = None) -> QuerySet[ChapterStatusEntry]:
    """The latest entry of each chapter (its status line as it stands), in one query."""
    entries = ChapterStatusEntry.objects.all()
    if chapter_ids is not None:
        entries = entries.filter(chapter_id__in=list(chapter_ids))
    return entries.order_by("chapter_id", "-recorded_at", "-id").distinct("chapter_id").select_related("round")


def chapter_current_statuses(*, chapter_ids: Iterable[int] | None = None) -> dict[int, ChapterStatusEntry]:
    """Chapter id → its latest status entry (government readers only: callers scope ``chapter_ids``)."""
    return {entry.chapter_id: entry for entry in _latest_entries(chapter_ids)}


def chapter_shared_status_lines() -> dict[int, ChapterStatusEntry]:
    """Chapter id → status line, for the chapters whose current status line a negotiator shared with the room.

    What the room may read: the status and the round. Templates for delegates show nothing else of the entry.
    """
    return {entry.chapter_id: entry for entry in _latest_entries() if entry.shared_with_room}


def chapter_status_lines_for(*, readable: set[int]) -> dict[int, ChapterStatusEntry]:
    """The chapter list's status column: every status line shared with the room, plus the current status of the
    ``readable`` chapters (``chapters_readable_by``: none for delegates, who thus see shared lines only)."""
    return {
        entry.chapter_id: entry for entry in _latest_entries() if entry.shared_with_room or entry.chapter_id in readable
    }


# --- The negotiation board -------------------------------------------------------------------------------------


@dataclass
class BoardCell:
    round: Round
    status: str | None  # the chapter's status as it stood at the end of this round; None before any record
    changed: bool = False  # a status was recorded in this round


@dataclass
class BoardRow:
    chapter: Chapter
    cells: list[BoardCell]
    current: ChapterStatusEntry | None
    open_issues: int = 0
    open_red_lines: int = 0


@dataclass
class RoundSummary:
    round: Round
    closed_by: int  # chapters closed (or closed ad referendum) as the round ended
    closed_in: int  # of which closed in this round


@dataclass
class Board:
    rounds: list[Round]
    rows: list[BoardRow]
    summaries: list[RoundSummary]
    format: str | None = None
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def headline(self) -> RoundSummary | None:
        """The summary of the last round in which a status was recorded ("6 chapters closed by round 7")."""
        latest = None
        for i, summary in enumerate(self.summaries):
            if any(row.cells[i].changed for row in self.rows):
                latest = summary
        return latest


def _status_sweep(
    chapter_ids: list[int], rounds: list[Round]
) -> tuple[dict[int, list[BoardCell]], dict[int, ChapterStatusEntry]]:
    """Each chapter's status at the end of each of ``rounds``, from its whole history, in one query."""
    entries = (
        ChapterStatusEntry.objects.filter(chapter_id__in=chapter_ids)
        .select_related("round")
        .order_by("round__starts_on", "round_id", "recorded_at", "id")
    )
    by_chapter: dict[int, list[ChapterStatusEntry]] = defaultdict(list)
    for entry in entries:
        by_chapter[entry.chapter_id].append(entry)
    cells: dict[int, list[BoardCell]] = {}
    current: dict[int, ChapterStatusEntry] = {}
    for chapter_id in chapter_ids:
        history = by_chapter.get(chapter_id, [])
        row: list[BoardCell] = []
        index, status = 0, None
        for round in rounds:
            changed = False
            while index < len(history) and _round_key(history[index].round) <= _round_key(round):
                entry = history[index]
                changed = changed or (entry.round_id == round.pk and entry.change == ChapterStatusEntry.Change.STATUS)
                status = entry.status
                index += 1
            row.append(BoardCell(round=round, status=status, changed=changed))
        cells[chapter_id] = row
        if history:
            current[chapter_id] = max(history, key=lambda e: (e.recorded_at, e.pk))
    return cells, current


def board(user: User, *, format: str | None = None) -> Board:
    """The negotiation board: every chapter the user may read × every round (of ``format``), in five queries
    whatever the number of chapters, rounds, entries or issues."""
    if format not in FORMATS.values:
        format = None
    chapters = list(chapters_readable_by(user=user).select_related("table").order_by("number"))
    rounds = list(state_of_play_rounds(format=format))
    chapter_ids = [c.pk for c in chapters]
    cells, current = _status_sweep(chapter_ids, rounds)

    issues = OpenIssue.objects.filter(chapter_id__in=chapter_ids, status__in=OPEN_ISSUE_STATUSES)
    if format:
        issues = issues.filter(format=format)
    open_issues = dict(issues.values("chapter_id").annotate(n=Count("id")).values_list("chapter_id", "n"))
    red_lines = dict(
        triage_scope(user=user)
        .filter(RED_LINE, chapter_id__in=chapter_ids, status__in=OPEN_POSITION_STATUSES)
        .values("chapter_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("chapter_id", "n")
    )
    rows = [
        BoardRow(
            chapter=chapter,
            cells=cells[chapter.pk],
            current=current.get(chapter.pk),
            open_issues=open_issues.get(chapter.pk, 0),
            open_red_lines=red_lines.get(chapter.pk, 0),
        )
        for chapter in chapters
    ]
    summaries = []
    for i, round in enumerate(rounds):
        closed = [row for row in rows if row.cells[i].status in CLOSED_CHAPTER_STATUSES]
        summaries.append(
            RoundSummary(round=round, closed_by=len(closed), closed_in=sum(1 for row in closed if row.cells[i].changed))
        )
    totals = {
        "open_issues": sum(row.open_issues for row in rows),
        "open_red_lines": sum(row.open_red_lines for row in rows),
        "closed": sum(1 for row in rows if row.current and row.current.status in CLOSED_CHAPTER_STATUSES),
    }
    return Board(rounds=rounds, rows=rows, summaries=summaries, format=format, totals=totals)


# --- One chapter -----------------------------------------------------------------------------------------------


@dataclass
class RoundHistory:
    round: Round
    entries: list[ChapterStatusEntry]  # oldest first


@dataclass
class AskedRow:
    """What one organisation asked (a position) against what became of the open issues it relates to."""

    position: Position
    issues: list[OpenIssue]

    @property
    def is_red_line(self) -> bool:
        return self.position.priority == "red_line" or self.position.is_red_flag

    @property
    def resolved(self) -> list[OpenIssue]:
        return [issue for issue in self.issues if issue.status == OpenIssue.Status.RESOLVED]


@dataclass
class ChapterStateOfPlay:
    chapter: Chapter
    current: ChapterStatusEntry | None
    history: list[RoundHistory]
    issues: list[OpenIssue]
    asked: list[AskedRow]
    asked_limit: int

    @property
    def open_issues(self) -> list[OpenIssue]:
        return [issue for issue in self.issues if issue.is_open]

    @property
    def settled_issues(self) -> list[OpenIssue]:
        return [issue for issue in self.issues if not issue.is_open]


def _is_red_line(position: Position) -> bool:
    return position.priority == "red_line" or position.is_red_flag


def chapter_state_of_play(chapter: Chapter, *, user: User, asked_limit: int = 100) -> ChapterStateOfPlay:
    """A chapter's page: current status, history by round, open issues with their positions and red lines, and
    what industry asked against what was resolved. A fixed number of queries, whatever the counts."""
    entries = list(
        ChapterStatusEntry.objects.filter(chapter=chapter)
        .select_related("round", "recorded_by")
        .order_by("round__starts_on", "round_id", "recorded_at", "id")
    )
    history: list[RoundHistory] = []
    for entry in entries:
        if not history or history[-1].round.pk != entry.round_id:
            history.append(RoundHistory(round=entry.round, entries=[]))
        history[-1].entries.append(entry)
    current = max(entries, key=lambda e: (e.recorded_at, e.pk)) if entries else None

    visible = triage_scope(user=user).select_related("organisation", "round")
    issues = list(
        OpenIssue.objects.filter(chapter=chapter)
        .select_related("round", "updated_by", "created_by")
        .prefetch_related(
            Prefetch("positions", queryset=visible.order_by("priority_rank", "-is_red_flag", "title")),
            Prefetch("changes", queryset=OpenIssueChange.objects.select_related("by", "round").order_by("version")),
        )
        .order_by("id")
    )
    for issue in issues:
        issue.red_lines = [p for p in issue.positions.all() if _is_red_line(p)]  # type: ignore[attr-defined]

    asked_positions = (
        visible.filter(chapter=chapter)
        .exclude(status__in=(PositionStatus.WITHDRAWN, PositionStatus.MERGED))
        .filter(Q(open_issues__chapter=chapter) | RED_LINE)
        .distinct()
        .prefetch_related(Prefetch("open_issues", queryset=OpenIssue.objects.order_by("id")))
        .order_by("priority_rank", "-is_red_flag", "title", "id")[:asked_limit]
    )
    asked = [AskedRow(position=p, issues=list(p.open_issues.all())) for p in asked_positions]
    return ChapterStateOfPlay(
        chapter=chapter, current=current, history=history, issues=issues, asked=asked, asked_limit=asked_limit
    )


def chapter_status_history(*, chapter: Chapter) -> list[ChapterStatusEntry]:
    """The chapter's whole state-of-play history, newest first (for services and tests)."""
    return list(ChapterStatusEntry.objects.filter(chapter=chapter).select_related("round", "recorded_by"))


def chapter_status_by_round(*, chapter: Chapter, rounds: list[Round]) -> dict[int, str | None]:
    """Round id → the chapter's status as that round ended (the chapter evolution page's row)."""
    cells, _current = _status_sweep([chapter.pk], rounds)
    return {cell.round.pk: cell.status for cell in cells[chapter.pk]}


# --- Digests ---------------------------------------------------------------------------------------------------


@dataclass
class DigestChapter:
    chapter: Chapter
    status: ChapterStatusEntry | None
    issues: list[OpenIssue]


def digest_state_of_play(*, user: User, round: Round, is_debrief: bool, limit: int = 25) -> dict[str, object]:
    """What the pre-round digest (and the debrief) of an official or negotiator says about the state of play:
    each of their chapters with a status or open issues, and, after the round, what closed in it. Delegates get
    nothing from here (their digest never names an open issue)."""
    chapters = chapters_readable_by(user=user)
    if user_official_profile(user) is None:
        return {"state_of_play": [], "closed_in_round": []}
    current = chapter_current_statuses(chapter_ids=chapters.values_list("pk", flat=True))
    issues_by_chapter: dict[int, list[OpenIssue]] = defaultdict(list)
    for issue in (
        OpenIssue.objects.filter(chapter__in=chapters, status__in=OPEN_ISSUE_STATUSES)
        .select_related("round")
        .order_by("chapter__number", "id")
    ):
        if len(issues_by_chapter[issue.chapter_id]) < limit:
            issues_by_chapter[issue.chapter_id].append(issue)
    listed = set(current) | set(issues_by_chapter)
    state = [
        DigestChapter(chapter=chapter, status=current.get(chapter.pk), issues=issues_by_chapter.get(chapter.pk, []))
        for chapter in Chapter.objects.filter(pk__in=listed).order_by("number")
    ]
    closed: list[ChapterStatusEntry] = []
    if is_debrief:
        closed = list(
            ChapterStatusEntry.objects.filter(
                chapter__in=chapters,
                round=round,
                change=ChapterStatusEntry.Change.STATUS,
                status__in=CLOSED_CHAPTER_STATUSES,
            )
            .select_related("chapter")
            .order_by("chapter__number", "-recorded_at")
            .distinct("chapter__number")
        )
    return {"state_of_play": state, "closed_in_round": closed}
