"""What every API write shares: the write scope, ``Idempotency-Key`` replay, ``If-Match``, an audit row, and the
answer serialised once so that the same bytes can be replayed."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema

from consultations.api.problems import ApiProblem
from consultations.services.api_tokens import idempotent_request_claim, idempotent_request_store
from consultations.services.audit import audit_record
from consultations.services.retry import retry_on_conflict

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200

# Documented on every write (see ``write``); schemathesis sends these too.
WRITE_HEADERS = {
    "parameters": [
        {
            "name": IDEMPOTENCY_HEADER,
            "in": "header",
            "required": False,
            "description": "Any unique string (a UUID): sending the same key again replays the first answer "
            "instead of writing twice.",
            "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
        }
    ]
}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "description": "The version (ETag) of the position the change is based on; 412 if it changed since.",
    "schema": {"type": "string"},
}


def json_response(status: int, schema: type[Schema], obj: Any, headers: dict[str, str] | None = None) -> HttpResponse:
    body = schema.model_validate(obj, from_attributes=True).model_dump(mode="json")
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def require_write_scope(request: HttpRequest) -> None:
    if not request.auth.can_write:
        raise ApiProblem(
            403, "insufficient-scope", _("This token may only read."), _("Create a token with the write scope.")
        )


def if_match(request: HttpRequest, *, required: bool = True) -> int | None:
    """The version in ``If-Match`` (``"3"``, ``W/"3"`` or ``3``)."""
    raw = request.headers.get("If-Match", "").strip()
    if not raw:
        if required:
            raise ApiProblem(
                428,
                "precondition-required",
                _("Send If-Match with the version your change is based on."),
                _("Read the position first: its ETag is the version."),
            )
        return None
    value = raw.removeprefix("W/").strip('"')
    if not value.isdecimal() or len(value) > 9:
        raise ApiProblem(400, "malformed", _('If-Match must be a version number, e.g. "3".'))
    return int(value)


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    if not request.META.get("CONTENT_TYPE", "").startswith("multipart/"):
        digest.update(request.body)
    return digest.hexdigest()


def _replay(claim) -> HttpResponse:  # noqa: ANN001 - an ApiIdempotentRequest
    response = HttpResponse(claim.body, status=claim.status_code, content_type="application/json")
    response["Idempotent-Replayed"] = "true"
    return response


def write(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate every API operation that writes (the access matrix checks that each non-GET one is).

    The operation runs in one transaction with the claim of its ``Idempotency-Key`` and an audit row marked as
    API; its answer is stored with the key, so the same key replays it — even from a concurrent request, which
    waits on the key's unique constraint until this one commits. An error rolls everything back, key included."""

    @functools.wraps(func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        require_write_scope(request)
        key = request.headers.get(IDEMPOTENCY_HEADER, "")
        if len(key) > MAX_KEY_LENGTH:
            raise ApiProblem(400, "malformed", _("The Idempotency-Key is too long."))
        fingerprint = _fingerprint(request) if key else ""

        @retry_on_conflict
        @transaction.atomic
        def attempt() -> HttpResponse:
            claim = None
            if key:
                claim = idempotent_request_claim(token=request.auth, key=key, fingerprint=fingerprint)
                if claim.status_code is not None:
                    if claim.fingerprint != fingerprint:
                        raise ApiProblem(
                            422,
                            "idempotency-key-reused",
                            _("This Idempotency-Key was used for a different request."),
                        )
                    return _replay(claim)
            response = func(request, *args, **kwargs)
            if response.status_code >= 400:
                transaction.set_rollback(True)
                return response
            audit_record(
                actor=request.auth.user,
                action="api.write",
                target=request.auth,
                data={"method": request.method, "path": request.path, "status": response.status_code},
            )
            if claim is not None:
                idempotent_request_store(claim=claim, status_code=response.status_code, body=response.content.decode())
            return response

        return attempt()

    wrapper.api_write = True  # type: ignore[attr-defined]
    return wrapper
