from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from consultations.selectors.roles import user_landing


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect(user_landing(request.user))
