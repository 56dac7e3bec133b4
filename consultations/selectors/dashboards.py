"""Where industry stands, per chapter, for one round: the reads behind the negotiators' dashboard."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from consultations.models import Chapter, Position, PositionStatus, Round, Sector, Stance
from consultations.selectors.rounds import round_current
from consultations.selectors.triage import RED_LINE, triage_scope

if TYPE_CHECKING:
    import datetime as dt

    from consultations.models import User


@dataclass
class ChapterSummary:
    chapter: Chapter
    by_status: dict[str, int] = field(default_factory=dict)
    by_stance: dict[str, int] = field(default_factory=dict)
    total: int = 0
    untriaged: int = 0
    oldest_untriaged: dt.datetime | None = None
    red_lines: int = 0
    # Distinct organisations per side: one with positions on both sides is in ``both_sides_orgs`` only.
    offensive_orgs: list[str] = field(default_factory=list)
    defensive_orgs: list[str] = field(default_factory=list)
    both_sides_orgs: list[str] = field(default_factory=list)

    @property
    def in_conflict(self) -> bool:
        """Organisations pull in opposite directions (one organisation hedging both ways is not a conflict)."""
        offensive = self.offensive_orgs or self.both_sides_orgs
        defensive = self.defensive_orgs or self.both_sides_orgs
        everyone = len(self.offensive_orgs) + len(self.defensive_orgs) + len(self.both_sides_orgs)
        return bool(offensive and defensive and everyone > 1)

    def set_sides(self, *, offensive: list[str], defensive: list[str]) -> None:
        both = set(offensive) & set(defensive)
        self.offensive_orgs = [name for name in offensive if name not in both]
        self.defensive_orgs = [name for name in defensive if name not in both]
        self.both_sides_orgs = sorted(both)

    def stance_share(self, stance: str) -> int:
        """Percentage of the chapter's positions with this stance, for the split bars."""
        return round(100 * self.by_stance.get(stance, 0) / self.total) if self.total else 0


@dataclass
class RoundDashboard:
    round: Round
    chapters: list[ChapterSummary]
    red_lines: list[Position]
    sectors: list[Sector]
    heat: dict[tuple[int, int], int]  # (sector id, chapter id) -> positions
    heat_max: int
    statuses: list[tuple[str, str]]

    @property
    def total(self) -> int:
        return sum(c.total for c in self.chapters)

    @property
    def untriaged(self) -> int:
        return sum(c.untriaged for c in self.chapters)

    @property
    def oldest_untriaged(self) -> dt.datetime | None:
        dates = [c.oldest_untriaged for c in self.chapters if c.oldest_untriaged]
        return min(dates) if dates else None

    @property
    def status_totals(self) -> dict[str, int]:
        return {status: sum(c.by_status.get(status, 0) for c in self.chapters) for status, _label in self.statuses}

    @property
    def red_line_total(self) -> int:
        return sum(c.red_lines for c in self.chapters)

    @property
    def conflicts(self) -> list[ChapterSummary]:
        return [c for c in self.chapters if c.in_conflict]

    @property
    def time_to_deadline(self) -> dt.timedelta | None:
        if not self.round.submission_deadline:
            return None
        return self.round.submission_deadline - timezone.now()


def dashboard_rounds() -> QuerySet[Round]:
    return Round.objects.exclude(kind=Round.Kind.MILESTONE).exclude(submission_deadline__isnull=True)


def dashboard_current_round(*, rounds: list[Round], now: dt.datetime) -> Round | None:
    """The current round (selectors.rounds.round_current); else the next one to come; else the latest."""
    current = round_current(rounds=rounds, now=now)
    if current is not None:
        return current
    upcoming = (Round.Status.PLANNED, Round.Status.INPUT_CLOSED)
    return next((r for r in rounds if r.status_at(now) in upcoming), rounds[-1] if rounds else None)


def dashboard_round_summary(*, user: User, round: Round, red_line_limit: int = 50) -> RoundDashboard:
    """Everything on the dashboard in a fixed number of queries, whatever the number of positions."""
    positions = triage_scope(user=user).filter(round=round).exclude(status=PositionStatus.WITHDRAWN)

    # One pass over the round's positions gives the status and stance counts, the red lines and the backlog, and
    # which chapters have positions at all (a separate DISTINCT over the round cost one more pass).
    untriaged = Q(status=PositionStatus.SUBMITTED)
    rows = list(
        positions.values("chapter_id", "status", "stance")
        .annotate(
            n=Count("id"),
            red=Count("id", filter=RED_LINE),
            oldest=Min("filed_at", filter=untriaged),
        )
        .order_by()
    )
    chapter_ids = {row["chapter_id"] for row in rows}
    chapters = {c.pk: ChapterSummary(chapter=c) for c in Chapter.objects.filter(pk__in=chapter_ids)}
    for row in rows:
        summary = chapters[row["chapter_id"]]
        summary.by_status[row["status"]] = summary.by_status.get(row["status"], 0) + row["n"]
        summary.by_stance[row["stance"]] = summary.by_stance.get(row["stance"], 0) + row["n"]
        summary.total += row["n"]
        summary.red_lines += row["red"]
        if row["status"] == PositionStatus.SUBMITTED:
            summary.untriaged += row["n"]
            if summary.oldest_untriaged is None or row["oldest"] < summary.oldest_untriaged:
                summary.oldest_untriaged = row["oldest"]
    sides: dict[int, dict[str, list[str]]] = defaultdict(dict)
    for row in (
        positions.filter(stance__in=(Stance.OFFENSIVE, Stance.DEFENSIVE))
        .values("chapter_id", "stance")
        .annotate(orgs=ArrayAgg("organisation__name", distinct=True, order_by="organisation__name"))
        .order_by()
    ):
        sides[row["chapter_id"]][row["stance"]] = row["orgs"]
    for chapter_id, orgs in sides.items():
        chapters[chapter_id].set_sides(
            offensive=orgs.get(Stance.OFFENSIVE, []), defensive=orgs.get(Stance.DEFENSIVE, [])
        )

    heat: dict[tuple[int, int], int] = defaultdict(int)
    for row in (
        positions.filter(organisation__sectors__isnull=False)
        .values("organisation__sectors", "chapter_id")
        .annotate(n=Count("id", distinct=True))
        .order_by()
    ):
        heat[(row["organisation__sectors"], row["chapter_id"])] = row["n"]
    sectors = list(Sector.objects.filter(pk__in={sector for sector, _chapter in heat}).order_by("code"))
    red_lines = list(
        positions.filter(RED_LINE)
        .select_related("organisation", "chapter")
        .order_by("chapter__number", "-filed_at")[:red_line_limit]
    )
    return RoundDashboard(
        round=round,
        chapters=sorted(chapters.values(), key=lambda c: c.chapter.number),
        red_lines=red_lines,
        sectors=sectors,
        heat=dict(heat),
        heat_max=max(heat.values(), default=0),
        statuses=[
            (s.value, s.label)
            for s in PositionStatus
            if s not in (PositionStatus.DRAFT, PositionStatus.AWAITING_SIGNOFF, PositionStatus.WITHDRAWN)
        ],
    )


@dataclass
class ChapterEvolution:
    chapter: Chapter
    rounds: list[Round]
    # One row per organisation and red line title: the status it had in each round it was filed for.
    red_lines: list[tuple[str, str, dict[int, str]]]
    status_counts: dict[int, dict[str, int]]


def chapter_evolution(*, user: User, chapter: Chapter) -> ChapterEvolution:
    positions = triage_scope(user=user).filter(chapter=chapter)
    rounds = list(Round.objects.filter(pk__in=positions.values("round_id")).order_by("starts_on"))
    status_counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in positions.values("round_id", "status").annotate(n=Count("id")).order_by():
        status_counts[row["round_id"]][row["status"]] = row["n"]
    rows: dict[tuple[str, str], dict[int, str]] = defaultdict(dict)
    for organisation, title, round_id, status in (
        positions.filter(RED_LINE)
        .order_by("organisation__name", "title", "round__starts_on")
        .values_list("organisation__name", "title", "round_id", "status")
    ):
        rows[(organisation, title)][round_id] = status
    return ChapterEvolution(
        chapter=chapter,
        rounds=rounds,
        red_lines=[(org, title, statuses) for (org, title), statuses in rows.items()],
        status_counts=dict(status_counts),
    )
