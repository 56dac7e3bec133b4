"""Preferences → API tokens: create (the secret is shown once), list, revoke with a confirmation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consultations.forms.api_tokens import ApiTokenForm
from consultations.selectors.api_tokens import api_token_get_for, api_token_list_for
from consultations.services import api_tokens as services
from consultations.views.helpers import add_service_error, can

TEMPLATE = "consultations/api_tokens/list.html"


def _require_may_hold(request: HttpRequest) -> None:
    if not can(request.user, "consultations.hold_api_token", None):
        raise Http404


@require_http_methods(["GET", "POST"])
@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    _require_may_hold(request)
    form = ApiTokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = services.api_token_create(
                by=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_at=form.expires_at(request.received_at),
                now=request.received_at,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            # Not a redirect: the secret is in this answer only, never stored, never in a URL or the session.
            form = ApiTokenForm()
            return render(
                request,
                TEMPLATE,
                {"form": form, "tokens": api_token_list_for(user=request.user), "secret": secret, "created": token},
            )
    return render(request, TEMPLATE, {"form": form, "tokens": api_token_list_for(user=request.user)})


@require_http_methods(["GET", "POST"])
@login_required
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = api_token_get_for(user=request.user, token_id=pk)
    if request.method == "POST":
        services.api_token_revoke(by=request.user, token=token, now=request.received_at)
        messages.success(request, _("Token “%(name)s” revoked: it no longer works.") % {"name": token.name})
        return redirect("consultations:api_tokens")
    return render(request, "consultations/api_tokens/revoke.html", {"token": token})
