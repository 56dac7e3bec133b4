"""Round management for platform staff, and the timeline of all rounds for everyone signed in."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from consultations.forms.rounds import RoundCancelForm, RoundCloneForm, RoundForm
from consultations.models import Round
from consultations.selectors.rounds import round_list, round_list_with_position_counts
from consultations.selectors.timeline import CHART_WIDTH, ICON_SIZE, round_timeline_years
from consultations.services import rounds as services
from consultations.views.helpers import act, add_service_error, error_text


def _require_staff(request: HttpRequest) -> None:
    """Round management is for platform staff; anyone else finds nothing here."""
    if not (request.user.is_staff and request.user.is_active):
        raise Http404


def _get_round(pk: int) -> Round:
    return get_object_or_404(Round, pk=pk)


def _round_with_position_counts(pk: int) -> Round:
    return get_object_or_404(round_list_with_position_counts(), pk=pk)


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
    rounds = list(round_list_with_position_counts().order_by("-starts_on", "-id"))
    for round in rounds:
        round.current_status = round.status_at(now)
    return render(request, "consultations/rounds/manage_list.html", {"rounds": rounds, "now": now})


def _render_form(
    request: HttpRequest, form: RoundForm, round: Round | None = None, preview: Round | None = None
) -> HttpResponse:
    context: dict = {"form": form, "round": round}
    if preview is not None:
        context["preview"] = {
            "round": preview,
            "opens": _when(preview, preview.input_opens_at),
            "deadline": _when(preview, preview.submission_deadline),
            "digest": _when(preview, preview.digest_at),
            "status": preview.status_at(timezone.now()),
        }
    return render(request, "consultations/rounds/manage_form.html", context)


def _save_round_form(request: HttpRequest, round: Round | None = None) -> HttpResponse:
    """Create or change a round in two steps: a valid form first shows what saving will do (when input opens and
    closes, when the digest goes out, the round's status right after); only the confirmation of those same values
    saves them. Changing a value after the summary shows a new summary."""
    form = RoundForm(request.POST or None, initial=RoundForm.initial_for(round) if round else None)
    if request.method != "POST" or not form.is_valid():
        return _render_form(request, form, round)
    data = form.service_data()
    try:
        if not form.is_confirmed():
            preview = services.round_preview(by=request.user, data=data, round=round)
            form = RoundForm({**request.POST.dict(), "previewed": form.fingerprint()}, initial=form.initial)
            form.is_valid()
            return _render_form(request, form, round, preview=preview)
        if round is None:
            saved = services.round_create(by=request.user, data=data)
        else:
            saved = services.round_update(by=request.user, round=round, data=data)
    except ValidationError as error:
        add_service_error(form, error)
        return _render_form(request, form, round)
    messages.success(
        request,
        _("«%(round)s» was saved. Input: %(opens)s to %(deadline)s; digest: %(digest)s (host city time).")
        % {
            "round": saved.localized_label,
            "opens": _when(saved, saved.input_opens_at),
            "deadline": _when(saved, saved.submission_deadline),
            "digest": _when(saved, saved.digest_at),
        },
    )
    return redirect("consultations:round_manage_list")


@require_http_methods(["GET", "POST"])
@login_required
def round_manage_create(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    return _save_round_form(request)


@require_http_methods(["GET", "POST"])
@login_required
def round_manage_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    return _save_round_form(request, _get_round(pk))


@require_http_methods(["GET", "POST"])
@login_required
def round_manage_clone(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    round = _get_round(pk)
    initial = {"label": services.clone_label(round), "label_en": services.clone_label_en(round)}
    form = RoundCloneForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.round_clone(
                by=request.user,
                round=round,
                starts_on=form.cleaned_data["starts_on"],
                label=form.cleaned_data["label"],
                label_en=form.cleaned_data["label_en"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("«%(copy)s» was created from «%(round)s», starting on %(start)s.")
                % {
                    "copy": copy.localized_label,
                    "round": round.localized_label,
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
            messages.success(request, _("«%(round)s» was cancelled.") % {"round": round.localized_label})
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

        def done(changed: Round) -> str:
            if action == "open":
                message = _("«%(round)s» is open for input until %(deadline)s (host city time).")
                return message % {
                    "round": changed.localized_label,
                    "deadline": _when(changed, changed.submission_deadline),
                }
            return _("Input for «%(round)s» is closed.") % {"round": changed.localized_label}

        act(request, lambda: service(by=request.user, round=round), done)
        return redirect("consultations:round_manage_list")
    return render(
        request,
        "consultations/rounds/manage_input.html",
        {"round": round, "action": action, "status": round.status},
    )


# --- Timeline ---------------------------------------------------------------------------------------------


@require_GET
@login_required
def round_timeline(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rounds = list(round_list())
    years = round_timeline_years(rounds=rounds, now=now)
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
