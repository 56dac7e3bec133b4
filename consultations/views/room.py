"""The room during a round: negotiators' briefings, their questions to the room, the organisations' answers."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from consultations.forms import room as forms_room
from consultations.models import Organisation, RoomAnswer, RoomQuestion
from consultations.selectors import room as room_selectors
from consultations.selectors.roles import user_organisation_ids
from consultations.services import briefings as briefing_services
from consultations.services import exports as export_services
from consultations.services import room_questions as question_services
from consultations.views.helpers import (
    act,
    add_service_error,
    denied,
    form_page,
    initial_chapter,
    render_filtered_list,
)

# --- Briefings -------------------------------------------------------------------------------------------------


@require_GET
@login_required
@vary_on_headers("HX-Request")
def briefing_list(request: HttpRequest) -> HttpResponse:
    filter_form = forms_room.RoomFilterForm(request.GET or None, user=request.user)
    briefings = room_selectors.briefing_list_visible_to(
        user=request.user, chapter_id=filter_form.value("chapter"), round_id=filter_form.value("round")
    )
    return render_filtered_list(
        request,
        "consultations/room/briefing_list.html",
        "briefing-results",
        briefings,
        filter_form,
        per_page=20,
        context={"can_post": room_selectors.briefing_chapter_list_for(user=request.user).exists()},
    )


@require_GET
@login_required
def briefing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    briefing = room_selectors.briefing_get_for(user=request.user, briefing_id=pk)
    context = {
        "briefing": briefing,
        "body_html": briefing_services.render_markdown(briefing.body_markdown),
        "can_edit": room_selectors.can_brief(request.user, briefing.chapter),
    }
    return render(request, "consultations/room/briefing_detail.html", context)


class _RoomPost(NamedTuple):
    form_class: type[Any]
    service: Callable[..., Any]
    chapters: Callable[..., Any]  # the chapters the user may post this kind of thing to
    message: Any  # a lazy translation with %(number)s for the chapter


# What can be posted to a chapter's room; its form is room/<kind>_form.html and it is shown at <kind>_detail.
ROOM_POSTS = {
    "briefing": _RoomPost(
        forms_room.BriefingForm,
        briefing_services.briefing_post,
        room_selectors.briefing_chapter_list_for,
        gettext_lazy("Briefing posted to the room of chapter %(number)s."),
    ),
    "room_question": _RoomPost(
        forms_room.RoomQuestionForm,
        question_services.room_question_ask,
        room_selectors.question_chapter_list_for,
        gettext_lazy("Question sent to the room of chapter %(number)s."),
    ),
}


def _post_to_room(request: HttpRequest, kind: str) -> HttpResponse:
    """Post a briefing or a question to a chapter's room: only for those who may post it in some chapter."""
    post = ROOM_POSTS[kind]
    if not post.chapters(user=request.user).exists():
        raise Http404

    def save(data: dict) -> HttpResponse:
        posted = post.service(by=request.user, **data)
        messages.success(request, post.message % {"number": posted.chapter.number})
        return redirect(f"consultations:{kind}_detail", pk=posted.pk)

    template = f"consultations/room/{kind}_form.html"
    return form_page(
        request, template, partial(post.form_class, user=request.user), save, initial=initial_chapter(request)
    )


@require_http_methods(["GET", "POST"])
@login_required
def briefing_create(request: HttpRequest) -> HttpResponse:
    return _post_to_room(request, "briefing")


@require_http_methods(["GET", "POST"])
@login_required
def briefing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    briefing = room_selectors.briefing_get_for(user=request.user, briefing_id=pk)
    if not room_selectors.can_brief(request.user, briefing.chapter):
        raise Http404

    def save(data: dict) -> HttpResponse:
        briefing_services.briefing_update(by=request.user, briefing=briefing, **data)
        messages.success(request, _("Briefing updated."))
        return redirect("consultations:briefing_detail", pk=briefing.pk)

    return form_page(
        request,
        "consultations/room/briefing_form.html",
        partial(forms_room.BriefingForm, user=request.user, editing=True),
        save,
        initial={"title": briefing.title, "body_markdown": briefing.body_markdown, "format": briefing.format},
        context={"briefing": briefing},
    )


# --- Room questions --------------------------------------------------------------------------------------------


@require_GET
@login_required
@vary_on_headers("HX-Request")
def room_question_list(request: HttpRequest) -> HttpResponse:
    filter_form = forms_room.RoomFilterForm(request.GET or None, user=request.user, with_round=False)
    questions = room_selectors.room_question_list_visible_to(user=request.user, chapter_id=filter_form.value("chapter"))
    return render_filtered_list(
        request,
        "consultations/room/question_list.html",
        "question-results",
        questions,
        filter_form,
        per_page=20,
        context={
            "now": timezone.now(),
            "can_ask": room_selectors.question_chapter_list_for(user=request.user).exists(),
            "is_delegate": bool(user_organisation_ids(request.user)),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def room_question_create(request: HttpRequest) -> HttpResponse:
    return _post_to_room(request, "room_question")


@dataclass
class AnswerEntry:
    """One of the user's organisations in the room, with its answer (if any) and the form to give or change it."""

    organisation: Organisation
    answer: RoomAnswer | None
    form: forms_room.RoomAnswerForm
    saved: bool = False


def _answer_entries(request: HttpRequest, question: RoomQuestion) -> list[AnswerEntry]:
    org_ids = room_selectors.room_organisation_ids_for(user=request.user, chapter=question.chapter)
    if not org_ids:
        return []
    answers = room_selectors.room_answer_list_for_organisations(question=question, organisation_ids=org_ids)
    organisations = Organisation.objects.filter(pk__in=org_ids).order_by("name")
    entries = []
    for organisation in organisations:
        answer = answers.get(organisation.pk)
        form = forms_room.RoomAnswerForm(
            initial={"text": answer.text} if answer else None, prefix=f"org{organisation.pk}"
        )
        entries.append(AnswerEntry(organisation=organisation, answer=answer, form=form))
    return entries


def _question_context(request: HttpRequest, question: RoomQuestion, **extra: object) -> dict[str, object]:
    return {
        "question": question,
        "is_open": question.is_open,
        "can_read_answers": room_selectors.can_read_answers(request.user, question),
        "can_close": room_selectors.can_ask(request.user, question.chapter_id),
        "can_reopen": question.closed_at is not None and question.response_deadline > timezone.now(),
        **extra,
    }


@require_GET
@login_required
def room_question_detail(request: HttpRequest, pk: int) -> HttpResponse:
    question = room_selectors.room_question_get_for(user=request.user, question_id=pk)
    context = _question_context(request, question, entries=_answer_entries(request, question))
    return render(request, "consultations/room/question_detail.html", context)


@require_POST
@login_required
@vary_on_headers("HX-Request")
def room_answer_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Give or change an organisation's answer: htmx swaps the answer panel in place; without JavaScript the
    page reloads with a message."""
    question = room_selectors.room_question_get_for(user=request.user, question_id=pk)
    entries = _answer_entries(request, question)
    entry = next((e for e in entries if str(e.organisation.pk) == request.POST.get("organisation")), None)
    if entry is None:
        raise Http404
    form = forms_room.RoomAnswerForm(request.POST, prefix=f"org{entry.organisation.pk}")
    entry.form = form
    if form.is_valid():
        try:
            entry.answer = question_services.room_answer_submit(
                by=request.user, question=question, text=form.cleaned_data["text"], organisation=entry.organisation
            )
        except PermissionDenied as error:
            raise denied(request, error, question) from None
        except ValidationError as error:
            add_service_error(form, error)
        else:
            entry.saved = True
            if not request.htmx:
                messages.success(request, _("Your organisation's answer was saved."))
                return redirect("consultations:room_question_detail", pk=question.pk)
    if not request.htmx:
        if form.errors:
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("consultations:room_question_detail", pk=question.pk)
    # The deadline may have passed while the delegate typed: the panel then shows the question as closed.
    question.refresh_from_db(fields=["closed_at"])
    context = _question_context(request, question, entry=entry)
    return render(request, "consultations/room/question_detail.html#answer-panel", context)


def _question_to_manage(request: HttpRequest, pk: int) -> RoomQuestion:
    """A question the user may close or reopen (who may ask in its chapter); anything else is a 404."""
    question = room_selectors.room_question_get_for(user=request.user, question_id=pk)
    if not room_selectors.can_ask(request.user, question.chapter_id):
        raise Http404
    return question


@require_http_methods(["GET", "POST"])
@login_required
def room_question_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Closing stops every answer at once: a confirmation page first (it can be reopened until the deadline)."""
    question = _question_to_manage(request, pk)
    if request.method == "GET":
        return render(request, "consultations/room/question_close.html", {"question": question})
    done = _("The question is closed; organisations can no longer answer or change answers.")
    act(request, lambda: question_services.room_question_close(by=request.user, question=question), done)
    return redirect("consultations:room_question_detail", pk=question.pk)


@require_POST
@login_required
def room_question_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    question = _question_to_manage(request, pk)
    done = _("The question is open again until its deadline; the answers given so far are kept.")
    act(request, lambda: question_services.room_question_reopen(by=request.user, question=question), done)
    return redirect("consultations:room_question_detail", pk=question.pk)


def _question_for_answers(request: HttpRequest, pk: int) -> RoomQuestion:
    question = room_selectors.room_question_get_for(user=request.user, question_id=pk)
    if not room_selectors.can_read_answers(request.user, question):
        raise Http404
    return question


@require_GET
@login_required
def room_question_answers(request: HttpRequest, pk: int) -> HttpResponse:
    question = _question_for_answers(request, pk)
    context = _question_context(
        request,
        question,
        answers=list(room_selectors.room_answer_list(question=question)),
        unanswered=list(room_selectors.room_organisation_list_unanswered(question=question)),
    )
    return render(request, "consultations/room/question_answers.html", context)


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    """A spreadsheet must not run an answer as a formula (CSV injection)."""
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value


def _moment(value) -> str:  # noqa: ANN001 - a datetime
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


@require_GET
@login_required
def room_question_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The answers as CSV, one row per organisation: UTF-8 with a BOM so that Excel reads the accents."""
    question = _question_for_answers(request, pk)
    answers = list(room_selectors.room_answer_list(question=question))
    export_services.export_audit(
        user=request.user, kind="room_answers", target=question, filters={"question": question.pk}, rows=len(answers)
    )
    filename = f"room-question-{question.pk}_chapter-{question.chapter.number:02d}_{timezone.localdate():%Y-%m-%d}.csv"
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition_header(as_attachment=True, filename=filename)},
    )
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Organisation"),
            _("Acronym"),
            _("Answer"),
            _("Answered by"),
            _("E-mail"),
            _("First answered"),
            _("Last changed"),
            _("Round"),
        ]
    )
    for answer in answers:
        writer.writerow(
            [
                _cell(answer.organisation.name),
                _cell(answer.organisation.acronym),
                _cell(answer.text),
                _cell(answer.answered_by.get_full_name()),
                _cell(answer.answered_by.email),
                _moment(answer.created_at),
                _moment(answer.updated_at),
                _cell(question.round.localized_label),
            ]
        )
    return response
