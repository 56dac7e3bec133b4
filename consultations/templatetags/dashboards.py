"""Template helpers of the negotiators' dashboard: drill-down links to the triage queue, heat levels, stance bars."""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from consultations.models import PositionStatus, Stance

if TYPE_CHECKING:
    from consultations.models import Chapter, Position, Sector
    from consultations.selectors.dashboards import ChapterSummary, RoundDashboard

register = template.Library()

HEAT_LEVELS = 4  # plus level 0 for an empty cell: five classes, heat-0 … heat-4
# Short names for legends and bars; the choices' labels explain each stance at length.
STANCES = (
    (Stance.OFFENSIVE, _("Offensive")),
    (Stance.DEFENSIVE, _("Defensive")),
    (Stance.CONDITIONAL, _("Conditional")),
)
# The queue's filter parameters, in the order they appear in a link (stable, readable URLs).
TRIAGE_PARAMS = (
    "round",
    "chapter",
    "status",
    "priority",
    "red_flag",
    "red_line",
    "stance",
    "sector",
    "organisation",
    "assignee",
    "late",
    "age",
)


@functools.lru_cache(maxsize=16)
def _queue_path(prefix: str, urlconf: str | None) -> str:
    return reverse("consultations:triage_queue", urlconf=urlconf)


@register.simple_tag
def triage_url(**filters: Any) -> str:
    """``{% triage_url round=r.pk chapter=c.pk status="submitted" %}``: the triage queue with these filters.

    A list value repeats the parameter (``status=a&status=b``); empty values are left out. The queue's path is
    reversed once per script prefix: a dashboard has well over a thousand of these links (manage.py benchmark)."""
    unknown = set(filters) - set(TRIAGE_PARAMS)
    if unknown:
        raise template.TemplateSyntaxError(f"triage_url: unknown filter(s) {', '.join(sorted(unknown))}")
    query: list[tuple[str, Any]] = []
    for name in TRIAGE_PARAMS:
        value = filters.get(name)
        if value in (None, "", [], ()):
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        query.extend((name, item) for item in values)
    base = _queue_path(get_script_prefix(), get_urlconf())
    return f"{base}?{urlencode(query)}" if query else base


@register.simple_tag
def count_cell(n: int, css: str = "", **filters: Any) -> str:
    """``{% count_cell n round=r.pk status=s %}``: a table cell with a count that opens the triage queue filtered to
    what it counts (a zero links nowhere). Both dashboards build their grids from it. Built here rather than by an
    inclusion template: a dashboard has hundreds of cells, and a template per cell was most of its rendering time
    (manage.py benchmark)."""
    css_class = f"number {css}" if css else "number"
    if not n:
        return format_html('<td class="{}"><span class="zero">0</span></td>\n', css_class)
    return format_html('<td class="{}"><a href="{}">{}</a></td>\n', css_class, triage_url(**filters), localize(n))


@register.filter
def position_url(position: Position) -> str:
    """Officials open a red line in the triage workspace, beside the queue."""
    return reverse("consultations:triage_detail", args=(position.pk,))


@register.filter
def get_item(mapping: dict[Any, Any] | None, key: Any) -> Any:
    return (mapping or {}).get(key, 0)


@register.filter
def status_label(value: str) -> str:
    try:
        return str(PositionStatus(value).label)
    except ValueError:
        return value


@register.simple_tag
def heat_count(dashboard: RoundDashboard, sector: Sector, chapter: Chapter) -> int:
    return dashboard.heat.get((sector.pk, chapter.pk), 0)


@register.filter
def heat_level(count: int, maximum: int) -> str:
    """One of five CSS classes: heat-0 for an empty cell, heat-1 … heat-4 by share of the busiest cell."""
    if not count or not maximum:
        return "heat-0"
    return f"heat-{min(HEAT_LEVELS, max(1, math.ceil(HEAT_LEVELS * count / maximum)))}"


@register.filter
def age_days(moment: dt.datetime | None) -> int:
    """Whole days since ``moment``: the queue's ``age`` filter for "at least this old"."""
    if moment is None:
        return 0
    return max(0, (timezone.now() - moment).days)


@dataclass(frozen=True)
class Countdown:
    days: int
    hours: int
    minutes: int


@register.filter
def countdown(remaining: dt.timedelta | None) -> Countdown | None:
    if remaining is None or remaining <= dt.timedelta(0):
        return None
    minutes = int(remaining.total_seconds()) // 60
    return Countdown(days=minutes // (24 * 60), hours=minutes // 60 % 24, minutes=minutes % 60)


@dataclass(frozen=True)
class StanceSegment:
    stance: str
    label: str
    count: int
    share: int
    x: int


@register.simple_tag
def stance_segments(summary: ChapterSummary) -> list[StanceSegment]:
    """The stacked bar of one chapter: each stance's count, its percentage and where its rectangle starts."""
    segments = []
    x = 0
    for stance, label in STANCES:
        share = summary.stance_share(stance)
        segments.append(
            StanceSegment(
                stance=stance.value,
                label=str(label),
                count=summary.by_stance.get(stance, 0),
                share=share,
                x=x,
            )
        )
        x += share
    return segments
