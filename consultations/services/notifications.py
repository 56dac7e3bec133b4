"""E-mails to organisations about their positions, sent by Celery after the triage transaction commits.

Each (event, recipient) is a Delivery row: a retry after a failed send skips those already sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from consultations.models import CoSignature, Delivery, Membership, Position, TriageEvent

if TYPE_CHECKING:
    from consultations.models import User

POSITION_UPDATE = "position-update"


def _recipients(position: Position) -> list[User]:
    """Members of the organisation behind the position and of the organisations that co-signed it."""
    org_ids = {position.organisation_id} | set(
        CoSignature.objects.filter(position=position, status=CoSignature.Status.ACCEPTED).values_list(
            "organisation_id", flat=True
        )
    )
    memberships = Membership.objects.filter(organisation_id__in=org_ids, user__is_active=True).select_related("user")
    return sorted({m.user for m in memberships}, key=lambda user: user.pk)


def _send(*, delivery: Delivery, event: TriageEvent) -> None:
    position = event.position
    user = delivery.recipient
    with translation.override(user.language):
        context = {
            "user": user,
            "position": position,
            "event": event,
            # A merge tells the original's organisation the response written for the merge.
            "response": event.data.get("response") or position.official_response,
            "url": settings.SITE_URL + reverse("consultations:position_detail", args=[position.pk]),
            "language": user.language,
        }
        message = EmailMultiAlternatives(
            subject=render_to_string("consultations/emails/position_update_subject.txt", context).strip(),
            body=render_to_string("consultations/emails/position_update.txt", context),
            to=[user.email],
        )
        message.attach_alternative(render_to_string("consultations/emails/position_update.html", context), "text/html")
        message.send()


def position_update_notify(*, event_id: int) -> int:
    """Tell the organisation(s) about a status change, a response or a merge: once per member and event."""
    event = (
        TriageEvent.objects.select_related("position__organisation", "position__chapter", "position__round")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return 0
    key = f"triage-event:{event.pk}"
    for user in _recipients(event.position):
        Delivery.objects.get_or_create(kind=POSITION_UPDATE, key=key, recipient=user)
    sent = 0
    failures: list[Exception] = []
    pending = Delivery.objects.filter(kind=POSITION_UPDATE, key=key).exclude(status=Delivery.Status.SENT)
    for delivery_id in pending.values_list("pk", flat=True):
        with transaction.atomic():
            # skip_locked: a second worker on the same event leaves this recipient to the first one.
            delivery = (
                Delivery.objects.select_for_update(skip_locked=True)
                .select_related("recipient")
                .filter(pk=delivery_id)
                .exclude(status=Delivery.Status.SENT)
                .first()
            )
            if delivery is None:
                continue
            delivery.attempts += 1
            try:
                _send(delivery=delivery, event=event)
            except Exception as error:
                delivery.status = Delivery.Status.FAILED
                delivery.last_error = str(error)[:2000]
                delivery.save(update_fields=["status", "attempts", "last_error"])
                failures.append(error)
                continue
            delivery.status = Delivery.Status.SENT
            delivery.sent_at = timezone.now()
            delivery.last_error = ""
            delivery.save(update_fields=["status", "attempts", "sent_at", "last_error"])
            sent += 1
    if failures:
        # The task retries with backoff; recipients already sent to are skipped next time.
        raise failures[0]
    if event.notified_at is None:
        event.notified_at = timezone.now()
        event.save(update_fields=["notified_at"])
    return sent
