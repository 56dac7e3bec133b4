"""Round management for platform staff, and the timeline of all rounds for everyone signed in."""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from consultations.forms_rounds import RoundCancelForm, RoundCloneForm, RoundForm
from consultations.models import PositionStatus, Round
from consultations.models.positions import UNFILED_STATUSES
from consultations.selectors.rounds import round_list
from consultations.services import rounds as services
from consultations.views.helpers import add_service_error, error_text

CURRENT_STATUSES = {Round.Status.OPEN, Round.Status.IN_SESSION}


def _require_staff(request: HttpRequest) -> None:
    """Round management is for platform staff; anyone else finds nothing here."""
    if not (request.user.is_staff and request.user.is_active):
        raise Http404


def _get_round(pk: int) -> Round:
    return get_object_or_404(Round, pk=pk)


def _rounds_with_position_counts() -> QuerySet[Round]:
    live = ~Q(positions__status=PositionStatus.WITHDRAWN)
    return round_list().annotate(
        positions_filed=Count("positions", filter=live & ~Q(positions__status__in=UNFILED_STATUSES)),
        positions_unfiled=Count("positions", filter=Q(positions__status__in=UNFILED_STATUSES)),
    )


def _round_with_position_counts(pk: int) -> Round:
    return get_object_or_404(_rounds_with_position_counts(), pk=pk)


def _when(round: Round, moment: dt.datetime | None) -> str:
    """A time as the host city reads it."""
    if moment is None:
        return "—"
    return formats.date_format(moment.astimezone(round.tz), "DATETIME_FORMAT")


# --- Management -----------------------------------------------------------------------------------------


@require_GET
@login_required
def round_manage_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    now = timezone.now()
    rounds = list(_rounds_with_position_counts().order_by("-starts_on", "-id"))
    for round in rounds:
        round.current_status = round.status_at(now)
    return render(request, "consultations/rounds/manage_list.html", {"rounds": rounds, "now": now})


def _render_form(request: HttpRequest, form: RoundForm, round: Round | None = None) -> HttpResponse:
    return render(request, "consultations/rounds/manage_form.html", {"form": form, "round": round})


@require_http_methods(["GET", "POST"])
@login_required
def round_manage_create(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            round = services.round_create(by=request.user, data=form.service_data())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("«%(round)s» was created. Submission deadline: %(deadline)s; digest: %(digest)s (host city time).")
                % {
                    "round": round.label,
                    "deadline": _when(round, round.submission_deadline),
                    "digest": _when(round, round.digest_at),
                },
            )
            return redirect("consultations:round_manage_list")
    return _render_form(request, form)


@require_http_methods(["GET", "POST"])
@login_required
def round_manage_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    round = _get_round(pk)
    form = RoundForm(request.POST or None, initial=RoundForm.initial_for(round))
    if request.method == "POST" and form.is_valid():
        try:
            round = services.round_update(by=request.user, round=round, data=form.service_data())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("«%(round)s» was saved.") % {"round": round.label})
            return redirect("consultations:round_manage_list")
    return _render_form(request, form, round)


@require_http_methods(["GET", "POST"])
@login_required
def round_manage_clone(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    round = _get_round(pk)
    form = RoundCloneForm(request.POST or None, initial={"label": services.clone_label(round)})
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.round_clone(
                by=request.user, round=round, starts_on=form.cleaned_data["starts_on"], label=form.cleaned_data["label"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("«%(copy)s» was created from «%(round)s», starting on %(start)s.")
                % {
                    "copy": copy.label,
                    "round": round.label,
                    "start": formats.date_format(copy.starts_on, "DATE_FORMAT"),
                },
            )
            return redirect("consultations:round_manage_list")
    return render(request, "consultations/rounds/manage_clone.html", {"form": form, "round": round})


@require_http_methods(["GET", "POST"])
@login_required
def round_manage_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    round = _round_with_position_counts(pk)
    form = RoundCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.round_cancel(by=request.user, round=round, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            if getattr(error, "code", None) in ("cancelled", "concluded"):
                messages.error(request, error_text(error))
                return redirect("consultations:round_manage_list")
            add_service_error(form, error)
        else:
            messages.success(request, _("«%(round)s» was cancelled.") % {"round": round.label})
            return redirect("consultations:round_manage_list")
    return render(
        request,
        "consultations/rounds/manage_cancel.html",
        {"form": form, "round": round, "status": round.status},
    )


@require_http_methods(["GET", "POST"])
@login_required
def round_manage_input(request: HttpRequest, pk: int) -> HttpResponse:
    """Open input now (a plain POST) or close it now (a confirmation page first)."""
    _require_staff(request)
    round = _round_with_position_counts(pk)
    action = (request.POST if request.method == "POST" else request.GET).get("action", "close")
    if action not in ("open", "close"):
        raise Http404
    if request.method == "POST":
        service = services.round_open_input_now if action == "open" else services.round_close_input_now
        try:
            round = service(by=request.user, round=round)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            if action == "open":
                message = _("«%(round)s» is open for input until %(deadline)s (host city time).")
                messages.success(
                    request, message % {"round": round.label, "deadline": _when(round, round.submission_deadline)}
                )
            else:
                messages.success(request, _("Input for «%(round)s» is closed.") % {"round": round.label})
        return redirect("consultations:round_manage_list")
    return render(
        request,
        "consultations/rounds/manage_input.html",
        {"round": round, "action": action, "status": round.status},
    )


# --- Timeline ---------------------------------------------------------------------------------------------

CHART_WIDTH = 1200
CHART_LEFT = 8
CHART_RIGHT = 8
LANE_HEIGHT = 30
CHART_TOP = 30
CHART_BOTTOM = 8
LABEL_CHAR_WIDTH = 6.6  # an estimate at the chart's 12-unit font, to keep labels from overlapping
ICON_SIZE = 16


@dataclass
class TimelineEntry:
    round: Round
    status: Round.Status

    @property
    def is_current(self) -> bool:
        return self.status in CURRENT_STATUSES


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
        label_width = len(round.label) * LABEL_CHAR_WIDTH
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


def _timeline(rounds: list[Round], now: dt.datetime) -> list[TimelineYear]:
    years = []
    for year, in_year in itertools.groupby(rounds, key=lambda r: r.starts_on.year):
        months = [
            TimelineMonth(
                first_day=dt.date(year, month, 1), entries=[TimelineEntry(r, r.status_at(now)) for r in group]
            )
            for month, group in itertools.groupby(in_year, key=lambda r: r.starts_on.month)
        ]
        timeline_year = TimelineYear(year=year, months=months)
        _chart(timeline_year, timezone.localdate(now))
        years.append(timeline_year)
    return years


@require_GET
@login_required
def round_timeline(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rounds = list(round_list())
    years = _timeline(rounds, now)
    counts = {kind: 0 for kind in Round.Kind}
    for round in rounds:
        if not round.cancelled_at:
            counts[Round.Kind(round.kind)] += 1
    return render(
        request,
        "consultations/rounds/timeline.html",
        {
            "years": years,
            "kinds": [(kind, counts[kind]) for kind in Round.Kind],
            "current": [
                entry for year in years for month in year.months for entry in month.entries if entry.is_current
            ],
            "chart_width": CHART_WIDTH,
            "icon_size": ICON_SIZE,
        },
    )
