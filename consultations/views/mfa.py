"""Second-factor pages of our own: an organisation's rule, and an admin's reset of someone's authenticators.

Setting up, using and removing an authenticator app are allauth.mfa's pages (/accounts/2fa/), in our templates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consultations.forms.mfa import MFAResetForm, OrganisationSecondFactorForm
from consultations.selectors import mfa as selectors
from consultations.services import mfa as services
from consultations.views.accounts import _organisation_id
from consultations.views.helpers import form_page


@require_http_methods(["GET", "POST"])
@login_required
def organisation_second_factor(request: HttpRequest) -> HttpResponse:
    organisation = selectors.organisation_get_for_second_factor(
        user=request.user, organisation_id=_organisation_id(request)
    )

    def save(data: dict) -> HttpResponse:
        services.organisation_require_second_factor(
            by=request.user, organisation=organisation, required=data["required"]
        )
        if data["required"]:
            messages.success(
                request, _("Members of %(organisation)s now sign in in two steps.") % {"organisation": organisation}
            )
        else:
            messages.success(
                request,
                _("Two-step sign-in is now optional for members of %(organisation)s.") % {"organisation": organisation},
            )
        return redirect(f"{reverse('consultations:organisation_second_factor')}?organisation={organisation.pk}")

    return form_page(
        request,
        "consultations/mfa/organisation_second_factor.html",
        OrganisationSecondFactorForm,
        save,
        initial={"required": organisation.requires_second_factor},
        context={"organisation": organisation},
    )


@require_http_methods(["GET", "POST"])
@login_required
def mfa_reset(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.user_get_for_mfa_reset(by=request.user, user_id=pk)

    def save(data: dict) -> HttpResponse:
        services.mfa_reset(user=account, by=request.user)
        messages.success(
            request,
            _(
                "%(person)s's authenticator app and recovery codes are removed. "
                "They set up a new one at their next sign-in."
            )
            % {"person": account},
        )
        return redirect(reverse("admin:consultations_user_change", args=[account.pk]))

    return form_page(
        request,
        "consultations/mfa/mfa_reset.html",
        MFAResetForm,
        save,
        context={"account": account, "authenticators": selectors.authenticator_list_for(user=account)},
    )
