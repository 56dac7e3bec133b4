"""Digests before and after each round: one e-mail per recipient, sent at most once.

``digests_dispatch_due`` (Celery beat, every few minutes) finds the rounds whose digest is due. In one transaction
it creates one ``Delivery`` row per recipient (unique per round, recipient and kind), marks the round as
dispatched and puts one ``delivery_send`` task per delivery in the outbox. Beat firing twice, or a worker killed in
the middle, therefore never creates a second delivery. Sending, retrying and settling a delivery is the same for
digests and notifications: see ``consultations.services.deliveries``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from consultations.models import (
    Delivery,
    Membership,
    Notification,
    OfficialProfile,
    Position,
    PositionStatus,
    Round,
    User,
)
from consultations.models.deliveries import DIGEST_KINDS, DIGEST_POST, DIGEST_PRE, digest_delivery_key
from consultations.selectors.dashboards import dashboard_round_summary
from consultations.selectors.state_of_play import digest_state_of_play
from consultations.selectors.triage import RED_LINE, triage_scope
from consultations.services.deliveries import delivery_expected_by, delivery_queue

if TYPE_CHECKING:
    from collections.abc import Iterable

PRE = DIGEST_PRE
POST = DIGEST_POST
KINDS = DIGEST_KINDS
delivery_key = digest_delivery_key
# A debrief goes out after a round ends, but not for rounds that ended long before the platform ran.
DEBRIEF_WINDOW = dt.timedelta(days=7)
OPEN_STATUSES = (PositionStatus.SUBMITTED, PositionStatus.IN_REVIEW, PositionStatus.NEEDS_INFO)
LIST_LIMIT = 25


def digest_recipients(*, round: Round) -> list[User]:
    """Officials with chapters (and the coordinators), and the delegates of active organisations."""
    officials = OfficialProfile.objects.filter(user__is_active=True).filter(
        Q(is_coordinator=True) | Q(chapters__isnull=False)
    )
    members = Membership.objects.filter(user__is_active=True, organisation__is_active=True)
    ids = set(officials.values_list("user_id", flat=True)) | set(members.values_list("user_id", flat=True))
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def _fan_out(round: Round, kind: str, users: Iterable[User]) -> int:
    key = delivery_key(round)
    expected_by = delivery_expected_by()
    Delivery.objects.bulk_create(
        [Delivery(kind=kind, key=key, recipient=user, next_attempt_at=expected_by) for user in users],
        ignore_conflicts=True,
    )
    deliveries = Delivery.objects.filter(kind=kind, key=key, status=Delivery.Status.PENDING)
    count = 0
    for delivery in deliveries.only("pk", "attempts"):
        delivery_queue(delivery=delivery)
        count += 1
    return count


@transaction.atomic
def digests_dispatch_due(*, now: dt.datetime | None = None) -> int:
    """Fan out the digests that are due; returns the number of deliveries queued. Safe to run concurrently."""
    now = now or timezone.now()
    queued = 0
    # A day of slack on the dates: the exact moments are in the host city's time, checked below.
    today = now.date()
    pre_due = Q(digest_dispatched_at__isnull=True, digest_at__lte=now, starts_on__gte=today - dt.timedelta(days=1))
    debrief_due = Q(
        debrief_dispatched_at__isnull=True,
        ends_on__lte=today + dt.timedelta(days=1),
        ends_on__gte=today - DEBRIEF_WINDOW - dt.timedelta(days=1),
    )
    due = (
        Round.objects.select_for_update(skip_locked=True, no_key=True)
        .filter(pre_due | debrief_due, cancelled_at__isnull=True)
        .exclude(kind=Round.Kind.MILESTONE)
    )
    for round in due:
        changed = []
        if round.digest_dispatched_at is None and round.digest_at and round.digest_at <= now < round.starts_at:
            queued += _fan_out(round, PRE, digest_recipients(round=round))
            round.digest_dispatched_at = now
            changed.append("digest_dispatched_at")
        if round.debrief_dispatched_at is None and round.ends_at <= now < round.ends_at + DEBRIEF_WINDOW:
            queued += _fan_out(round, POST, digest_recipients(round=round))
            round.debrief_dispatched_at = now
            changed.append("debrief_dispatched_at")
        if changed:
            round.save(update_fields=changed)
    return queued


def digest_context(*, round: Round, user: User, kind: str) -> dict[str, Any]:
    """What one recipient may see of a round, and nothing more: officials their chapters, delegates their
    organisation's positions. Used by the e-mail and by the preview page alike."""
    context: dict[str, Any] = {
        "round": round,
        "user": user,
        "kind": kind,
        "is_debrief": kind == POST,
        "site_url": settings.SITE_URL,
        "language": user.language,
        "list_limit": LIST_LIMIT,
        # The same digest in the app (where it stays current): linked from the e-mail itself.
        "preview_url": settings.SITE_URL
        + reverse("consultations:digest_preview", args=[round.pk])
        + (f"?kind={kind}" if kind == POST else ""),
    }
    if OfficialProfile.objects.filter(user=user).exists():
        summary = dashboard_round_summary(user=user, round=round, red_line_limit=LIST_LIMIT)
        positions = (
            triage_scope(user=user)
            .filter(round=round)
            .exclude(status=PositionStatus.WITHDRAWN)
            .select_related("organisation", "chapter")
            .order_by("chapter__number", "-filed_at")
        )
        # The newest positions of every chapter, at most LIST_LIMIT each, in one query whatever the chapter count.
        newest = positions.annotate(
            rank=Window(RowNumber(), partition_by=F("chapter_id"), order_by=F("filed_at").desc())
        ).filter(rank__lte=LIST_LIMIT)
        by_chapter: dict[int, list[Position]] = defaultdict(list)
        for position in newest:
            by_chapter[position.chapter_id].append(position)
        chapters = [
            {
                "summary": chapter_summary,
                "positions": by_chapter[chapter_summary.chapter.pk],
                "more": chapter_summary.total - len(by_chapter[chapter_summary.chapter.pk]),
            }
            for chapter_summary in summary.chapters
        ]
        open_red_lines = positions.filter(RED_LINE, status__in=OPEN_STATUSES)[:LIST_LIMIT]
        context.update(
            audience="official",
            summary=summary,
            chapters=chapters,
            open_red_lines=list(open_red_lines),
            dashboard_url=settings.SITE_URL + reverse("consultations:dashboard_round", args=[round.pk]),
            queue_url=settings.SITE_URL + reverse("consultations:triage_queue") + f"?round={round.pk}",
        )
        context.update(digest_state_of_play(user=user, round=round, is_debrief=kind == POST, limit=LIST_LIMIT))
    else:
        org_ids = Membership.objects.filter(user=user, organisation__is_active=True).values("organisation_id")
        own = (
            Position.objects.filter(round=round, organisation_id__in=org_ids)
            .exclude(status=PositionStatus.WITHDRAWN)
            .select_related("chapter", "organisation")
            .order_by("chapter__number", "title")
        )
        context.update(
            audience="delegate",
            positions=list(own[:100]),
            open_red_lines=list(own.filter(RED_LINE, status__in=OPEN_STATUSES)[:LIST_LIMIT]),
            positions_url=settings.SITE_URL + reverse("consultations:position_list") + f"?round={round.pk}",
        )
    context["briefings"] = _briefings(round=round, user=user) if kind == POST else []
    # What the user chose to hear about "in the digest only" (and anything else still unread).
    context["notifications"] = list(
        Notification.objects.filter(recipient=user, read_at__isnull=True).order_by("-created_at")[:LIST_LIMIT]
    )
    return context


def _briefings(*, round: Round, user: User) -> list:
    """The round's briefings the recipient may read (briefings are optional: the room app may not be there)."""
    try:
        from consultations.selectors.room import briefing_list_visible_to
    except ImportError:
        return []
    return list(briefing_list_visible_to(user=user).filter(round=round)[:LIST_LIMIT])


def render_digest(*, round: Round, user: User, kind: str) -> tuple[str, str, str]:
    """Subject, text and HTML of a digest, in the recipient's language."""
    with translation.override(user.language):
        context = digest_context(round=round, user=user, kind=kind)
        subject = render_to_string("consultations/emails/digest_subject.txt", context).strip()
        text = render_to_string("consultations/emails/digest.txt", context)
        html = render_to_string("consultations/emails/digest.html", context)
    return subject, text, html


def digest_message(*, delivery: Delivery) -> EmailMultiAlternatives:
    """The e-mail of a digest delivery, rendered when it is sent (or resent)."""
    round = Round.objects.get(pk=int(delivery.key.split(":", 1)[1]))
    subject, text, html = render_digest(round=round, user=delivery.recipient, kind=delivery.kind)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[delivery.recipient.email])
    message.attach_alternative(html, "text/html")
    return message
