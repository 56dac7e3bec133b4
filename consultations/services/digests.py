"""Digests before and after each round: one e-mail per recipient, sent at most once.

``digests_dispatch_due`` (Celery beat, every few minutes) finds the rounds whose digest is due. In one transaction
it creates one ``Delivery`` row per recipient (unique per round, recipient and kind), marks the round as
dispatched and puts one ``delivery_send`` task per delivery in the outbox. Beat firing twice, or a worker killed in
the middle, therefore never creates a second delivery. Sending, retrying and settling a delivery is the same for
digests and notifications: see ``consultations.services.deliveries``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from typing import TYPE_CHECKING

import css_inline
from django.contrib.staticfiles import finders
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from consultations.models import (
    Delivery,
    Membership,
    OfficialProfile,
    Round,
    User,
)
from consultations.models.deliveries import DIGEST_KINDS, DIGEST_POST, DIGEST_PRE, digest_delivery_key
from consultations.selectors.digests import digest_context
from consultations.services.deliveries import delivery_expected_by, delivery_queue

if TYPE_CHECKING:
    from collections.abc import Iterable

PRE = DIGEST_PRE
POST = DIGEST_POST
KINDS = DIGEST_KINDS
delivery_key = digest_delivery_key
# A debrief goes out after a round ends, but not for rounds that ended long before the platform ran.
DEBRIEF_WINDOW = dt.timedelta(days=7)


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


@functools.cache
def _inliner() -> css_inline.CSSInliner:
    """E-mail clients drop ``<style>`` and linked sheets: the digest's sheet (the one the preview page links) is
    written into each element's ``style`` attribute. Nothing is fetched."""
    with open(finders.find("css/digest.css"), encoding="utf-8") as sheet:
        return css_inline.CSSInliner(load_remote_stylesheets=False, extra_css=sheet.read())


def render_digest(*, round: Round, user: User, kind: str) -> tuple[str, str, str]:
    """Subject, text and HTML of a digest, in the recipient's language and time zone."""
    with translation.override(user.language), timezone.override(zoneinfo.ZoneInfo(user.time_zone)):
        context = digest_context(round=round, user=user, kind=kind)
        subject = render_to_string("consultations/emails/digest_subject.txt", context).strip()
        # The sections' templates leave blank lines where a section is empty: at most one between paragraphs.
        text = re.sub(r"\n{3,}", "\n\n", render_to_string("consultations/emails/digest.txt", context))
        html = _inliner().inline(render_to_string("consultations/emails/digest.html", context))
    return subject, text, html


def digest_message(*, delivery: Delivery) -> EmailMultiAlternatives:
    """The e-mail of a digest delivery, rendered when it is sent (or resent)."""
    round = Round.objects.get(pk=int(delivery.key.split(":", 1)[1]))
    subject, text, html = render_digest(round=round, user=delivery.recipient, kind=delivery.kind)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[delivery.recipient.email])
    message.attach_alternative(html, "text/html")
    return message
