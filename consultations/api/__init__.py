"""The REST API (/api/v1/): django-ninja, one router per area, every operation calling the same selectors, rules
and services as the pages with the token's user. See README "REST API"."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from consultations.api import (
    dashboards,
    exports,
    intelligence,
    ministries,
    notifications,
    positions,
    problems,
    room,
    rounds,
    search,
    state_of_play,
    tokens,
    triage,
)
from consultations.api.auth import TokenAuth

# Every operation may answer these, as problem details (application/problem+json).
PROBLEM_STATUSES = {
    "400": "Malformed request (JSON, cursor, header)",
    "401": "No valid token (missing, unknown, expired or revoked)",
    "403": "The token may only read",
    "404": "Not found, or not yours to see",
    "409": "Refused in the object's current state",
    "412": "The version in If-Match is not the current one",
    "413": "Request too large",
    "422": "Invalid values; field errors in `errors`",
    "428": "If-Match is required",
    "429": "Rate limit reached; see Retry-After",
}


class Api(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        schema = super().get_openapi_schema(*args, **kwargs)
        schema["components"].setdefault("schemas", {})["Problem"] = problems.Problem.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        for defs in list(schema["components"]["schemas"]["Problem"].pop("$defs", {}).items()):
            schema["components"]["schemas"][defs[0]] = defs[1]
        problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                # ninja keys its responses by int, openapi_extra by str: one key per status, the explicit one kept.
                merged: dict[str, Any] = {}
                for status, response in operation.get("responses", {}).items():
                    merged[str(status)] = merged.get(str(status), {}) | response
                responses = operation["responses"] = merged
                for status, description in PROBLEM_STATUSES.items():
                    responses.setdefault(status, {"description": description, "content": problem})
        return schema


api = Api(
    title="Cuarto de Junto API",
    version="1.0.0",
    description=(
        "Positions, triage, dashboards, the room, search, the state of play, consultations between ministries, "
        "intelligence notes and exports of Cuarto de Junto. Authenticate with a personal token "
        "(Preferences → API tokens) as `Authorization: Bearer <token>`. Lists are paginated with `cursor` "
        "(`next_cursor` of the previous page) and take `updated_since`; writes take `Idempotency-Key`; updates "
        "take `If-Match`; errors are RFC 9457 problem details."
    ),
    auth=TokenAuth(),
    docs_url=None,
)
problems.install(api)
for area in (
    rounds,
    positions,
    triage,
    dashboards,
    room,
    notifications,
    tokens,
    search,
    state_of_play,
    ministries,
    intelligence,
    exports,
):
    api.add_router("", area.router)
