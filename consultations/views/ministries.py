"""Consultation requests between ministries: ask from the triage pane, the ministry's queue, the answer."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from consultations.forms.ministries import ConsultationAnswerForm, ConsultationRequestForm
from consultations.models import ConsultationRequest, OpenIssue, Position
from consultations.selectors.ministries import (
    BOXES,
    consultation_get_for,
    consultation_queue_for,
    user_ministry_code,
)
from consultations.selectors.state_of_play import open_issue_get_for
from consultations.selectors.triage import position_get_for_triage
from consultations.services import ministries as ministry_services
from consultations.views.helpers import add_service_error, paginate


def _require_official(request: HttpRequest) -> str:
    code = user_ministry_code(request.user)
    if code is None:
        raise Http404
    return code


@require_GET
@login_required
@vary_on_headers("HX-Request")
def consultation_queue(request: HttpRequest) -> HttpResponse:
    """The requests addressed to the official's ministry (or those it sent), open ones first, due first."""
    _require_official(request)
    box = request.GET.get("box", "received")
    box = box if box in BOXES else "received"
    status = request.GET.get("status", "")
    status = status if status in ConsultationRequest.Status.values else ""
    page = paginate(consultation_queue_for(user=request.user, box=box, status=status), request, per_page=50)
    context = {
        "page": page,
        "box": box,
        "status": status,
        "statuses": ConsultationRequest.Status.choices,
        "today": ministry_services.consultation_today(timezone.now()),
    }
    template = "consultations/ministries/queue.html"
    return render(request, template + "#consultation-list" if request.htmx else template, context)


def _ask(
    request: HttpRequest, *, position: Position | None = None, open_issue: OpenIssue | None = None, done: str
) -> HttpResponse:
    form = ConsultationRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consultation = ministry_services.consultation_request_create(
                by=request.user,
                position=position,
                open_issue=open_issue,
                to_ministry=data["to_ministry"],
                question=data["question"],
                due_on=data["due_on"],
                now=request.received_at,  # type: ignore[attr-defined]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Your question went to %(ministry)s; its officials see it in their queue.")
                % {"ministry": consultation.to_ministry.name},
            )
            return redirect(done)
    context = {"form": form, "position": position, "open_issue": open_issue, "back": done.split("#")[0]}
    return render(request, "consultations/ministries/create.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def consultation_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask another ministry's opinion on a position the official triages."""
    _require_official(request)
    position = position_get_for_triage(user=request.user, position_id=pk)
    done = f"{reverse('consultations:triage_queue')}?position={position.pk}#pane-consultations"
    return _ask(request, position=position, done=done)


@require_http_methods(["GET", "POST"])
@login_required
def consultation_create_for_issue(request: HttpRequest, issue_id: int) -> HttpResponse:
    """Ask another ministry's opinion on an open issue of a chapter whose state of play the official reads."""
    _require_official(request)
    issue = open_issue_get_for(user=request.user, issue_id=issue_id)
    done = reverse("consultations:chapter_state", args=[issue.chapter.number]) + f"#issue-{issue.pk}"
    return _ask(request, open_issue=issue, done=done)


@require_http_methods(["GET", "POST"])
@login_required
def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A request with its position's summary; officials of the ministry consulted answer it here."""
    code = _require_official(request)
    consultation = consultation_get_for(user=request.user, pk=pk)
    may_answer = consultation.to_ministry.code == code and consultation.status == ConsultationRequest.Status.OPEN
    form = ConsultationAnswerForm(request.POST or None)
    if request.method == "POST":
        if consultation.to_ministry.code != code:
            raise Http404
        if form.is_valid():
            try:
                ministry_services.consultation_answer(
                    by=request.user,
                    request=consultation,
                    answer=form.cleaned_data["answer"],
                    now=request.received_at,  # type: ignore[attr-defined]
                )
            except ValidationError as error:
                add_service_error(form, error)
                consultation = consultation_get_for(user=request.user, pk=pk)
            else:
                messages.success(
                    request, _("Your answer was saved; the requesting officials read it with the position.")
                )
                return redirect("consultations:consultation_detail", pk=pk)
        may_answer = True  # the form stays, with its errors and the text typed
    context: dict[str, Any] = {
        "consultation": consultation,
        "form": form,
        "may_answer": may_answer,
        "today": ministry_services.consultation_today(timezone.now()),
    }
    return render(request, "consultations/ministries/detail.html", context)
