"""Reads for the coordinator's workload page: each official's open assignments, their age, and the consultation
requests overdue at each official's ministry. A page costs the same few queries for 5 officials or 500."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Count, Min, Prefetch, Q, QuerySet
from django.http import Http404

from consultations.models import Chapter, ConsultationRequest, Ministry, Position, PositionStatus, User
from consultations.selectors.roles import user_official_profile

# An assignment is open while the position waits on the government or on its organisation's answer.
OPEN_STATUSES = (PositionStatus.SUBMITTED, PositionStatus.IN_REVIEW, PositionStatus.NEEDS_INFO)
# Assignments filed longer ago than this are counted apart: they are the ones to move first.
STALE_AFTER = dt.timedelta(days=7)


def user_is_workload_reader(user: User) -> bool:
    profile = user_official_profile(user)
    return bool(profile is not None and user.is_active and profile.is_coordinator)


def workload_officials(*, now: dt.datetime) -> QuerySet[User]:
    """Every active official, with ``open_count``, ``stale_count`` and ``oldest_filed_at`` of their open
    assignments; the busiest first."""
    open_assigned = Q(positions_assigned__status__in=OPEN_STATUSES)
    return (
        User.objects.filter(is_active=True, official_profile__isnull=False)
        .select_related("official_profile")
        .prefetch_related(
            Prefetch("official_profile__chapters", queryset=Chapter.objects.only("id", "number").order_by("number"))
        )
        .annotate(
            open_count=Count("positions_assigned", filter=open_assigned),
            stale_count=Count(
                "positions_assigned", filter=open_assigned & Q(positions_assigned__filed_at__lt=now - STALE_AFTER)
            ),
            oldest_filed_at=Min("positions_assigned__filed_at", filter=open_assigned),
        )
        .order_by("-open_count", "oldest_filed_at", "full_name", "email", "pk")
    )


def workload_overdue_by_ministry(*, today: dt.date) -> Counter[str]:
    """Open consultation requests past their due day, per code of the ministry that owes the answer."""
    rows = (
        ConsultationRequest.objects.filter(status=ConsultationRequest.Status.OPEN, due_on__lt=today)
        .values("to_ministry__code")
        .annotate(n=Count("pk"))
    )
    return Counter({row["to_ministry__code"]: row["n"] for row in rows})


def ministry_names() -> dict[str, Ministry]:
    return {ministry.code: ministry for ministry in Ministry.objects.all()}


def workload_official_get(*, pk: int) -> User:
    official = User.objects.filter(pk=pk, is_active=True, official_profile__isnull=False).first()
    if official is None:
        raise Http404
    return official


def workload_assignments_of(*, official: User) -> QuerySet[Position]:
    """An official's open assignments, oldest first: what a rebalance moves."""
    return (
        Position.objects.filter(assigned_to=official, status__in=OPEN_STATUSES)
        .select_related("chapter", "round", "organisation")
        .order_by("filed_at", "pk")
    )
