"""The negotiation board, a chapter's state of play, and the forms that record it (government only)."""

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
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consultations.forms import state_of_play as forms
from consultations.models import Chapter, ChapterStatus, OpenIssue
from consultations.selectors import state_of_play as selectors
from consultations.selectors.ministries import consultations_by_issue
from consultations.selectors.roles import user_official_profile
from consultations.services import state_of_play as services
from consultations.services.ministries import consultation_today
from consultations.views.helpers import act, add_service_error, can, form_page, require_perm


def _require_official(request: HttpRequest) -> None:
    if user_official_profile(request.user) is None or not request.user.is_active:
        raise Http404


def _chapter_url(chapter: Chapter, anchor: str = "") -> str:
    return reverse("consultations:chapter_state", args=[chapter.number]) + (f"#{anchor}" if anchor else "")


@require_GET
@login_required
def board(request: HttpRequest) -> HttpResponse:
    _require_official(request)
    filter_form = forms.BoardFilterForm(request.GET or None)
    format = filter_form.cleaned_data["format"] if filter_form.is_valid() else None
    data = selectors.board(request.user, format=format or None)
    return render(
        request,
        "consultations/state_of_play/board.html",
        {"board": data, "filter_form": filter_form, "statuses": ChapterStatus.choices},
    )


@require_GET
@login_required
def chapter_state(request: HttpRequest, number: int) -> HttpResponse:
    chapter = selectors.chapter_get_for(user=request.user, number=number)
    state = selectors.chapter_state_of_play(chapter, user=request.user)
    return render(
        request,
        "consultations/state_of_play/chapter.html",
        {
            "chapter": chapter,
            "state": state,
            "can_record": can(request.user, "consultations.change_state_of_play", chapter),
            # Other ministries' opinions on each issue (officials only, like the whole page): one query.
            "issue_consultations": consultations_by_issue(
                user=request.user, issue_ids=[issue.pk for issue in state.issues]
            ),
            "consultation_today": consultation_today(timezone.now()),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def chapter_status(request: HttpRequest, number: int) -> HttpResponse:
    chapter = selectors.chapter_get_for(user=request.user, number=number)
    require_perm(request, "consultations.change_state_of_play", chapter)
    state = selectors.chapter_state_of_play(chapter, user=request.user)

    def save(data: dict[str, Any]) -> HttpResponse:
        entry = services.chapter_status_set(
            chapter=chapter,
            round=data["round"],
            by=request.user,
            status=data["status"],
            note=data["note"],
            reason=data["reason"],
            now=request.received_at,
        )
        message = _("Chapter %(number)s is now «%(status)s» in «%(round)s».") % {
            "number": chapter.number,
            "status": entry.get_status_display(),
            "round": entry.round.localized_label,
        }
        if entry.skipped:
            labels = ", ".join(str(label) for value, label in ChapterStatus.choices if value in entry.skipped)
            message += " " + _("Steps skipped, and recorded as such: %(steps)s.") % {"steps": labels}
        messages.success(request, message)
        return redirect(_chapter_url(chapter, "history"))

    return form_page(
        request,
        "consultations/state_of_play/status_form.html",
        forms.ChapterStatusForm,
        save,
        context={"chapter": chapter, "state": state},
    )


@require_POST
@login_required
def chapter_share(request: HttpRequest, number: int) -> HttpResponse:
    chapter = selectors.chapter_get_for(user=request.user, number=number)
    require_perm(request, "consultations.change_state_of_play", chapter)
    shared = request.POST.get("shared") == "1"
    act(
        request,
        lambda: services.chapter_status_share(chapter=chapter, by=request.user, shared=shared, now=request.received_at),
        _("Delegates now see this chapter's status on the chapter list (not its open issues).")
        if shared
        else _("The chapter's status is no longer shown to delegates."),
    )
    return redirect(_chapter_url(chapter))


@require_http_methods(["GET", "POST"])
@login_required
def issue_create(request: HttpRequest, number: int) -> HttpResponse:
    chapter = selectors.chapter_get_for(user=request.user, number=number)
    require_perm(request, "consultations.change_state_of_play", chapter)

    def make_form(data: Any = None, initial: dict[str, Any] | None = None) -> forms.OpenIssueForm:
        return forms.OpenIssueForm(data, user=request.user, chapter=chapter, initial=initial)

    def save(data: dict[str, Any]) -> HttpResponse:
        services.open_issue_create(
            chapter=chapter,
            round=data["round"],
            by=request.user,
            text=data["text"],
            parties=data["parties"],
            note=data["note"],
            format=data["format"],
            positions=data["positions"],
            now=request.received_at,
        )
        messages.success(request, _("Open issue added."))
        return redirect(_chapter_url(chapter, "issues"))

    return form_page(
        request, "consultations/state_of_play/issue_form.html", make_form, save, context={"chapter": chapter}
    )


def _issue_for(request: HttpRequest, issue_id: int) -> OpenIssue:
    issue = selectors.open_issue_get_for(user=request.user, issue_id=issue_id)
    require_perm(request, "consultations.change_state_of_play", issue.chapter)
    return issue


def _issue_initial(issue: OpenIssue) -> dict[str, Any]:
    return {
        "text": issue.text,
        "parties": issue.parties,
        "round": issue.round_id,
        "format": issue.format,
        "positions": [p.pk for p in issue.positions.all()],
        "note": issue.note,
        "status": issue.status,
        "version": issue.version,
    }


@require_http_methods(["GET", "POST"])
@login_required
def issue_edit(request: HttpRequest, issue_id: int) -> HttpResponse:
    issue = _issue_for(request, issue_id)
    chapter = issue.chapter
    template = "consultations/state_of_play/issue_form.html"
    context: dict[str, Any] = {"chapter": chapter, "issue": issue}
    if request.method != "POST":
        form = forms.OpenIssueForm(user=request.user, chapter=chapter, editing=True, initial=_issue_initial(issue))
        return render(request, template, {"form": form, **context})
    form = forms.OpenIssueForm(request.POST, user=request.user, chapter=chapter, editing=True)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.open_issue_update(
                issue=issue,
                by=request.user,
                version=data["version"],
                round=data["round"],
                text=data["text"],
                parties=data["parties"],
                note=data["note"],
                format=data["format"],
                positions=data["positions"],
                status=data["status"],
                now=request.received_at,
            )
        except services.IssueConflict as conflict:
            # The user's changes stay in the form, now based on the current version: saving again is deliberate.
            posted = request.POST.copy()
            posted["version"] = str(conflict.current.version)
            form = forms.OpenIssueForm(posted, user=request.user, chapter=chapter, editing=True)
            form.is_valid()
            form.add_error(None, conflict)
            current = selectors.open_issue_get_for(user=request.user, issue_id=issue.pk)
            return render(request, template, {"form": form, "conflict": current, **context})
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Open issue saved."))
            return redirect(_chapter_url(chapter, f"issue-{issue.pk}"))
    return render(request, template, {"form": form, **context})


@require_http_methods(["GET", "POST"])
@login_required
def issue_status(request: HttpRequest, issue_id: int) -> HttpResponse:
    issue = _issue_for(request, issue_id)
    chapter = issue.chapter
    initial = {"version": issue.version, "round": issue.round_id}
    if request.GET.get("status") in OpenIssue.Status.values:
        initial["status"] = request.GET["status"]

    def save(data: dict[str, Any]) -> HttpResponse:
        updated = services.open_issue_set_status(
            issue=issue,
            by=request.user,
            version=data["version"],
            status=data["status"],
            round=data["round"],
            note=data["note"],
            now=request.received_at,
        )
        messages.success(request, _("The issue is now «%(status)s».") % {"status": updated.get_status_display()})
        return redirect(_chapter_url(chapter, f"issue-{issue.pk}"))

    return form_page(
        request,
        "consultations/state_of_play/issue_status.html",
        forms.IssueStatusForm,
        save,
        initial=initial,
        context={"chapter": chapter, "issue": issue},
    )
