from __future__ import annotations

from collections.abc import Callable
from typing import Any

import rules
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.http import content_disposition_header

from consultations.forms.fields import parse_id
from consultations.services.audit import audit_denial


def can(user: Any, perm: str, obj: Any) -> bool:
    """Ask the rules themselves. ``user.has_perm`` would wave a superuser through actions that belong to an
    organisation's members (admins manage objects in the admin, they do not file positions)."""
    return rules.has_perm(perm, user, obj)


def require_perm(request: HttpRequest, perm: str, obj: Any) -> None:
    """A forbidden action answers exactly like a missing object (and leaves an audit row)."""
    if not can(request.user, perm, obj):
        audit_denial(user=request.user, permission=perm, target=obj)
        raise Http404


def denied(request: HttpRequest, error: PermissionDenied, target: Any = None) -> Http404:
    """A service refused the user (PermissionDenied): one audit row, and the 404 the user sees instead."""
    audit_denial(user=request.user, permission=str(error) or type(error).__name__, target=target)
    return Http404()


def paginate(queryset: QuerySet, request: HttpRequest, per_page: int = 25) -> Page:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def add_service_error(form: Form, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form: field errors to fields, the rest on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def form_page(
    request: HttpRequest,
    template: str,
    make_form: Callable[..., Form],
    save: Callable[[dict[str, Any]], HttpResponse],
    *,
    initial: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """The shape of a plain form page: GET shows ``make_form(initial=...)``; a valid POST calls ``save`` with the
    cleaned data and answers what it returns (a redirect). A service's ValidationError goes back into the form, and
    a PermissionDenied answers like a missing page."""
    if request.method != "POST":
        return render(request, template, {"form": make_form(initial=initial or {}), **(context or {})})
    form = make_form(request.POST)
    if form.is_valid():
        try:
            return save(form.cleaned_data)
        except PermissionDenied as error:
            raise denied(request, error) from None
        except ValidationError as error:
            add_service_error(form, error)
    return render(request, template, {"form": form, **(context or {})})


def initial_chapter(request: HttpRequest) -> dict[str, str]:
    """A form's chapter preselected from ``?chapter=`` (a link from the chapter's page)."""
    chapter = parse_id(request.GET.get("chapter"))
    return {"chapter": chapter} if chapter is not None else {}


def render_filtered_list(
    request: HttpRequest,
    template: str,
    partial: str,
    queryset: QuerySet,
    filter_form: Form,
    *,
    per_page: int = 25,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """A filtered, paginated list page; htmx asks for its ``partial`` (the results) alone. ``query`` keeps the
    filters for the pagination links."""
    query = request.GET.copy()
    query.pop("page", None)
    page_context = {
        "page": paginate(queryset, request, per_page=per_page),
        "filter_form": filter_form,
        "query": query.urlencode(),
        **(context or {}),
    }
    return render(request, f"{template}#{partial}" if request.htmx else template, page_context)


def act(request: HttpRequest, call: Callable[[], Any], success: str | Callable[[Any], str]) -> Any | None:
    """Run a one-click action's service: a refusal becomes an error message (and None), success a success message
    (``success`` may build it from the service's result), which is returned."""
    try:
        result = call()
    except ValidationError as error:
        messages.error(request, error_text(error))
        return None
    messages.success(request, success(result) if callable(success) else success)
    return result


def remember_language(response: HttpResponse, language: str) -> HttpResponse:
    """Keep ``language`` in the language cookie, so the sign-in page after signing out speaks it too."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def as_download(response: HttpResponse | StreamingHttpResponse, filename: str) -> HttpResponse:
    """A file the browser saves (never renders): its name, and no guessing of its type."""
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def in_language(lines, language: str):  # noqa: ANN001, ANN202 - a generator of str
    """The rows are written while the response streams, after the view returned: keep the reader's language."""
    with translation.override(language):
        yield from lines
