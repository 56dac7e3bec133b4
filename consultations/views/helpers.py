from __future__ import annotations

from typing import Any

import rules
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest


def can(user: Any, perm: str, obj: Any) -> bool:
    """Ask the rules themselves. ``user.has_perm`` would wave a superuser through actions that belong to an
    organisation's members (admins manage objects in the admin, they do not file positions)."""
    return rules.has_perm(perm, user, obj)


def require_perm(request: HttpRequest, perm: str, obj: Any) -> None:
    """A forbidden action answers exactly like a missing object."""
    if not can(request.user, perm, obj):
        raise Http404


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
