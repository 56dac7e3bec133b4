"""The "Cuarto de Inteligencia": research notes per chapter for the government side. Delegates get 404 everywhere."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from consultations.forms import intelligence as forms_intelligence
from consultations.forms.fields import parse_id
from consultations.models import IntelligenceNote
from consultations.selectors import intelligence as selectors
from consultations.services import attachments as attachment_services
from consultations.services import intelligence as services
from consultations.services.briefings import render_markdown
from consultations.services.errors import NoteConflict
from consultations.views.helpers import (
    add_service_error,
    can,
    denied,
    error_text,
    initial_chapter,
    render_filtered_list,
)


def _require_reader(request: HttpRequest) -> None:
    if not can(request.user, "consultations.view_intelligence", None):
        raise Http404


def _note_for(request: HttpRequest, pk: int, perm: str = "consultations.view_intelligence") -> IntelligenceNote:
    note = selectors.intelligence_note_get_for(user=request.user, note_id=pk)
    if not can(request.user, perm, note):
        raise Http404
    return note


@require_GET
@login_required
@vary_on_headers("HX-Request")
def intelligence_note_list(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    tags = selectors.intelligence_tag_list(user=request.user, chapter=parse_id(request.GET.get("chapter")))
    filter_form = forms_intelligence.IntelligenceFilterForm(request.GET or None, user=request.user, tags=tags)
    notes = selectors.notes_visible_to(
        request.user,
        chapter=filter_form.value("chapter"),
        round=filter_form.value("round"),
        tag=filter_form.value("tag") or "",
    )
    return render_filtered_list(
        request,
        "consultations/intelligence/note_list.html",
        "note-results",
        notes,
        filter_form,
        per_page=20,
        context={"can_write": can(request.user, "consultations.write_intelligence", None)},
    )


@require_GET
@login_required
def intelligence_note_detail(request: HttpRequest, pk: int) -> HttpResponse:
    note = _note_for(request, pk)
    context = {
        "note": note,
        "body_html": render_markdown(note.body_markdown),
        "can_write": can(request.user, "consultations.write_intelligence", note),
        "attachment_form": forms_intelligence.IntelligenceAttachmentForm(),
    }
    return render(request, "consultations/intelligence/note_detail.html", context)


def _note_data(data: dict[str, Any]) -> dict[str, Any]:
    return {key: data[key] for key in ("title", "body_markdown", "tags", "hs_lines", "rounds", "position_ids")}


@require_http_methods(["GET", "POST"])
@login_required
def intelligence_note_create(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "consultations.write_intelligence", None):
        raise Http404
    template = "consultations/intelligence/note_form.html"
    if request.method != "POST":
        form = forms_intelligence.IntelligenceNoteForm(user=request.user, initial=initial_chapter(request))
        return render(request, template, {"form": form})
    form = forms_intelligence.IntelligenceNoteForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            note = services.intelligence_note_create(
                by=request.user,
                chapter=form.cleaned_data["chapter"],
                now=request.received_at,
                **_note_data(form.cleaned_data),
            )
        except PermissionDenied as error:
            raise denied(request, error) from None
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Note saved in the intelligence room of chapter %(number)s.") % {"number": note.chapter.number},
            )
            return redirect("consultations:intelligence_note_detail", pk=note.pk)
    return render(request, template, {"form": form})


def _initial(note: IntelligenceNote) -> dict[str, Any]:
    return {
        "title": note.title,
        "body_markdown": note.body_markdown,
        "tags": note.tags,
        "hs_lines": note.hs_lines,
        "rounds": list(note.rounds.all()),
        "position_ids": [p.pk for p in note.positions.all()],
        "version": note.version,
    }


@require_http_methods(["GET", "POST"])
@login_required
def intelligence_note_edit(request: HttpRequest, pk: int) -> HttpResponse:
    note = _note_for(request, pk, "consultations.write_intelligence")
    template = "consultations/intelligence/note_form.html"
    context: dict[str, Any] = {"note": note}
    if request.method != "POST":
        form = forms_intelligence.IntelligenceNoteForm(user=request.user, editing=True, initial=_initial(note))
        return render(request, template, {"form": form, **context})
    form = forms_intelligence.IntelligenceNoteForm(request.POST, user=request.user, editing=True)
    if form.is_valid():
        try:
            services.intelligence_note_update(
                by=request.user,
                note=note,
                expected_version=form.cleaned_data["version"],
                now=request.received_at,
                **_note_data(form.cleaned_data),
            )
        except PermissionDenied as error:
            raise denied(request, error) from None
        except NoteConflict as conflict:
            # The user's text stays as typed, now based on the current version: saving again is a deliberate choice.
            data = request.POST.copy()
            data["version"] = str(conflict.current.version)
            form = forms_intelligence.IntelligenceNoteForm(data, user=request.user, editing=True)
            form.is_valid()
            form.add_error(None, conflict)
            context["conflict"] = conflict.current
            context["conflict_html"] = render_markdown(conflict.current.body_markdown)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Note updated."))
            return redirect("consultations:intelligence_note_detail", pk=note.pk)
    return render(request, template, {"form": form, **context})


@require_POST
@login_required
def intelligence_attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    note = _note_for(request, pk, "consultations.write_intelligence")
    form = forms_intelligence.IntelligenceAttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.intelligence_attachment_add(
                by=request.user, note=note, upload=form.cleaned_data["file"], now=request.received_at
            )
        except PermissionDenied as error:
            raise denied(request, error) from None
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("“%(name)s” attached.") % {"name": attachment.original_name})
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("consultations:intelligence_note_detail", pk=note.pk)


@require_GET
@login_required
def intelligence_attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = selectors.intelligence_attachment_get_for(user=request.user, attachment_id=pk)
    attachment_services.attachment_download_record(by=request.user, attachment=attachment)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment_services.attachment_content_type(attachment),
    )
