"""The coordinator's workload page: who holds how much, for how long, and moving assignments between officials."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from consultations.forms.workload import RebalanceForm
from consultations.selectors import workload as selectors
from consultations.services.ministries import consultation_today
from consultations.services.triage import positions_bulk_assign
from consultations.views.helpers import paginate


def _require_coordinator(request: HttpRequest) -> None:
    if not selectors.user_is_workload_reader(request.user):
        raise Http404


@require_GET
@login_required
def workload(request: HttpRequest) -> HttpResponse:
    _require_coordinator(request)
    now = timezone.now()
    page = paginate(selectors.workload_officials(now=now), request, per_page=50)
    overdue = selectors.workload_overdue_by_ministry(today=consultation_today(now))
    ministries = selectors.ministry_names()
    rows = [
        {
            "official": official,
            "ministry": ministries.get(official.official_profile.ministry),
            "oldest_days": (now - official.oldest_filed_at).days if official.oldest_filed_at else None,
            "overdue": overdue.get(official.official_profile.ministry, 0),
        }
        for official in page.object_list
    ]
    context = {
        "page": page,
        "rows": rows,
        "overdue_ministries": [(ministries.get(code), count) for code, count in sorted(overdue.items())],
        "stale_days": selectors.STALE_AFTER.days,
    }
    return render(request, "consultations/workload/workload.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def workload_official(request: HttpRequest, user_id: int) -> HttpResponse:
    """One official's open assignments, oldest first; the coordinator moves a selection to another official with
    the triage queue's bulk assignment (each position done or skipped with its reason)."""
    _require_coordinator(request)
    official = selectors.workload_official_get(pk=user_id)
    assignments = selectors.workload_assignments_of(official=official)
    form = RebalanceForm(request.POST or None, user=request.user, official=official)
    if request.method == "POST" and form.is_valid():
        selected = list(assignments.filter(pk__in=form.cleaned_data["ids"]))
        assignee = form.cleaned_data["assignee"]
        result = positions_bulk_assign(by=request.user, positions=selected, assignee=assignee)
        if result.done:
            messages.success(
                request,
                ngettext(
                    "%(count)d position moved to %(official)s.",
                    "%(count)d positions moved to %(official)s.",
                    len(result.done),
                )
                % {"count": len(result.done), "official": assignee},
            )
        for pk, reason in result.skipped.items():
            messages.error(request, _("Position #%(id)d was not moved: %(reason)s") % {"id": pk, "reason": reason})
        return redirect("consultations:workload_official", user_id=official.pk)
    now = timezone.now()
    page = paginate(assignments, request, per_page=50)
    for position in page.object_list:
        position.age_days = (now - position.filed_at).days if position.filed_at else 0
    context = {"official": official, "page": page, "form": form}
    return render(request, "consultations/workload/official.html", context)
