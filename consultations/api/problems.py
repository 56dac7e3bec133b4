"""Every API error as RFC 9457 problem details (``application/problem+json``), in the user's language.

``type`` is a tag URI naming the kind of problem (stable, for clients to branch on); ``title`` says it in the
user's language; ``errors`` lists field errors as ``{"field": ..., "message": ...}``.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from consultations.services.errors import TriageConflict, VersionConflict

PROBLEM_TYPE = "tag:cuartodejunto.mx,2026:problem/"
CONTENT_TYPE = "application/problem+json"


class FieldError(Schema):
    field: str
    message: str


class Problem(Schema):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] | None = None
    current_version: int | None = None
    retry_after: int | None = None


class ApiProblem(Exception):
    """Raised anywhere in an API operation to answer with a problem."""

    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str = "",
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(title)
        self.status, self.code, self.title, self.detail = status, code, title, detail
        self.errors, self.headers, self.extra = errors, headers or {}, extra


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str = "",
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> HttpResponse:
    body: dict[str, Any] = {"type": PROBLEM_TYPE + code, "title": str(title), "status": status}
    if detail:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = [{"field": e["field"], "message": str(e["message"])} for e in errors]
    body.update({key: value for key, value in extra.items() if value is not None})
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE)
    for name, value in headers.items() if headers else ():
        response[name] = value
    return response


# Pydantic's messages are English only: the usual ones are said again here, translated.
_PYDANTIC_MESSAGES = {
    "missing": gettext_lazy("This field is required."),
    "extra_forbidden": gettext_lazy("Unknown field: it is not part of this request."),
    "string_too_long": gettext_lazy("At most %(max_length)s characters."),
    "string_too_short": gettext_lazy("At least %(min_length)s characters."),
    "string_type": gettext_lazy("Expected text."),
    "int_parsing": gettext_lazy("Expected a whole number."),
    "int_type": gettext_lazy("Expected a whole number."),
    "int_from_float": gettext_lazy("Expected a whole number."),
    "bool_parsing": gettext_lazy("Expected true or false."),
    "bool_type": gettext_lazy("Expected true or false."),
    "datetime_parsing": gettext_lazy("Expected a date and time (ISO 8601)."),
    "datetime_from_date_parsing": gettext_lazy("Expected a date and time (ISO 8601)."),
    "datetime_type": gettext_lazy("Expected a date and time (ISO 8601)."),
    "timezone_aware": gettext_lazy("Give the time zone (e.g. Z or -06:00)."),
    "enum": gettext_lazy("Choose one of: %(expected)s."),
    "literal_error": gettext_lazy("Choose one of: %(expected)s."),
    "greater_than_equal": gettext_lazy("At least %(ge)s."),
    "less_than_equal": gettext_lazy("At most %(le)s."),
    "greater_than": gettext_lazy("More than %(gt)s."),
    "list_type": gettext_lazy("Expected a list."),
    "model_attributes_type": gettext_lazy("Expected a JSON object."),
    "dict_type": gettext_lazy("Expected a JSON object."),
    "too_long": gettext_lazy("At most %(max_length)s items."),
    "value_error": gettext_lazy("This value is not valid."),
}


def _pydantic_message(error: dict[str, Any]) -> str:
    template = _PYDANTIC_MESSAGES.get(error.get("type", ""))
    if template is None:
        return _("This value is not valid.")
    try:
        return str(template) % {key: value for key, value in (error.get("ctx") or {}).items()}
    except (KeyError, TypeError, ValueError):
        return _("This value is not valid.")


def _field_name(loc: list[Any] | tuple[Any, ...]) -> str:
    # ninja's locations start with where the value came from ("body", "query", "path", "header") and, for a
    # body, the parameter's name: the client wants the field as it sent it.
    parts = [str(part) for part in loc]
    if parts and parts[0] in ("body", "form", "file"):
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    elif parts and parts[0] in ("query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _service_errors(error: DjangoValidationError) -> list[dict[str, str]]:
    if hasattr(error, "error_dict"):
        return [
            {"field": "body" if field == "__all__" else field, "message": message}
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return []


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ApiProblem)
    def api_problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
        return problem_response(
            exc.status, exc.code, exc.title, exc.detail, errors=exc.errors, headers=exc.headers, **exc.extra
        )

    @api.exception_handler(NinjaValidationError)
    def request_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = [{"field": _field_name(e.get("loc", ())), "message": _pydantic_message(e)} for e in exc.errors]
        unknown = sorted(
            {e["field"] for e, raw in zip(errors, exc.errors, strict=True) if raw.get("type") == "extra_forbidden"}
        )
        detail = _("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)} if unknown else ""
        return problem_response(422, "invalid", _("The request has invalid values."), detail, errors=errors)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem_response(
            401,
            "unauthenticated",
            _("A valid API token is required."),
            _("Send “Authorization: Bearer <token>” with a token that is neither expired nor revoked."),
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:
            return problem_response(400, "malformed", _("The request body is not valid JSON."))
        return problem_response(exc.status_code, "error", str(exc))

    @api.exception_handler(Http404)
    @api.exception_handler(PermissionDenied)
    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Forbidden and missing look the same.
        return problem_response(404, "not-found", _("Not found."))

    @api.exception_handler(RequestDataTooBig)
    @api.exception_handler(TooManyFieldsSent)
    def too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem_response(413, "too-large", _("The request is too large."))

    @api.exception_handler(VersionConflict)
    def conflict(request: HttpRequest, exc: VersionConflict) -> HttpResponse:
        return problem_response(
            412,
            "version-conflict",
            _("The position changed since the version you sent."),
            exc.messages[0],
            current_version=exc.current.version,
            headers={"ETag": f'"{exc.current.version}"'},
        )

    @api.exception_handler(TriageConflict)
    def triage_conflict(request: HttpRequest, exc: TriageConflict) -> HttpResponse:
        return problem_response(
            412,
            "version-conflict",
            _("The position's triage changed since the version you sent."),
            exc.messages[0],
            current_version=exc.current.triage_version,
            headers={"ETag": f'"{exc.current.triage_version}"'},
        )

    @api.exception_handler(DjangoValidationError)
    def refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        errors = _service_errors(exc)
        if errors:
            return problem_response(422, "invalid", _("The request has invalid values."), errors=errors)
        code = getattr(exc, "code", None) or "refused"
        return problem_response(409, f"refused/{code}", _("Refused."), " ".join(exc.messages))
