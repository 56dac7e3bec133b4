"""E-mails to organisations about their positions. Sent by Celery tasks after the triage transaction commits."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from consultations.models import CoSignature, Membership, Position, TriageEvent


def _recipients(positions: list[Position]) -> list:  # noqa: ANN401
    """Members of the organisations behind the positions: the authors and the accepted co-signers."""
    org_ids = {p.organisation_id for p in positions}
    org_ids |= set(
        CoSignature.objects.filter(position__in=positions, status=CoSignature.Status.ACCEPTED).values_list(
            "organisation_id", flat=True
        )
    )
    memberships = Membership.objects.filter(organisation_id__in=org_ids, user__is_active=True).select_related("user")
    return sorted({m.user for m in memberships}, key=lambda user: user.pk)


@transaction.atomic
def position_update_notify(*, event_id: int) -> int:
    """Tell the organisation(s) about a status change, a response or a merge. Sends at most once per event."""
    event = (
        TriageEvent.objects.select_for_update(of=("self",))
        .select_related("position__organisation", "position__chapter", "position__round")
        .filter(pk=event_id)
        .first()
    )
    if event is None or event.notified_at is not None:
        return 0
    position = event.position
    users = _recipients([position])
    url = settings.SITE_URL + reverse("consultations:position_detail", args=[position.pk])
    sent = 0
    for user in users:
        with translation.override(user.language):
            context = {"user": user, "position": position, "event": event, "url": url}
            subject = render_to_string("consultations/emails/position_update_subject.txt", context).strip()
            message = EmailMultiAlternatives(
                subject=subject,
                body=render_to_string("consultations/emails/position_update.txt", context),
                to=[user.email],
            )
            message.attach_alternative(
                render_to_string("consultations/emails/position_update.html", context), "text/html"
            )
            message.send()
            sent += 1
    event.notified_at = timezone.now()
    event.save(update_fields=["notified_at"])
    return sent
