"""Negotiators' and coordinators' dashboards: where industry stands in a round, and a chapter across rounds."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from consultations.forms.fields import parse_id
from consultations.models import Chapter, OfficialProfile, PositionStatus, Round
from consultations.models.positions import UNFILED_STATUSES
from consultations.selectors.dashboards import chapter_evolution as select_chapter_evolution
from consultations.selectors.dashboards import dashboard_current_round, dashboard_round_summary, dashboard_rounds
from consultations.selectors.roles import user_official_chapter_ids, user_official_profile
from consultations.selectors.state_of_play import chapter_current_statuses, chapter_status_by_round


def _require_official(request: HttpRequest) -> OfficialProfile:
    """Dashboards are for the government side; anyone else finds nothing here."""
    profile = user_official_profile(request.user)
    if profile is None or not request.user.is_active:
        raise Http404
    return profile


def _render_dashboard(request: HttpRequest, rounds: list[Round], round: Round | None) -> HttpResponse:
    now = timezone.now()
    context: dict[str, object] = {"rounds": rounds, "round": round, "now": now}
    if round is not None:
        summary = dashboard_round_summary(user=request.user, round=round)
        context.update(
            dashboard=summary,
            chapter_statuses=chapter_current_statuses(chapter_ids=[c.chapter.pk for c in summary.chapters]),
            round_status=round.status_at(now),
            status_totals=summary.status_totals,
            red_line_total=summary.red_line_total,
        )
    return render(request, "consultations/dashboards/round.html", context)


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _require_official(request)
    rounds = list(dashboard_rounds())
    picked = parse_id(request.GET.get("round"))
    if picked is not None and any(r.pk == picked for r in rounds):
        # The picker is a plain GET form: send it to the round's own, shareable address.
        return redirect("consultations:dashboard_round", round_id=picked)
    return _render_dashboard(request, rounds, dashboard_current_round(rounds=rounds, now=timezone.now()))


@require_GET
@login_required
def dashboard_round(request: HttpRequest, round_id: int) -> HttpResponse:
    _require_official(request)
    rounds = list(dashboard_rounds())
    round = next((r for r in rounds if r.pk == round_id), None)
    if round is None:
        raise Http404
    return _render_dashboard(request, rounds, round)


@require_GET
@login_required
def chapter_evolution(request: HttpRequest, number: int) -> HttpResponse:
    profile = _require_official(request)
    chapter = get_object_or_404(Chapter, number=number)
    if not profile.is_coordinator and chapter.pk not in user_official_chapter_ids(request.user):
        raise Http404
    evolution = select_chapter_evolution(user=request.user, chapter=chapter)
    statuses = [(s.value, s.label) for s in PositionStatus if s not in UNFILED_STATUSES]
    totals = {round_id: sum(counts.values()) for round_id, counts in evolution.status_counts.items()}
    return render(
        request,
        "consultations/dashboards/chapter_evolution.html",
        {
            "evolution": evolution,
            "chapter": chapter,
            "statuses": statuses,
            "status_values": [status for status, _label in statuses],
            "totals": totals,
            "chapter_status": chapter_status_by_round(chapter=chapter, rounds=evolution.rounds),
            "current_status": chapter_current_statuses(chapter_ids=[chapter.pk]).get(chapter.pk),
        },
    )
