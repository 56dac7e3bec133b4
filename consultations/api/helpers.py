"""Small things the API routers share."""

from __future__ import annotations

from typing import Any

import rules
from django.forms import Form
from django.http import Http404
from django.utils.translation import gettext as _

from consultations.api.problems import ApiProblem
from consultations.services.audit import audit_denial


def require_perm(user: Any, perm: str, obj: Any) -> None:
    """The same rules as the pages; a forbidden action answers exactly like a missing object (and leaves an
    audit row)."""
    if not rules.has_perm(perm, user, obj):
        audit_denial(user=user, permission=perm, target=obj)
        raise Http404


def form_problem(form: Form) -> ApiProblem:
    """The page form's own messages (in the user's language) as a problem's field errors."""
    errors = [
        {"field": "body" if field == "__all__" else field, "message": error["message"]}
        for field, field_errors in form.errors.get_json_data().items()
        for error in field_errors
    ]
    return ApiProblem(422, "invalid", _("The request has invalid values."), errors=errors)
