"""Reads for officials: the triage queue, a position with its triage context, near-duplicates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.postgres.search import SearchQuery, TrigramSimilarity
from django.db.models import ExpressionWrapper, F, Prefetch, Q, QuerySet, Value
from django.db.models.fields import DateTimeField
from django.http import Http404
from django.utils import timezone

from consultations.models import InternalNote, Position, PositionStatus, Priority, TriageEvent
from consultations.models.positions import UNFILED_STATUSES
from consultations.selectors.positions import position_get_for
from consultations.selectors.roles import user_official_chapter_ids, user_official_profile

if TYPE_CHECKING:
    from consultations.models import User

# What the dashboards count as a red line: a foco rojo or a red-line priority.
RED_LINE = Q(priority=Priority.RED_LINE) | Q(is_red_flag=True)
# "Filed late": in the last day before the deadline, after officials usually start preparing the round.
LATE_WINDOW = dt.timedelta(hours=24)
SORTS = {
    "newest": ("-filed_at", "-id"),
    "oldest": ("filed_at", "id"),
    "priority": ("priority_rank", "-is_red_flag", "filed_at", "id"),
    "chapter": ("chapter__number", "-filed_at", "-id"),
    "organisation": ("organisation__name", "-filed_at", "-id"),
}


@dataclass(frozen=True)
class TriageFilters:
    round_id: int | None = None
    chapter_id: int | None = None
    statuses: tuple[str, ...] = ()
    priority: str | None = None
    red_flag: bool | None = None
    red_line: bool | None = None  # a foco rojo or a red-line priority: what the dashboard counts as a red line
    stance: str | None = None
    organisation_id: int | None = None
    sector_id: int | None = None
    assignee: str | None = None  # "me", "none" or a user id
    filed_late: bool | None = None
    min_age_days: int | None = None
    query: str = ""
    sort: str = "newest"


def triage_scope(*, user: User) -> QuerySet[Position]:
    """Every position the user may triage: filed, in the user's chapters (the coordinator: all chapters)."""
    profile = user_official_profile(user)
    if profile is None or not user.is_active:
        return Position.objects.none()
    queryset = Position.objects.exclude(status__in=UNFILED_STATUSES)
    if not profile.is_coordinator:
        queryset = queryset.filter(chapter_id__in=user_official_chapter_ids(user))
    return queryset


def position_list_for_triage(*, user: User, filters: TriageFilters) -> QuerySet[Position]:
    queryset = triage_scope(user=user).select_related("organisation", "chapter", "round", "assigned_to")
    if filters.statuses:
        queryset = queryset.filter(status__in=filters.statuses)
    else:
        queryset = queryset.exclude(status=PositionStatus.WITHDRAWN)
    if filters.round_id:
        queryset = queryset.filter(round_id=filters.round_id)
    if filters.chapter_id:
        queryset = queryset.filter(chapter_id=filters.chapter_id)
    if filters.priority:
        queryset = queryset.filter(priority=filters.priority)
    if filters.red_flag is not None:
        queryset = queryset.filter(is_red_flag=filters.red_flag)
    if filters.red_line is not None:
        queryset = queryset.filter(RED_LINE if filters.red_line else ~RED_LINE)
    if filters.stance:
        queryset = queryset.filter(stance=filters.stance)
    if filters.organisation_id:
        queryset = queryset.filter(organisation_id=filters.organisation_id)
    if filters.sector_id:
        queryset = queryset.filter(organisation__sectors=filters.sector_id)
    if filters.assignee == "me":
        queryset = queryset.filter(assigned_to=user)
    elif filters.assignee == "none":
        queryset = queryset.filter(assigned_to__isnull=True)
    elif filters.assignee and filters.assignee.isdigit():
        queryset = queryset.filter(assigned_to_id=int(filters.assignee))
    if filters.filed_late is not None:
        late = Q(
            filed_at__gte=ExpressionWrapper(
                F("round__submission_deadline") - Value(LATE_WINDOW), output_field=DateTimeField()
            )
        )
        queryset = queryset.filter(late if filters.filed_late else ~late)
    if filters.min_age_days:
        queryset = queryset.filter(filed_at__lte=timezone.now() - dt.timedelta(days=filters.min_age_days))
    if filters.query:
        queryset = queryset.filter(
            Q(search_vector=SearchQuery(filters.query, config="spanish", search_type="websearch"))
            | Q(title__icontains=filters.query)
        )
    return queryset.order_by(*SORTS.get(filters.sort, SORTS["newest"]))


def position_get_for_triage(*, user: User, position_id: int) -> Position:
    """A position the user may triage, with its notes and history; anything else is a 404."""
    try:
        return (
            triage_scope(user=user)
            .select_related("organisation", "chapter", "round", "assigned_to", "duplicate_of__organisation")
            .prefetch_related(
                Prefetch("internal_notes", queryset=InternalNote.objects.select_related("author")),
                Prefetch("triage_events", queryset=TriageEvent.objects.select_related("actor")),
                "attachments",
            )
            .get(pk=position_id)
        )
    except Position.DoesNotExist:
        # Readers of the position who may not triage it (another chapter, a delegate) get the same answer.
        position_get_for(user=user, position_id=position_id)
        raise Http404 from None


NEAR_DUPLICATE_THRESHOLD = 0.3


def position_near_duplicates(*, position: Position, limit: int = 10) -> QuerySet[Position]:
    """Filed positions of the same chapter and round whose title and summary read alike (pg_trgm)."""
    similarity = (TrigramSimilarity("title", position.title) + TrigramSimilarity("summary", position.summary)) / 2
    return (
        Position.objects.filter(chapter_id=position.chapter_id, round_id=position.round_id)
        .exclude(pk=position.pk)
        .exclude(status__in=(*UNFILED_STATUSES, PositionStatus.WITHDRAWN))
        .annotate(similarity=similarity)
        .filter(similarity__gte=NEAR_DUPLICATE_THRESHOLD)
        .select_related("organisation")
        .order_by("-similarity", "pk")[:limit]
    )


def officials_for_chapter(*, chapter_id: int) -> QuerySet:
    """Who a position of this chapter can be assigned to."""
    from consultations.models import User

    return (
        User.objects.filter(is_active=True, official_profile__isnull=False)
        .filter(Q(official_profile__chapters=chapter_id) | Q(official_profile__is_coordinator=True))
        .distinct()
        .order_by("full_name", "email")
    )


def officials_for_user(*, user: User) -> QuerySet:
    """Who positions of the user's chapters can be assigned to (for the coordinator: every official)."""
    from consultations.models import User as UserModel

    queryset = UserModel.objects.filter(is_active=True, official_profile__isnull=False)
    profile = user_official_profile(user)
    if profile is not None and not profile.is_coordinator:
        queryset = queryset.filter(
            Q(official_profile__chapters__in=user_official_chapter_ids(user)) | Q(official_profile__is_coordinator=True)
        )
    return queryset.distinct().order_by("full_name", "email")
