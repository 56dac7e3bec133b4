"""Delegate pages: the round calendar, chapters, our positions, drafting, filing, amending and co-signing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from consultations.forms import positions as forms
from consultations.models import Attachment, CoSignature, Organisation, Position, PositionStatus, ProposedAmendment
from consultations.selectors import positions as position_selectors
from consultations.selectors.roles import user_coordinated_organisation_ids, user_organisation_ids
from consultations.selectors.rounds import round_current, round_list, round_next_open
from consultations.selectors.state_of_play import chapter_status_lines_for, chapters_readable_by
from consultations.services import attachments as attachment_services
from consultations.services import cosignatures as cosignature_services
from consultations.services import positions as position_services
from consultations.services.errors import RoundClosed, VersionConflict
from consultations.views.helpers import (
    act,
    add_service_error,
    can,
    denied,
    error_text,
    paginate,
    render_filtered_list,
    require_perm,
)

SENT_BACK_TO_DRAFT = gettext_lazy(
    "Draft saved. It was awaiting sign-off and has gone back to draft, because the coordinator had not seen this "
    "text: send it for sign-off again when it is ready."
)
AMENDMENT_PROPOSED = gettext_lazy(
    "Amendment sent to your organisation's coordinator for sign-off. The filed text stays as it is until they "
    "approve it."
)


def _position(request: HttpRequest, pk: int, perm: str | None = None) -> Position:
    """The position the user may see, and may act on with ``perm``; anything else is a 404."""
    position = position_selectors.position_get_for(user=request.user, position_id=pk)
    if perm is not None:
        require_perm(request, perm, position)
    return position


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
    current = round_current(rounds=rounds, now=now)
    return render(
        request,
        "consultations/rounds/calendar.html",
        {"rounds": rounds, "current": current, "next_open": round_next_open(now=now)},
    )


@require_GET
@login_required
def chapter_list(request: HttpRequest) -> HttpResponse:
    chapters = position_selectors.chapter_list_with_counts(user=request.user)
    readable = set(chapters_readable_by(user=request.user).values_list("pk", flat=True))
    return render(
        request,
        "consultations/chapters/list.html",
        {
            "chapters": chapters,
            "status_lines": chapter_status_lines_for(readable=readable),
            "readable": readable,
        },
    )


@require_GET
@login_required
@vary_on_headers("HX-Request")
def position_list(request: HttpRequest) -> HttpResponse:
    if not user_organisation_ids(request.user):
        raise Http404
    coordinator = bool(user_coordinated_organisation_ids(request.user))
    filter_form = forms.PositionFilterForm(request.GET or None, coordinator=coordinator)
    filters = filter_form.filters()
    return render_filtered_list(
        request,
        "consultations/positions/list.html",
        "position-results",
        position_selectors.position_list_for_organisation(user=request.user, filters=filters),
        filter_form,
        context={
            "user_org_ids": user_organisation_ids(request.user),
            "signoff_count": position_selectors.position_count_awaiting_signoff(user=request.user),
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


def _versioned_save(
    request: HttpRequest, form: forms.PositionContentForm, save: Callable[[int], Any]
) -> tuple[Any, forms.PositionContentForm, Position | None]:
    """Run a save checked against the version the form was opened at: (result, form, None) when it went through;
    (None, the form rebuilt on the current version with the user's text kept, the current position) on a conflict;
    (None, the form with the service's refusal, None) otherwise."""
    try:
        return save(form.cleaned_data["version"]), form, None
    except VersionConflict as conflict:
        return None, _conflict_form(type(form), request, conflict), conflict.current
    except ValidationError as error:
        add_service_error(form, error)
        return None, form, None


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
            now=request.received_at,
        )
    except ValidationError as error:
        add_service_error(form, error)
        return _render_draft_form(request, form)
    messages.success(request, _("Draft saved. File it before the round's deadline."))
    return redirect("consultations:position_detail", pk=position.pk)


@require_GET
@login_required
def position_detail(request: HttpRequest, pk: int) -> HttpResponse:
    position = _position(request, pk)
    is_author = position.organisation_id in user_organisation_ids(request.user)
    context = {
        "position": position,
        "proposed_amendment": position_selectors.proposed_amendment_pending(position=position) if is_author else None,
        "latest": position_selectors.revision_last_change(user=request.user, position=position),
        "attachment_form": forms.AttachmentForm(),
        "cosign_form": forms.CoSignInviteForm(position=position),
        "is_author": is_author,
        "next_open": None if position.round.accepts_input else round_next_open(exclude=position.round),
    }
    return render(request, "consultations/positions/detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def position_edit(request: HttpRequest, pk: int) -> HttpResponse:
    position = _position(request, pk, "consultations.edit_draft")
    if request.method == "GET":
        return _render_draft_form(request, forms.PositionDraftForm(instance=position), position)
    form = forms.PositionDraftForm(request.POST, instance=position)
    valid = form.is_valid()
    if "_validate" in request.POST:
        return _field_errors(request, form)
    if not valid:
        return _render_draft_form(request, form, position)
    was_awaiting = position.status == PositionStatus.AWAITING_SIGNOFF
    data = form.content()
    saved, form, conflict = _versioned_save(
        request,
        form,
        lambda version: position_services.position_update_draft(
            by=request.user, position=position, data=data, expected_version=version, now=request.received_at
        ),
    )
    if saved is None:
        return _render_draft_form(request, form, position, conflict=conflict)
    if was_awaiting and saved.status == PositionStatus.DRAFT:
        messages.warning(request, SENT_BACK_TO_DRAFT)
    else:
        messages.success(request, _("Draft saved."))
    return redirect("consultations:position_detail", pk=position.pk)


@require_POST
@login_required
def position_file(request: HttpRequest, pk: int) -> HttpResponse:
    position = _position(request, pk, "consultations.file_position")

    def done(filed: Position) -> str:
        if filed.is_filed:
            return _("Position filed for %(round)s.") % {"round": filed.round.localized_label}
        return _("Sent to your organisation's coordinator for sign-off.")

    act(
        request,
        lambda: position_services.position_file(by=request.user, position=position, now=request.received_at),
        done,
    )
    return redirect("consultations:position_detail", pk=position.pk)


def _posted_int(request: HttpRequest, name: str) -> int | None:
    try:
        return int(request.POST.get(name, ""))
    except ValueError:
        return None


@require_POST
@login_required
def position_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    """A coordinator approves or returns a draft awaiting sign-off, or a proposed amendment (``proposal``)."""
    position = _position(request, pk)
    if "proposal" in request.POST:
        return _amendment_sign_off(request, position)
    require_perm(request, "consultations.sign_off_position", position)
    if request.POST.get("decision") == "return":
        act(
            request,
            lambda: position_services.position_return_to_draft(by=request.user, position=position),
            _("Returned to draft."),
        )
    else:
        version = _posted_int(request, "version")
        act(
            request,
            lambda: position_services.position_sign_off(
                by=request.user, position=position, expected_version=version, now=request.received_at
            ),
            _("Signed off and filed."),
        )
    return redirect("consultations:position_detail", pk=position.pk)


def _amendment_sign_off(request: HttpRequest, position: Position) -> HttpResponse:
    require_perm(request, "consultations.sign_off_amendment", position)
    proposal = get_object_or_404(ProposedAmendment, pk=_posted_int(request, "proposal"), position=position)
    if request.POST.get("decision") == "return":
        service, done = position_services.amendment_return, _("Amendment returned; the filed text is unchanged.")
    else:
        service, done = position_services.amendment_sign_off, _("Amendment signed off and filed as a new revision.")
    act(request, lambda: service(by=request.user, proposal=proposal, now=request.received_at), done)
    return redirect("consultations:position_detail", pk=position.pk)


@require_http_methods(["GET", "POST"])
@login_required
def position_amend(request: HttpRequest, pk: int) -> HttpResponse:
    position = _position(request, pk)
    if not can(request.user, "consultations.amend_position", position):
        round_open = position.round.accepts_input_at(request.received_at)
        if position.organisation_id in user_organisation_ids(request.user) and not round_open:
            messages.error(request, error_text(RoundClosed(position.round, round_next_open(exclude=position.round))))
            return redirect("consultations:position_detail", pk=position.pk)
        raise Http404
    template = "consultations/positions/amend.html"
    if request.method == "GET":
        return render(request, template, {"form": forms.AmendForm(instance=position), "position": position})
    form = forms.AmendForm(request.POST, instance=position)
    conflict = None
    if form.is_valid():
        data, reason = form.content(), form.cleaned_data["reason"]
        result, form, conflict = _versioned_save(
            request,
            form,
            lambda version: position_services.position_amend(
                by=request.user,
                position=position,
                data=data,
                reason=reason,
                expected_version=version,
                now=request.received_at,
            ),
        )
        if result is not None:
            proposed = isinstance(result, ProposedAmendment)
            messages.success(request, AMENDMENT_PROPOSED if proposed else _("Amendment saved as a new revision."))
            return redirect("consultations:position_detail", pk=position.pk)
    return render(request, template, {"form": form, "position": position, "conflict": conflict})


@require_GET
@login_required
def position_revisions(request: HttpRequest, pk: int) -> HttpResponse:
    position = _position(request, pk)
    revisions = position_selectors.revision_list_with_diffs(user=request.user, position=position)
    return render(request, "consultations/positions/revisions.html", {"position": position, "revisions": revisions})


@require_http_methods(["GET", "POST"])
@login_required
def position_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    position = _position(request, pk, "consultations.withdraw_position")
    form = forms.WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            position_services.position_withdraw(
                by=request.user, position=position, reason=form.cleaned_data["reason"], now=request.received_at
            )
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("Position withdrawn. Its record and revisions are kept."))
        return redirect("consultations:position_detail", pk=position.pk)
    return render(request, "consultations/positions/withdraw.html", {"position": position, "form": form})


@require_POST
@login_required
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    position = _position(request, pk, "consultations.add_attachment")
    form = forms.AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = attachment_services.attachment_add(
                by=request.user, position=position, upload=form.cleaned_data["file"], now=request.received_at
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
    attachment_services.attachment_download_record(by=request.user, attachment=attachment)
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
        act(
            request,
            lambda: attachment_services.attachment_delete(by=request.user, attachment=attachment),
            _("“%(name)s” removed.") % {"name": attachment.original_name},
        )
        return redirect("consultations:position_detail", pk=attachment.position_id)
    return render(request, "consultations/positions/attachment_delete.html", {"attachment": attachment})


@require_POST
@login_required
def cosignature_invite(request: HttpRequest, pk: int) -> HttpResponse:
    position = _position(request, pk, "consultations.invite_cosigner")
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
    except PermissionDenied as error:
        raise denied(request, error, cosignature) from None
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Co-signed.") if accept else _("Invitation declined."))
    return redirect("consultations:cosignature_list")
