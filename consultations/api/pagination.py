"""Keyset (cursor) pagination for every API list: a signed cursor holds the last row's sort key, so a page costs
the same whatever its depth and rows added meanwhile are neither skipped nor repeated. Lists are ordered by
(``updated_at`` or another time field, ``id``) ascending, which also serves ``updated_since`` for incremental
sync: a client keeps the last ``next_cursor`` (or the newest ``updated_at`` it saw) and asks again later."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import signing
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from ninja import Schema

from consultations.api.problems import ApiProblem

SALT = "consultations.api.cursor"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class PageParams(Schema):
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT
    updated_since: dt.datetime | None = None


def _bad_cursor() -> ApiProblem:
    return ApiProblem(400, "bad-cursor", _("The cursor is not valid."), _("Use a next_cursor this API returned."))


def paginate(
    queryset: QuerySet, params: PageParams, *, time_field: str = "updated_at", use_time: bool = True
) -> dict[str, Any]:
    """One page of ``queryset`` (already filtered to what the user may see) as ``{"items", "next_cursor"}``.

    ``use_time=False`` orders by ``id`` alone (lists whose rows never change, like chapters)."""
    limit = min(max(params.limit, 1), MAX_LIMIT)
    if params.updated_since is not None and use_time:
        if params.updated_since.tzinfo is None:
            raise ApiProblem(
                422,
                "invalid",
                _("The request has invalid values."),
                errors=[{"field": "updated_since", "message": _("Give the time zone (e.g. Z or -06:00).")}],
            )
        try:
            # In UTC: PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows.
            since = params.updated_since.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            raise ApiProblem(
                422,
                "invalid",
                _("The request has invalid values."),
                errors=[{"field": "updated_since", "message": _("Expected a date and time (ISO 8601).")}],
            ) from None
        queryset = queryset.filter(**{f"{time_field}__gte": since})
    ordering = (time_field, "id") if use_time else ("id",)
    queryset = queryset.order_by(*ordering)
    if params.cursor:
        try:
            moment, last_id = signing.loads(params.cursor, salt=SALT)
            last_id = int(last_id)
            moment = dt.datetime.fromisoformat(moment) if moment else None
        except (signing.BadSignature, ValueError, TypeError):
            raise _bad_cursor() from None
        if use_time:
            if moment is None:
                raise _bad_cursor()
            queryset = queryset.filter(
                Q(**{f"{time_field}__gt": moment}) | Q(**{time_field: moment, "id__gt": last_id})
            )
        else:
            queryset = queryset.filter(id__gt=last_id)
    rows = list(queryset[: limit + 1])
    items = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        moment = getattr(last, time_field).isoformat() if use_time else ""
        next_cursor = signing.dumps([moment, last.pk], salt=SALT)
    return {"items": items, "next_cursor": next_cursor}
