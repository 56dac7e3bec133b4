"""The user's notifications: list and mark read."""

import datetime as dt
import json

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from consultations.api.pagination import PageParams, paginate
from consultations.api.writes import WRITE_HEADERS, write
from consultations.selectors.notifications import notification_list_for
from consultations.services.notifications import notification_mark_read

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None


class NotificationParams(PageParams):
    unread: bool = False


class MarkReadIn(Schema):
    model_config = ConfigDict(extra="forbid")
    id: int | None = Field(None, ge=1, le=2**31 - 1, description="One notification; omit to mark them all read.")


class MarkReadOut(Schema):
    marked: int


@router.get("/notifications", response=NotificationPage, summary="The user's notifications")
def notification_list(request: HttpRequest, filters: Query[NotificationParams]) -> dict:
    notifications = notification_list_for(user=request.auth.user)
    if filters.unread:
        notifications = notifications.filter(read_at__isnull=True)
    return paginate(notifications, filters, time_field="created_at")


@router.post(
    "/notifications/read", response=MarkReadOut, summary="Mark one or all as read", openapi_extra=WRITE_HEADERS
)
@write
def mark_read(request: HttpRequest, payload: MarkReadIn) -> HttpResponse:
    marked = notification_mark_read(user=request.auth.user, notification_id=payload.id)
    return HttpResponse(json.dumps({"marked": marked}), content_type="application/json")
