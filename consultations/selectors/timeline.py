"""The rounds as a timeline: the case study's calendar slide as data for a page (an SVG per year, and a list)."""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from dataclasses import dataclass, field

from django.utils import timezone

from consultations.models import Round
from consultations.selectors.rounds import round_current

CHART_WIDTH = 1200
CHART_LEFT = 8
CHART_RIGHT = 8
LANE_HEIGHT = 30
CHART_TOP = 30
CHART_BOTTOM = 8
LABEL_CHAR_WIDTH = 7.2  # an estimate at the chart's 12-unit font, to keep labels from overlapping
ICON_SIZE = 16


@dataclass
class TimelineEntry:
    round: Round
    status: Round.Status
    is_current: bool = False  # the one current round (selectors.rounds.round_current)


@dataclass
class ChartMark:
    """A round on a year's chart: its icon at the start, a bar to the end, its label beside it. ``left`` and
    ``right`` bound all three; the label goes to the left of the icon when it would run off the chart."""

    entry: TimelineEntry
    x: float
    width: float
    lane: int
    label_x: float
    label_anchor: str
    left: float
    right: float

    @property
    def y(self) -> float:
        return CHART_TOP + self.lane * LANE_HEIGHT + 16

    @property
    def icon_x(self) -> float:
        return self.x - ICON_SIZE / 2

    @property
    def icon_y(self) -> float:
        return self.y - ICON_SIZE / 2

    @property
    def bar_y(self) -> float:
        return self.y - 4

    @property
    def text_y(self) -> float:
        return self.y + 4

    @property
    def halo_x(self) -> float:
        return self.left - 4

    @property
    def halo_y(self) -> float:
        return self.y - 12

    @property
    def halo_width(self) -> float:
        return self.right - self.left + 8


@dataclass
class ChartTick:
    x: float
    day: dt.date

    @property
    def label_x(self) -> float:
        return self.x + 4


@dataclass
class TimelineMonth:
    first_day: dt.date
    entries: list[TimelineEntry]


@dataclass
class TimelineYear:
    year: int
    months: list[TimelineMonth]
    marks: list[ChartMark] = field(default_factory=list)
    ticks: list[ChartTick] = field(default_factory=list)
    height: int = 0
    today_x: float | None = None

    @property
    def axis_y(self) -> int:
        return CHART_TOP - 8


def _x(day: dt.date, year: int) -> float:
    """Where ``day`` falls across the year's chart (days before or after the year are pinned to its edges)."""
    first = dt.date(year, 1, 1)
    days = 366 if calendar.isleap(year) else 365
    offset = min(max((day - first).days, 0), days)
    return round(CHART_LEFT + offset / days * (CHART_WIDTH - CHART_LEFT - CHART_RIGHT), 1)


def _one_decimal(value: float) -> float:
    return float(f"{value:.1f}")


def _chart(year: TimelineYear, today: dt.date) -> None:
    """Lay the year's rounds out in lanes, like the case study's slide: a round takes the first lane where it
    (and its label) does not overlap the one before."""
    lane_ends: list[float] = []
    entries = [entry for month in year.months for entry in month.entries]
    for entry in entries:
        round = entry.round
        x = _x(round.starts_on, year.year)
        end = _x(round.ends_on + dt.timedelta(days=1), year.year)
        width = 0.0 if round.kind == Round.Kind.MILESTONE else max(end - x, 4.0)
        mark_right = max(x + width, x + ICON_SIZE / 2)
        label_width = len(round.localized_label) * LABEL_CHAR_WIDTH
        if mark_right + 4 + label_width <= CHART_WIDTH - CHART_RIGHT:
            label_x, anchor = mark_right + 4, "start"
            left, right = x - ICON_SIZE / 2, label_x + label_width
        else:
            label_x, anchor = x - ICON_SIZE / 2 - 4, "end"
            left, right = label_x - label_width, mark_right
        lane = next((i for i, lane_end in enumerate(lane_ends) if lane_end + 12 <= left), None)
        if lane is None:
            lane = len(lane_ends)
            lane_ends.append(right)
        else:
            lane_ends[lane] = right
        year.marks.append(
            ChartMark(
                entry=entry,
                x=x,
                width=width,
                lane=lane,
                label_x=_one_decimal(label_x),
                label_anchor=anchor,
                left=_one_decimal(left),
                right=_one_decimal(right),
            )
        )
    firsts = [dt.date(year.year, month, 1) for month in range(1, 13)]
    year.ticks = [ChartTick(x=_x(first, year.year), day=first) for first in firsts]
    year.height = CHART_TOP + max(len(lane_ends), 1) * LANE_HEIGHT + CHART_BOTTOM
    if today.year == year.year:
        year.today_x = _x(today, year.year)


def round_timeline_years(*, rounds: list[Round], now: dt.datetime) -> list[TimelineYear]:
    years = []
    current = round_current(rounds=rounds, now=now)
    for year, in_year in itertools.groupby(rounds, key=lambda r: r.starts_on.year):
        months = [
            TimelineMonth(
                first_day=dt.date(year, month, 1),
                entries=[TimelineEntry(r, r.status_at(now), is_current=r == current) for r in group],
            )
            for month, group in itertools.groupby(in_year, key=lambda r: r.starts_on.month)
        ]
        timeline_year = TimelineYear(year=year, months=months)
        _chart(timeline_year, timezone.localdate(now))
        years.append(timeline_year)
    return years
