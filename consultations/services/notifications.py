"""Notifications: an entry in the user's in-app list and, when the user wants it, an e-mail.

Each user chooses per kind: immediately (in-app and e-mail), in the digest only (in-app; the next digest lists
it), or off. Tasks call these services after the change has committed (through the outbox). Every e-mail is a
``Delivery`` row unique per (kind, source, recipient), so a task run twice sends nothing twice; the e-mail is
rendered from its source (the triage event, the invitation, the briefing or question) whenever it is sent or
resent, and sending, retrying and settling it is ``consultations.services.deliveries``' job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from consultations.models import (
    CoSignature,
    Delivery,
    Membership,
    Notification,
    NotificationKind,
    NotificationPreference,
    Position,
    PositionStatus,
    TriageEvent,
)
from consultations.services.audit import audit_record

if TYPE_CHECKING:
    from consultations.models import User

POSITION_UPDATE = "position-update"
Channel = NotificationPreference.Channel


def channels_for(*, users: Iterable[User], kind: str) -> dict[int, str]:
    """Each user's chosen channel for ``kind``; immediately by default."""
    users = list(users)
    chosen = dict(NotificationPreference.objects.filter(user__in=users, kind=kind).values_list("user_id", "channel"))
    return {user.pk: chosen.get(user.pk, Channel.IMMEDIATE) for user in users}


@transaction.atomic
@transaction.atomic
def preferences_update(*, user: User, channels: dict[str, str]) -> None:
    kept = {
        kind: channel
        for kind, channel in channels.items()
        if kind in NotificationKind.values and channel in Channel.values
    }
    for kind, channel in kept.items():
        NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults={"channel": channel})
    audit_record(actor=user, action="notification.preferences", target=user, data={"channels": kept})


def notify(*, users: Iterable[User], kind: str, title: str, url: str, key: str) -> list[User]:
    """Add the in-app entries (once per user and source) and return who wants an e-mail now."""
    users = list(users)
    channels = channels_for(users=users, kind=kind)
    wanted = [user for user in users if channels[user.pk] != Channel.OFF]
    Notification.objects.bulk_create(
        [Notification(recipient=user, kind=kind, title=title[:250], url=url, key=key) for user in wanted],
        ignore_conflicts=True,
    )
    return [user for user in wanted if channels[user.pk] == Channel.IMMEDIATE]


def _deliver(*, kind: str, key: str, users: Iterable[User], hold: dt.timedelta | None = None) -> int:
    """E-mail each user once for (kind, key): a ``Delivery`` row per recipient, then its first attempt here.

    With ``hold``, the rows wait that long instead (``next_attempt_at``) and the reconciler sends them once due.

    A row another worker holds is skipped (that worker is sending it); a row whose first attempt never happens (this
    task dies, its message is lost) stays pending and the reconciler queues it once ``next_attempt_at`` passes.
    Failures are recorded on the rows, which the reconciler retries on the schedule: this task itself succeeds.
    """
    from consultations.services.deliveries import delivery_expected_by, delivery_send

    expected_by = timezone.now() + hold if hold else delivery_expected_by()
    Delivery.objects.bulk_create(
        [Delivery(kind=kind, key=key, recipient=user, next_attempt_at=expected_by) for user in users],
        ignore_conflicts=True,
    )
    if hold:
        return 0
    first_attempts = Delivery.objects.filter(kind=kind, key=key, status=Delivery.Status.PENDING, attempts=0)
    return sum(
        delivery_send(delivery_id=delivery_id, attempt=0)
        for delivery_id in first_attempts.order_by("pk").values_list("pk", flat=True)
    )


def deliver(*, kind: str, key: str, users: Iterable[User], hold: dt.timedelta | None = None) -> int:
    """``_deliver`` for other areas' e-mails (consultation reminders)."""
    return _deliver(kind=kind, key=key, users=users, hold=hold)


def message_for(*, user: User, template: str, context: dict) -> EmailMultiAlternatives:
    return _message(user=user, template=template, context=context)


def source_id(key: str, prefix: str) -> int:
    return _source_id(key, prefix)


def _message(*, user: User, template: str, context: dict) -> EmailMultiAlternatives:
    with translation.override(user.language):
        context = {**context, "user": user, "language": user.language}
        message = EmailMultiAlternatives(
            subject=render_to_string(f"consultations/emails/{template}_subject.txt", context).strip(),
            body=render_to_string(f"consultations/emails/{template}.txt", context),
            to=[user.email],
        )
        message.attach_alternative(render_to_string(f"consultations/emails/{template}.html", context), "text/html")
    return message


def _source_id(key: str, prefix: str) -> int:
    name, _sep, value = key.partition(":")
    if name != prefix or not value.isdigit():
        raise ValueError(f"not a {prefix} key: {key!r}")
    return int(value)


def _event_item(event: TriageEvent) -> dict:
    # The status and response of this very step, not the position's current ones: each change in an e-mail shows
    # its own step.
    status = event.to_status or event.data.get("status") or event.position.status
    return {
        "event": event,
        "status_label": PositionStatus(status).label if status in PositionStatus.values else status,
        # The response given with this step (a merge tells the original's organisation the merge response).
        "response": event.data.get("response", ""),
    }


def _position_update_message(delivery: Delivery) -> EmailMultiAlternatives:
    """The delivery's own step and the steps batched into it (changes to the same position within the window),
    in the order they happened."""
    keys = [delivery.key, *Delivery.objects.filter(batched_into=delivery).values_list("key", flat=True)]
    ids = [_source_id(key, "triage-event") for key in keys]
    events = list(
        TriageEvent.objects.select_related("position__chapter", "position__round")
        .filter(pk__in=ids)
        .order_by("created_at", "pk")
    )
    if len(events) != len(set(ids)):
        raise TriageEvent.DoesNotExist(f"events {ids}: some no longer exist")
    own = next(event for event in events if event.pk == ids[0])
    position = own.position
    items = [_event_item(event) for event in events]
    context = {
        "position": position,
        **_event_item(own),
        "items": items,
        "url": settings.SITE_URL + reverse("consultations:position_detail", args=[position.pk]),
    }
    return _message(user=delivery.recipient, template="position_update", context=context)


def position_update_batch_claim(*, delivery: Delivery) -> list[int]:
    """Called by the attempt that holds ``delivery``, in its transaction: the recipient's other pending e-mails
    about the same position join it ("sent in a batch", carried by this one). Rows another attempt holds are
    skipped (they are being sent on their own); an e-mail already sent is never carried again."""
    event = TriageEvent.objects.filter(pk=_source_id(delivery.key, "triage-event")).first()
    if event is None:
        return []
    keys = [
        f"triage-event:{pk}"
        for pk in TriageEvent.objects.filter(position_id=event.position_id).values_list("pk", flat=True)
    ]
    claimed = list(
        Delivery.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(kind=POSITION_UPDATE, recipient_id=delivery.recipient_id, status=Delivery.Status.PENDING, key__in=keys)
        .exclude(pk=delivery.pk)
        .values_list("pk", flat=True)
    )
    Delivery.objects.filter(pk__in=claimed).update(
        status=Delivery.Status.BATCHED, batched_into=delivery, next_attempt_at=None, lease_expires_at=None
    )
    return claimed


def _cosign_invite_message(delivery: Delivery) -> EmailMultiAlternatives:
    cosignature = CoSignature.objects.select_related("position__organisation").get(
        pk=_source_id(delivery.key, "cosignature")
    )
    context = {
        "kind": NotificationKind.COSIGN,
        "title": cosignature.position.title,
        "detail": str(cosignature.position.organisation),
        "url": settings.SITE_URL + reverse("consultations:cosignature_list"),
    }
    return _message(user=delivery.recipient, template="notification", context=context)


def _room_message(delivery: Delivery) -> EmailMultiAlternatives:
    from consultations.models import Briefing, RoomQuestion

    kind = delivery.kind.removeprefix("room-")
    if delivery.key.startswith("briefing:"):
        source = Briefing.objects.get(pk=_source_id(delivery.key, "briefing"))
        title, path = source.title, reverse("consultations:briefing_detail", args=[source.pk])
    else:
        source = RoomQuestion.objects.select_related("chapter").get(pk=_source_id(delivery.key, "room-question"))
        title, path = str(source), reverse("consultations:room_question_detail", args=[source.pk])
    context = {"kind": kind, "title": title, "detail": "", "url": settings.SITE_URL + path}
    return _message(user=delivery.recipient, template="notification", context=context)


COSIGN_INVITE = "cosign-invite"
SIGNOFF_REQUEST = "signoff-request"


def _signoff_message(delivery: Delivery) -> EmailMultiAlternatives:
    # signoff:<position>:draft-<version> or signoff:<position>:amendment-<proposal>
    name, position_id, what = delivery.key.split(":", 2)
    if name != "signoff" or not position_id.isdigit():
        raise ValueError(f"not a sign-off key: {delivery.key!r}")
    position = Position.objects.select_related("organisation").get(pk=int(position_id))
    context = {
        "kind": NotificationKind.SIGNOFF,
        "amendment": what.startswith("amendment-"),
        "title": position.title,
        "detail": str(position.organisation),
        "url": settings.SITE_URL + reverse("consultations:position_detail", args=[position.pk]),
    }
    return _message(user=delivery.recipient, template="notification", context=context)


def notification_message(*, delivery: Delivery) -> EmailMultiAlternatives:
    """The e-mail of a notification delivery, built from its subject whenever it is (re)sent."""
    if delivery.kind == POSITION_UPDATE:
        return _position_update_message(delivery)
    if delivery.kind == COSIGN_INVITE:
        return _cosign_invite_message(delivery)
    if delivery.kind == SIGNOFF_REQUEST:
        return _signoff_message(delivery)
    if delivery.kind.startswith("room-"):
        return _room_message(delivery)
    if delivery.kind == "consultation-reminder":
        from consultations.services.ministries import consultation_reminder_message

        return consultation_reminder_message(delivery)
    raise ValueError(f"no e-mail for deliveries of kind {delivery.kind!r}")


def _members(org_ids: Iterable[int]) -> list[User]:
    memberships = Membership.objects.filter(organisation_id__in=set(org_ids), user__is_active=True).select_related(
        "user"
    )
    return sorted({m.user for m in memberships}, key=lambda user: user.pk)


def _position_recipients(position: Position) -> list[User]:
    """Members of the organisation behind the position and of the organisations that co-signed it."""
    cosigners = CoSignature.objects.filter(position=position, status=CoSignature.Status.ACCEPTED).values_list(
        "organisation_id", flat=True
    )
    return _members([position.organisation_id, *cosigners])


def position_update_notify(*, event_id: int) -> int:
    """Tell the organisation(s) about a status change, a response or a merge."""
    event = (
        TriageEvent.objects.select_related("position__organisation", "position__chapter", "position__round")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return 0
    position = event.position
    key = f"triage-event:{event.pk}"
    path = reverse("consultations:position_detail", args=[position.pk])
    kind = NotificationKind.RESPONSE if event.data.get("response") else NotificationKind.STATUS
    to_email = notify(users=_position_recipients(position), kind=kind, title=position.title, url=path, key=key)
    window = float(settings.NOTIFICATION_BATCH_WINDOW)
    hold = dt.timedelta(seconds=window) if window > 0 else None
    sent = _deliver(kind=POSITION_UPDATE, key=key, users=to_email, hold=hold)
    if event.notified_at is None:
        event.notified_at = timezone.now()
        event.save(update_fields=["notified_at"])
    return sent


def cosignature_invite_notify(*, cosignature_id: int) -> int:
    """Tell the invited organisation's members that they were asked to co-sign."""
    cosignature = (
        CoSignature.objects.select_related("position__organisation", "position__chapter", "organisation")
        .filter(pk=cosignature_id, status=CoSignature.Status.PENDING)
        .first()
    )
    if cosignature is None:
        return 0
    key = f"cosignature:{cosignature.pk}"
    users = notify(
        users=_members([cosignature.organisation_id]),
        kind=NotificationKind.COSIGN,
        title=cosignature.position.title,
        url=reverse("consultations:cosignature_list"),
        key=key,
    )
    return _deliver(kind=COSIGN_INVITE, key=key, users=users)


def _coordinators(org_id: int) -> list[User]:
    memberships = Membership.objects.filter(
        organisation_id=org_id, role=Membership.Role.COORDINATOR, user__is_active=True
    ).select_related("user")
    return sorted({m.user for m in memberships}, key=lambda user: user.pk)


def signoff_request_notify(*, position_id: int, version: int | None = None, proposal_id: int | None = None) -> int:
    """Tell the organisation's coordinators that a draft (at ``version``) or a proposed amendment awaits their
    sign-off. Nothing is said once it no longer waits (decided, returned, edited or superseded before this ran):
    the position is locked while the entries are added, so a decision cannot slip in between the check and them."""
    from consultations.models import ProposedAmendment
    from consultations.services.positions import lock_position

    with transaction.atomic():
        position = Position.objects.filter(pk=position_id).first()
        if position is None:
            return 0
        position = lock_position(position_id)
        if proposal_id is not None:
            waiting = ProposedAmendment.objects.filter(
                pk=proposal_id, position=position, status=ProposedAmendment.Status.PENDING
            ).exists()
            key = f"signoff:{position.pk}:amendment-{proposal_id}"
        else:
            waiting = position.status == PositionStatus.AWAITING_SIGNOFF and position.version == version
            key = f"signoff:{position.pk}:draft-{version}"
        if not waiting:
            return 0
        users = notify(
            users=_coordinators(position.organisation_id),
            kind=NotificationKind.SIGNOFF,
            title=position.title,
            url=reverse("consultations:position_detail", args=[position.pk]),
            key=key,
        )
    return _deliver(kind=SIGNOFF_REQUEST, key=key, users=users)


def signoff_notifications_clear(*, position: Position, now: dt.datetime | None = None) -> int:
    """The position no longer waits for a coordinator (signed off, returned, edited back to draft, superseded):
    its sign-off entries leave every coordinator's unread list."""
    return Notification.objects.filter(
        kind=NotificationKind.SIGNOFF, key__startswith=f"signoff:{position.pk}:", read_at__isnull=True
    ).update(read_at=now or timezone.now())


def _room_notify(*, kind: str, key: str, chapter, title: str, path: str, users=None) -> int:  # noqa: ANN001
    from consultations.selectors.room import room_member_list

    recipients = list(users) if users is not None else list(room_member_list(chapter=chapter))
    to_email = notify(users=recipients, kind=kind, title=title, url=path, key=key)
    return _deliver(kind=f"room-{kind}", key=key, users=to_email)


def briefing_notify(*, briefing_id: int) -> int:
    """Tell the room of the briefing's chapter (organisations following it or with positions in it)."""
    from consultations.models import Briefing

    briefing = Briefing.objects.select_related("chapter").filter(pk=briefing_id).first()
    if briefing is None:
        return 0
    return _room_notify(
        kind=NotificationKind.BRIEFING,
        key=f"briefing:{briefing.pk}",
        chapter=briefing.chapter,
        title=briefing.title,
        path=reverse("consultations:briefing_detail", args=[briefing.pk]),
    )


def room_question_notify(*, question_id: int) -> int:
    from consultations.models import RoomQuestion

    question = RoomQuestion.objects.select_related("chapter").filter(pk=question_id).first()
    if question is None:
        return 0
    return _room_notify(
        kind=NotificationKind.QUESTION,
        key=f"room-question:{question.pk}",
        chapter=question.chapter,
        title=str(question),
        path=reverse("consultations:room_question_detail", args=[question.pk]),
    )


# Reminders go out this long before a room question closes, to the organisations that have not answered.
DEADLINE_NOTICE = dt.timedelta(hours=24)


def room_deadlines_notify(*, now: dt.datetime | None = None) -> int:
    """Remind the delegates of organisations that have not answered a question closing within a day. Each
    (question, person) is reminded once, however often beat runs this."""
    from consultations.selectors.room import room_organisation_list_unanswered, room_question_list_closing_between

    now = now or timezone.now()
    sent = 0
    for question in room_question_list_closing_between(start=now, end=now + DEADLINE_NOTICE):
        unanswered = room_organisation_list_unanswered(question=question).values_list("pk", flat=True)
        sent += _room_notify(
            kind=NotificationKind.DEADLINE,
            key=f"room-question:{question.pk}",
            chapter=question.chapter,
            title=str(question),
            path=reverse("consultations:room_question_detail", args=[question.pk]),
            users=_members(unanswered),
        )
    return sent


@transaction.atomic
def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications (or all of them) as read."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())
