"""Reads for officials: the triage queue, a position with its triage context, near-duplicates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import ExpressionWrapper, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.fields import DateTimeField
from django.http import Http404
from django.utils import timezone

from consultations.models import InternalNote, Position, PositionStatus, Priority, TriageEvent
from consultations.models.positions import UNFILED_STATUSES
from consultations.selectors.fulltext import search_text, text_match
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
    similar_to: int | None = None  # a position and its near-duplicates, together


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
    elif filters.assignee and filters.assignee.isdecimal():
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
    if filters.similar_to:
        queryset = queryset.filter(
            Q(pk=filters.similar_to) | Q(pk__in=_near_duplicate_ids(user=user, pk=filters.similar_to))
        )
    if filters.query:
        # The engine of the header search (selectors/fulltext.py); a query without words matches nothing.
        text = search_text(filters.query)
        queryset = (
            queryset.filter(text_match(text.text, trigram_fields=("title",), organisation_field="organisation_id"))
            if text.searchable
            else queryset.none()
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


def _similarity(title: Any, summary: Any) -> Any:
    """How alike a position reads to the given title and summary (values or references to another row), 0 to 1."""
    return (TrigramSimilarity("title", title) + TrigramSimilarity("summary", summary)) / 2


def _candidates() -> QuerySet[Position]:
    """The positions that can be near-duplicates: filed and neither withdrawn nor a draft."""
    return Position.objects.exclude(status__in=(*UNFILED_STATUSES, PositionStatus.WITHDRAWN))


def position_near_duplicates(*, position: Position, limit: int | None = 10) -> QuerySet[Position]:
    """Filed positions of the same chapter and round whose title and summary read alike (pg_trgm)."""
    queryset = (
        _candidates()
        .filter(chapter_id=position.chapter_id, round_id=position.round_id)
        .exclude(pk=position.pk)
        .annotate(similarity=_similarity(position.title, position.summary))
        .filter(similarity__gte=NEAR_DUPLICATE_THRESHOLD)
        .select_related("organisation")
        .order_by("-similarity", "pk")
    )
    return queryset[:limit] if limit is not None else queryset


def _near_duplicates_of_outer() -> QuerySet[Position]:
    """Near-duplicates of the outer query's row, for a subquery."""
    return (
        _candidates()
        .filter(chapter_id=OuterRef("chapter_id"), round_id=OuterRef("round_id"))
        .exclude(pk=OuterRef("pk"))
        .annotate(similarity=_similarity(OuterRef("title"), OuterRef("summary")))
        .filter(similarity__gte=NEAR_DUPLICATE_THRESHOLD)
    )


def _near_duplicate_ids(*, user: User, pk: int) -> QuerySet[Position]:
    """The ids of the near-duplicates of position ``pk`` (one the user may triage; none otherwise), as a subquery."""
    target = triage_scope(user=user).filter(pk=pk)
    return (
        _candidates()
        .filter(
            chapter_id=Subquery(target.values("chapter_id")[:1]),
            round_id=Subquery(target.values("round_id")[:1]),
        )
        .exclude(pk=pk)
        .annotate(similarity=_similarity(Subquery(target.values("title")[:1]), Subquery(target.values("summary")[:1])))
        .filter(similarity__gte=NEAR_DUPLICATE_THRESHOLD)
        .values("pk")
    )


# The "N similar" markers of a page in one statement: counts cached at the current version of their chapter and
# round's candidates are read; the others are computed (each row against every candidate of its chapter and round,
# the expensive part: most of a second per page at 20,000 positions, seconds at 100,000) and stored for the next
# page. The versions come from a trigger on the positions table (migration 0017_bench_similarity_cache), so no
# code path that changes a position can leave a stale count behind; one statement reads versions and positions
# in one snapshot, so a count is never stored under a version newer than the data it was computed from.
NEAR_DUPLICATE_COUNTS_SQL = """
WITH page AS (
    SELECT p.id, p.chapter_id, p.round_id, p.title, p.summary, COALESCE(g.version, 0) AS version
    FROM consultations_position p
    LEFT JOIN consultations_similaritygroup g ON g.chapter_id = p.chapter_id AND g.round_id = p.round_id
    WHERE p.id = ANY(%(ids)s)
), cached AS (
    SELECT page.id, c.count
    FROM page JOIN consultations_similaritycount c ON c.position_id = page.id AND c.group_version = page.version
), computed AS (
    SELECT page.id, page.version, (
        SELECT COUNT(*) FROM consultations_position u
        WHERE u.chapter_id = page.chapter_id AND u.round_id = page.round_id AND u.id <> page.id
          AND u.status <> ALL(%(excluded)s)
          AND (similarity(u.title, page.title) + similarity(u.summary, page.summary)) / 2 >= %(threshold)s
    ) AS count
    FROM page WHERE page.id NOT IN (SELECT id FROM cached)
), saved AS (
    INSERT INTO consultations_similaritycount (position_id, group_version, count)
    SELECT id, version, count FROM computed
    ON CONFLICT (position_id) DO UPDATE SET group_version = EXCLUDED.group_version, count = EXCLUDED.count
    WHERE consultations_similaritycount.group_version <= EXCLUDED.group_version
)
SELECT id, count FROM cached WHERE count > 0
UNION ALL
SELECT id, count FROM computed WHERE count > 0
"""


def near_duplicate_counts(*, ids: list[int]) -> dict[int, int]:
    """How many near-duplicates each of the positions ``ids`` has (those with none are left out): one query for a
    page of the queue, whatever its length; cached until a candidate of the row's chapter and round changes."""
    if not ids:
        return {}
    params = {
        "ids": list(ids),
        "excluded": [str(status) for status in (*UNFILED_STATUSES, PositionStatus.WITHDRAWN)],
        "threshold": NEAR_DUPLICATE_THRESHOLD,
    }
    with connection.cursor() as cursor:
        cursor.execute(NEAR_DUPLICATE_COUNTS_SQL, params)
        return dict(cursor.fetchall())


def position_for_comparison(*, user: User, position: Position, original_id: int) -> Position:
    """The position ``position`` would be merged into: one the user may triage, of the same chapter and round, with
    the similarity of the two; anything else is a 404."""
    try:
        return (
            triage_scope(user=user)
            .filter(chapter_id=position.chapter_id, round_id=position.round_id)
            .exclude(pk=position.pk)
            .annotate(similarity=_similarity(position.title, position.summary))
            .select_related("organisation", "chapter", "round")
            .get(pk=original_id)
        )
    except Position.DoesNotExist:
        raise Http404 from None


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
