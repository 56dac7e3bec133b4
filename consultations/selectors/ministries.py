"""Reads for inter-ministerial coordination: who sees which consultation request, the ministry's queue.

A request is seen by the officials of the ministry it is addressed to, by the officials of the requesting ministry
who work on the position's chapter, and by the coordinator (the chief negotiator's team). Nobody else: not an
official of a third ministry, never a delegate.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from consultations.models import ConsultationRequest, Ministry
from consultations.selectors.roles import user_official_chapter_ids, user_official_profile

if TYPE_CHECKING:
    from consultations.models import Position, User

OPEN = ConsultationRequest.Status.OPEN
BOXES = ("received", "sent")


def user_ministry_code(user: User) -> str | None:
    profile = user_official_profile(user)
    if profile is None or not user.is_active:
        return None
    return profile.ministry


def consultation_list_visible_to(*, user: User) -> QuerySet[ConsultationRequest]:
    profile = user_official_profile(user)
    if profile is None or not user.is_active:
        return ConsultationRequest.objects.none()
    queryset = ConsultationRequest.objects.all()
    if profile.is_coordinator:
        return queryset
    chapters = user_official_chapter_ids(user)
    return queryset.filter(
        Q(to_ministry__code=profile.ministry)
        | (
            Q(from_ministry__code=profile.ministry)
            & (Q(position__chapter_id__in=chapters) | Q(open_issue__chapter_id__in=chapters))
        )
    )


def consultation_queue_for(*, user: User, box: str = "received", status: str = "") -> QuerySet[ConsultationRequest]:
    """The ministry's requests: received (addressed to it, to answer) or sent (asked by it), due first."""
    code = user_ministry_code(user)
    queryset = consultation_list_visible_to(user=user)
    if code is None:
        return queryset
    queryset = queryset.filter(from_ministry__code=code) if box == "sent" else queryset.filter(to_ministry__code=code)
    if status in ConsultationRequest.Status.values:
        queryset = queryset.filter(status=status)
    return queryset.select_related(
        "from_ministry",
        "to_ministry",
        "requested_by",
        "answered_by",
        "position__chapter",
        "position__organisation",
        "open_issue__chapter",
    ).order_by("-status", "due_on", "pk")


def consultation_open_count_for(*, user: User) -> int:
    """For the navigation's badge: open requests addressed to the user's ministry."""
    code = user_ministry_code(user)
    if code is None:
        return 0
    return ConsultationRequest.objects.filter(to_ministry__code=code, status=OPEN).count()


def consultation_get_for(*, user: User, pk: int) -> ConsultationRequest:
    try:
        return (
            consultation_list_visible_to(user=user)
            .select_related(
                "from_ministry",
                "to_ministry",
                "requested_by",
                "answered_by",
                "position__chapter",
                "position__round",
                "position__organisation",
                "open_issue__chapter",
                "open_issue__round",
            )
            .get(pk=pk)
        )
    except ConsultationRequest.DoesNotExist:
        raise Http404 from None


def consultation_list_for_position(*, user: User, position: Position) -> list[ConsultationRequest]:
    """The requests about ``position`` the user may read, for the triage pane."""
    return list(
        consultation_list_visible_to(user=user)
        .filter(position=position)
        .select_related("from_ministry", "to_ministry", "requested_by", "answered_by")
        .order_by("-created_at", "-pk")
    )


def consultations_by_issue(*, user: User, issue_ids: list[int]) -> dict[int, list[ConsultationRequest]]:
    """The requests about each of these open issues the user may read, in one query (the chapter page)."""
    grouped: dict[int, list[ConsultationRequest]] = {}
    requests = (
        consultation_list_visible_to(user=user)
        .filter(open_issue_id__in=issue_ids)
        .select_related("from_ministry", "to_ministry", "requested_by", "answered_by")
        .order_by("-created_at", "-pk")
    )
    for request in requests:
        grouped.setdefault(request.open_issue_id, []).append(request)
    return grouped


def ministry_list_to_consult(*, user: User) -> QuerySet[Ministry]:
    """The active ministries other than the user's own."""
    queryset = Ministry.objects.filter(is_active=True).order_by("name_es")
    code = user_ministry_code(user)
    return queryset.exclude(code=code) if code else queryset


def consultation_is_overdue(request: ConsultationRequest, today: dt.date) -> bool:
    return request.status == OPEN and request.due_on < today
