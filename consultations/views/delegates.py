"""Delegate pages: the round calendar, chapters, our positions, drafting, filing, amending and co-signing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from consultations import forms
from consultations.models import Attachment, CoSignature, Organisation, Position
from consultations.selectors import positions as position_selectors
from consultations.selectors.positions import PositionFilters
from consultations.selectors.roles import user_organisation_ids
from consultations.selectors.rounds import round_list, round_next_open
from consultations.services import attachments as attachment_services
from consultations.services import cosignatures as cosignature_services
from consultations.services import positions as position_services
from consultations.services.errors import RoundClosed, VersionConflict
from consultations.views.helpers import add_service_error, can, error_text, paginate, require_perm


def _user_organisation(request: HttpRequest) -> Organisation:
    org_ids = sorted(user_organisation_ids(request.user))
    if not org_ids:
        raise Http404
    return Organisation.objects.get(pk=org_ids[0])


@require_GET
@login_required
def round_calendar(request: HttpRequest) -> HttpResponse:
    rounds = list(round_list())
    now = timezone.now()
    current = next((r for r in rounds if r.status_at(now) in {r.Status.OPEN, r.Status.IN_SESSION}), None)
    return render(
        request,
        "consultations/rounds/calendar.html",
        {"rounds": rounds, "current": current, "next_open": round_next_open(now=now)},
    )


@require_GET
@login_required
def chapter_list(request: HttpRequest) -> HttpResponse:
    chapters = position_selectors.chapter_list_with_counts(user=request.user)
    return render(request, "consultations/chapters/list.html", {"chapters": chapters})


@require_GET
@login_required
@vary_on_headers("HX-Request")
def position_list(request: HttpRequest) -> HttpResponse:
    if not user_organisation_ids(request.user):
        raise Http404
    filter_form = forms.PositionFilterForm(request.GET or None)
    filters = PositionFilters()
    if filter_form.is_valid():
        data = filter_form.cleaned_data
        filters = PositionFilters(
            round_id=data["round"].pk if data["round"] else None,
            chapter_id=data["chapter"].pk if data["chapter"] else None,
            status=data["status"] or None,
            query=data["q"],
        )
    page = paginate(position_selectors.position_list_for_organisation(user=request.user, filters=filters), request)
    template = "consultations/positions/list.html"
    if request.htmx:
        template += "#position-results"
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        template,
        {
            "page": page,
            "filter_form": filter_form,
            "query": query.urlencode(),
            "user_org_ids": user_organisation_ids(request.user),
        },
    )


def _render_draft_form(
    request: HttpRequest,
    form: forms.PositionDraftForm,
    position: Position | None = None,
    conflict: Position | None = None,
) -> HttpResponse:
    return render(
        request, "consultations/positions/form.html", {"form": form, "position": position, "conflict": conflict}
    )


def _conflict_form(
    form_class: type[forms.PositionContentForm], request: HttpRequest, conflict: VersionConflict
) -> forms.PositionContentForm:
    """The user's text kept as typed, now based on the current version, so saving again is a deliberate choice.

    The form gets its own copy of the position: a bound ModelForm writes the posted values onto its instance, and
    the current version must stay as it is to be shown beside.
    """
    data = request.POST.copy()
    data["version"] = str(conflict.current.version)
    form = form_class(data, instance=Position.objects.get(pk=conflict.current.pk))
    form.is_valid()
    form.add_error(None, conflict)
    return form


def _field_errors(request: HttpRequest, form: forms.PositionDraftForm) -> HttpResponse:
    """Inline validation: the message of the one field that changed, swapped in beside it and nothing else.

    The rest of the form is left alone, so focus and scroll stay where the user put them and a half-typed value
    in another field is never replaced.
    """
    name = request.POST.get("_validate", "")
    if name not in form.fields or form.fields[name].widget.is_hidden:
        return HttpResponseBadRequest()
    return render(request, "consultations/includes/field_errors.html", {"errors": form.errors.get(name, [])})


@require_http_methods(["GET", "POST"])
@login_required
def position_create(request: HttpRequest) -> HttpResponse:
    organisation = _user_organisation(request)
    if request.method == "GET":
        initial = {}
        if chapter := request.GET.get("chapter"):
            initial["chapter"] = chapter
        next_open = round_next_open()
        if next_open is not None:
            initial["round"] = next_open.pk
        return _render_draft_form(request, forms.PositionDraftForm(initial=initial))
    form = forms.PositionDraftForm(request.POST)
    valid = form.is_valid()
    if "_validate" in request.POST:
        return _field_errors(request, form)
    if not valid:
        return _render_draft_form(request, form)
    try:
        position = position_services.position_create(
            by=request.user,
            organisation=organisation,
            data=form.content(),
            client_token=form.cleaned_data.get("client_token"),
        )
    except ValidationError as error:
        add_service_error(form, error)
        return _render_draft_form(request, form)
    messages.success(request, _("Draft saved. File it before the round's deadline."))
    return redirect("consultations:position_detail", pk=position.pk)


@require_GET
@login_required
def position_detail(request: HttpRequest, pk: int) -> HttpResponse:
    position = position_selectors.position_get_for(user=request.user, position_id=pk)
    revisions = list(position.revisions.select_related("created_by").order_by("-number")[:2])
    last_change = (
        position_selectors.revision_diff(older=revisions[1], newer=revisions[0]) if len(revisions) == 2 else []
    )
    context = {
        "position": position,
        "latest_revision": revisions[0] if revisions else None,
        "last_change": last_change,
        "attachment_form": forms.AttachmentForm(),
        "cosign_form": forms.CoSignInviteForm(position=position),
        "is_author": position.organisation_id in user_organisation_ids(request.user),
        "next_open": None if position.round.accepts_input else round_next_open(exclude=position.round),
    }
    return render(request, "consultations/positions/detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def position_edit(request: HttpRequest, pk: int) -> HttpResponse:
    position = position_selectors.position_get_for(user=request.user, position_id=pk)
    require_perm(request, "consultations.edit_draft", position)
    if request.method == "GET":
        return _render_draft_form(request, forms.PositionDraftForm(instance=position), position)
    form = forms.PositionDraftForm(request.POST, instance=position)
    valid = form.is_valid()
    if "_validate" in request.POST:
        return _field_errors(request, form)
    if not valid:
        return _render_draft_form(request, form, position)
    try:
        position_services.position_update_draft(
            by=request.user, position=position, data=form.content(), expected_version=form.cleaned_data["version"]
        )
    except VersionConflict as conflict:
        form = _conflict_form(forms.PositionDraftForm, request, conflict)
        return _render_draft_form(request, form, position, conflict=conflict.current)
    except ValidationError as error:
        add_service_error(form, error)
        return _render_draft_form(request, form, position)
    messages.success(request, _("Draft saved."))
    return redirect("consultations:position_detail", pk=position.pk)


@require_POST
@login_required
def position_file(request: HttpRequest, pk: int) -> HttpResponse:
    position = position_selectors.position_get_for(user=request.user, position_id=pk)
    require_perm(request, "consultations.file_position", position)
    try:
        position = position_services.position_file(by=request.user, position=position)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        if position.is_filed:
            messages.success(request, _("Position filed for %(round)s.") % {"round": position.round.label})
        else:
            messages.success(request, _("Sent to your organisation's coordinator for sign-off."))
    return redirect("consultations:position_detail", pk=position.pk)


@require_POST
@login_required
def position_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    position = position_selectors.position_get_for(user=request.user, position_id=pk)
    require_perm(request, "consultations.sign_off_position", position)
    try:
        if request.POST.get("decision") == "return":
            position_services.position_return_to_draft(by=request.user, position=position)
            messages.success(request, _("Returned to draft."))
        else:
            position_services.position_sign_off(by=request.user, position=position)
            messages.success(request, _("Signed off and filed."))
    except ValidationError as error:
        messages.error(request, error_text(error))
    return redirect("consultations:position_detail", pk=position.pk)


@require_http_methods(["GET", "POST"])
@login_required
def position_amend(request: HttpRequest, pk: int) -> HttpResponse:
    position = position_selectors.position_get_for(user=request.user, position_id=pk)
    if not can(request.user, "consultations.amend_position", position):
        if position.organisation_id in user_organisation_ids(request.user) and not position.round.accepts_input:
            messages.error(request, error_text(RoundClosed(position.round, round_next_open(exclude=position.round))))
            return redirect("consultations:position_detail", pk=position.pk)
        raise Http404
    template = "consultations/positions/amend.html"
    if request.method == "GET":
        return render(request, template, {"form": forms.AmendForm(instance=position), "position": position})
    form = forms.AmendForm(request.POST, instance=position)
    conflict = None
    if form.is_valid():
        try:
            position_services.position_amend(
                by=request.user,
                position=position,
                data=form.content(),
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except VersionConflict as error:
            conflict = error.current
            form = _conflict_form(forms.AmendForm, request, error)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Amendment saved as a new revision."))
            return redirect("consultations:position_detail", pk=position.pk)
    return render(request, template, {"form": form, "position": position, "conflict": conflict})


@require_GET
@login_required
def position_revisions(request: HttpRequest, pk: int) -> HttpResponse:
    position = position_selectors.position_get_for(user=request.user, position_id=pk)
    revisions = position_selectors.revision_list_with_diffs(position=position)
    return render(request, "consultations/positions/revisions.html", {"position": position, "revisions": revisions})


@require_http_methods(["GET", "POST"])
@login_required
def position_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    position = position_selectors.position_get_for(user=request.user, position_id=pk)
    require_perm(request, "consultations.withdraw_position", position)
    form = forms.WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            position_services.position_withdraw(by=request.user, position=position, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("Position withdrawn. Its record and revisions are kept."))
        return redirect("consultations:position_detail", pk=position.pk)
    return render(request, "consultations/positions/withdraw.html", {"position": position, "form": form})


@require_POST
@login_required
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    position = position_selectors.position_get_for(user=request.user, position_id=pk)
    require_perm(request, "consultations.add_attachment", position)
    form = forms.AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = attachment_services.attachment_add(
                by=request.user, position=position, upload=form.cleaned_data["file"]
            )
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("“%(name)s” attached.") % {"name": attachment.original_name})
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("consultations:position_detail", pk=position.pk)


def _attachment_for(request: HttpRequest, pk: int) -> Attachment:
    visible = position_selectors.position_list_visible_to(user=request.user)
    return get_object_or_404(Attachment.objects.select_related("position"), pk=pk, position__in=visible)


@require_GET
@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = _attachment_for(request, pk)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment_services.attachment_content_type(attachment),
    )


@require_http_methods(["GET", "POST"])
@login_required
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = _attachment_for(request, pk)
    require_perm(request, "consultations.delete_attachment", attachment.position)
    if request.method == "POST":
        try:
            attachment_services.attachment_delete(by=request.user, attachment=attachment)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("“%(name)s” removed.") % {"name": attachment.original_name})
        return redirect("consultations:position_detail", pk=attachment.position_id)
    return render(request, "consultations/positions/attachment_delete.html", {"attachment": attachment})


@require_POST
@login_required
def cosignature_invite(request: HttpRequest, pk: int) -> HttpResponse:
    position = position_selectors.position_get_for(user=request.user, position_id=pk)
    require_perm(request, "consultations.invite_cosigner", position)
    form = forms.CoSignInviteForm(request.POST, position=position)
    if form.is_valid():
        organisation = form.cleaned_data["organisation"]
        try:
            cosignature_services.cosignature_invite(by=request.user, position=position, organisation=organisation)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("%(organisation)s was invited to co-sign.") % {"organisation": organisation})
    else:
        messages.error(request, _("Choose an organisation to invite."))
    return redirect("consultations:position_detail", pk=position.pk)


@require_GET
@login_required
def cosignature_list(request: HttpRequest) -> HttpResponse:
    if not user_organisation_ids(request.user):
        raise Http404
    page = paginate(position_selectors.cosignature_list_for(user=request.user), request)
    return render(request, "consultations/cosignatures/list.html", {"page": page})


@require_POST
@login_required
def cosignature_respond(request: HttpRequest, pk: int) -> HttpResponse:
    cosignature = get_object_or_404(
        CoSignature.objects.select_related("position"), pk=pk, organisation_id__in=user_organisation_ids(request.user)
    )
    accept = request.POST.get("decision") == "accept"
    try:
        cosignature_services.cosignature_respond(by=request.user, cosignature=cosignature, accept=accept)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Co-signed.") if accept else _("Invitation declined."))
    return redirect("consultations:cosignature_list")
