"""The API's interactive documentation, served by this site under its Content Security Policy: the Swagger UI
files shipped in the pinned django-ninja wheel (``ninja/static/ninja/``), started by a script of ours
(``static/js/api-docs.js``) that reads the schema's address from a data attribute. No CDN, no inline script."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def api_docs(request: HttpRequest) -> HttpResponse:
    return render(request, "api/docs.html")
