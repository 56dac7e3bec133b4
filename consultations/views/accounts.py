"""Account pages: accepting an invitation, an organisation's members, inviting officials, preferences."""

from __future__ import annotations

from allauth.account.internal.flows.login import record_authentication
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consultations.forms.accounts import (
    FollowedChaptersForm,
    InvitationAcceptExistingForm,
    InvitationAcceptForm,
    MemberInviteForm,
    OfficialInviteForm,
    PreferencesForm,
)
from consultations.models import Invitation, Organisation, User
from consultations.selectors import accounts as selectors
from consultations.services import invitations as services
from consultations.services.accounts import organisation_follow_chapters, user_update_preferences
from consultations.views.helpers import act, add_service_error, error_text, form_page, remember_language

# Why an invitation cannot be used, and the status its page answers with.
UNUSABLE_STATUS = {"invalid": 404, "used": 410, "revoked": 410, "expired": 410}


def _error_code(error: ValidationError) -> str | None:
    return getattr(error, "code", None)


def _invitation_unusable(request: HttpRequest, error: ValidationError) -> HttpResponse:
    return render(
        request,
        "consultations/accounts/invitation_unusable.html",
        {"message": error_text(error), "code": _error_code(error)},
        status=UNUSABLE_STATUS.get(_error_code(error) or "", 404),
    )


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_get_usable(token=token)
    except ValidationError as error:
        return _invitation_unusable(request, error)
    existing = services.invitation_existing_user(invitation=invitation) is not None
    form_class = InvitationAcceptExistingForm if existing else InvitationAcceptForm
    form = form_class(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token, full_name=form.cleaned_data.get("full_name", ""), password=form.password
            )
        except ValidationError as error:
            if _error_code(error) in UNUSABLE_STATUS:
                return _invitation_unusable(request, error)
            add_service_error(form, error)
        else:
            if not existing:
                # Keep the language the new account chose on this page.
                language = translation.get_language() or settings.LANGUAGE_CODE
                if language in User.Language.values:
                    user_update_preferences(user=user, language=language, time_zone=user.time_zone)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            # The password was chosen a moment ago: a fresh proof, so an official sent on to set up the
            # authenticator app is not asked it again (see AccountAdapter.post_login).
            record_authentication(request, user, "invitation", reauthenticated=True)
            messages.success(request, _("Welcome to Cuarto de Junto."))
            return redirect("consultations:home")
    return render(
        request,
        "consultations/accounts/invitation_accept.html",
        {"invitation": invitation, "form": form, "existing": existing},
    )


def _organisation_id(request: HttpRequest) -> int | None:
    value = request.GET.get("organisation")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise Http404 from None


def _member_list_url(organisation: Organisation) -> str:
    return f"{reverse('consultations:member_list')}?organisation={organisation.pk}"


@require_http_methods(["GET", "POST"])
@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    organisation = selectors.organisation_get_coordinated(user=request.user, organisation_id=_organisation_id(request))

    def save(data: dict) -> HttpResponse:
        invitation, _token = services.invitation_create(
            by=request.user, email=data["email"], role=data["role"], organisation=organisation
        )
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
        return redirect(_member_list_url(organisation))

    return form_page(
        request,
        "consultations/accounts/member_list.html",
        MemberInviteForm,
        save,
        context={
            "organisation": organisation,
            "organisations": selectors.organisation_list_coordinated_by(user=request.user),
            "memberships": selectors.membership_list_for(organisation=organisation),
            "invitations": selectors.invitation_list_pending(organisation=organisation),
            "invitation_ttl_days": settings.INVITATION_TTL_DAYS,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = selectors.membership_get_for(user=request.user, membership_id=pk)
    organisation = membership.organisation
    if request.method == "POST":
        try:
            services.membership_remove(by=request.user, membership=membership)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(
                request,
                _("%(person)s no longer belongs to %(organisation)s.")
                % {"person": membership.user, "organisation": organisation},
            )
            if membership.user_id == request.user.pk:
                return redirect("consultations:home")
        return redirect(_member_list_url(organisation))
    return render(
        request,
        "consultations/accounts/member_remove.html",
        {
            "membership": membership,
            "organisation": organisation,
            "is_self": membership.user_id == request.user.pk,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = selectors.invitation_get_revocable_by(user=request.user, invitation_id=pk)
    back = (
        reverse("consultations:official_invite")
        if invitation.organisation is None
        else _member_list_url(invitation.organisation)
    )
    if request.method == "POST":
        act(
            request,
            lambda: services.invitation_revoke(by=request.user, invitation=invitation),
            _("The invitation for %(email)s was withdrawn.") % {"email": invitation.email},
        )
        return redirect(back)
    return render(
        request, "consultations/accounts/invitation_revoke.html", {"invitation": invitation, "back_url": back}
    )


@require_http_methods(["GET", "POST"])
@login_required
def official_invite(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("consultations.invite_official"):
        raise Http404

    def save(data: dict) -> HttpResponse:
        invitation, _token = services.invitation_create(
            by=request.user, email=data["email"], role=Invitation.Role.OFFICIAL, ministry=data["ministry"]
        )
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
        return redirect("consultations:official_invite")

    return form_page(
        request,
        "consultations/accounts/official_invite.html",
        OfficialInviteForm,
        save,
        context={
            "invitations": selectors.invitation_list_pending(organisation=None),
            "invitation_ttl_days": settings.INVITATION_TTL_DAYS,
        },
    )


def _safe_next(request: HttpRequest) -> str | None:
    url = request.POST.get("next", "")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


@require_http_methods(["GET", "POST"])
@login_required
def organisation_chapters(request: HttpRequest) -> HttpResponse:
    """The chapters the organisation follows: every member sees them, its coordinators change them."""
    organisation = selectors.organisation_get_for_member(user=request.user, organisation_id=_organisation_id(request))
    can_change = request.user.has_perm("consultations.manage_members", organisation)
    if request.method == "POST" and not can_change:
        raise Http404
    followed = list(organisation.followed_chapters.all())

    def save(data: dict) -> HttpResponse:
        organisation_follow_chapters(by=request.user, organisation=organisation, chapters=list(data["chapters"]))
        messages.success(
            request, _("%(organisation)s now follows the chapters ticked.") % {"organisation": organisation}
        )
        return redirect(f"{reverse('consultations:organisation_chapters')}?organisation={organisation.pk}")

    return form_page(
        request,
        "consultations/accounts/organisation_chapters.html",
        FollowedChaptersForm,
        save,
        initial={"chapters": followed},
        context={
            "organisation": organisation,
            "followed": followed,
            "can_change": can_change,
            "organisations": selectors.organisation_list_for_member(user=request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """Language and time zone of the signed-in user; the header's language switcher posts here too."""
    user = request.user
    form = PreferencesForm(request.POST or None, initial={"language": user.language, "time_zone": user.time_zone})
    if request.method == "POST" and form.is_valid():
        try:
            user_update_preferences(
                user=user,
                language=form.cleaned_data["language"],
                time_zone=form.cleaned_data["time_zone"] or user.time_zone,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            translation.activate(user.language)
            messages.success(request, _("Your preferences were saved."))
            # Not redirect(next): it would take a bare word such as "0" for the name of a view.
            next_url = _safe_next(request)
            response = HttpResponseRedirect(next_url) if next_url else redirect("consultations:preferences")
            return remember_language(response, user.language)
    return render(request, "consultations/accounts/preferences.html", {"form": form})
