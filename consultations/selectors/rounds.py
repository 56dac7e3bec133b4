from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from consultations.models import Round


def round_current(*, rounds: list[Round], now: dt.datetime) -> Round | None:
    """The one current round, wherever a page marks it: the round in session, else the round taking input whose
    deadline comes first. Never two, even when rounds overlap."""
    in_session = [r for r in rounds if r.status_at(now) == Round.Status.IN_SESSION]
    if in_session:
        return min(in_session, key=lambda r: (r.starts_on, r.pk))
    open_now = [r for r in rounds if r.status_at(now) == Round.Status.OPEN]
    return min(open_now, key=lambda r: (r.submission_deadline, r.pk)) if open_now else None


def round_list() -> QuerySet[Round]:
    return Round.objects.order_by("starts_on", "id")


def round_list_open_for_input(*, now: dt.datetime | None = None) -> QuerySet[Round]:
    now = now or timezone.now()
    return (
        Round.objects.filter(cancelled_at__isnull=True, submission_deadline__gt=now)
        .filter(Q(input_opens_at__isnull=True) | Q(input_opens_at__lte=now))
        .order_by("submission_deadline")
    )


def round_next_open(*, now: dt.datetime | None = None, exclude: Round | None = None) -> Round | None:
    """The round whose deadline comes first among those open for input, or else the next one to open."""
    now = now or timezone.now()
    rounds = round_list_open_for_input(now=now)
    if exclude is not None:
        rounds = rounds.exclude(pk=exclude.pk)
    found = rounds.first()
    if found is None:
        upcoming = Round.objects.filter(cancelled_at__isnull=True, input_opens_at__gt=now)
        if exclude is not None:
            upcoming = upcoming.exclude(pk=exclude.pk)
        found = upcoming.order_by("input_opens_at").first()
    return found


# The one order of every round picker: the latest first.
PICKER_ORDER = ("-starts_on", "-id")


def round_list_taking_input() -> QuerySet[Round]:
    """Rounds with a call for positions (milestones and meetings without one never take positions), for the pickers
    that filter positions."""
    return Round.objects.filter(submission_deadline__isnull=False).order_by(*PICKER_ORDER)


def round_list_targetable() -> QuerySet[Round]:
    """Rounds a draft may target: not over, not cancelled, and taking positions."""
    today = timezone.localdate()
    return round_list_taking_input().filter(cancelled_at__isnull=True, ends_on__gte=today)


def round_list_with_position_counts() -> QuerySet[Round]:
    """Rounds with the number of positions filed for them (withdrawn ones aside) and of drafts targeting them."""
    from consultations.models import PositionStatus
    from consultations.models.positions import UNFILED_STATUSES

    live = ~Q(positions__status=PositionStatus.WITHDRAWN)
    return round_list().annotate(
        positions_filed=Count("positions", filter=live & ~Q(positions__status__in=UNFILED_STATUSES)),
        positions_unfiled=Count("positions", filter=Q(positions__status__in=UNFILED_STATUSES)),
    )
