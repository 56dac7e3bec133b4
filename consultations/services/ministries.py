"""Inter-ministerial coordination: consultation requests between ministries, their daily reminders, and the
rotation that assigns new filings to a chapter's officials."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from consultations.models import (
    ChapterCoordination,
    ConsultationReminder,
    ConsultationRequest,
    Delivery,
    Ministry,
    NotificationKind,
    TriageEvent,
    User,
)
from consultations.rules.state_of_play import reads_state_of_play
from consultations.rules.triage import can_triage
from consultations.selectors.roles import user_official_profile
from consultations.services.audit import audit_record
from consultations.services.retry import retry_on_conflict

if TYPE_CHECKING:
    from django.core.mail import EmailMultiAlternatives

    from consultations.models import OpenIssue, Position

CONSULTATION_REMINDER = "consultation-reminder"
MAX_QUESTION = 4000
MAX_ANSWER = 8000


def consultation_today(now: dt.datetime) -> dt.date:
    """Due dates are days in Mexico City, where the ministries work."""
    return timezone.localdate(now, zoneinfo.ZoneInfo(settings.TIME_ZONE))


def _ministry_of(user: User) -> Ministry | None:
    profile = user_official_profile(user)
    if profile is None or not user.is_active:
        return None
    return Ministry.objects.filter(code=profile.ministry).first()


def _require_may_ask(by: User, position: Position | None, open_issue: OpenIssue | None) -> None:
    if (position is None) == (open_issue is None):
        raise ValueError("a consultation is about one position or one open issue")
    if position is not None and not can_triage(by, position):
        raise ValidationError(_("You cannot ask for opinions on this position."), code="forbidden")
    if open_issue is not None and not reads_state_of_play(by, open_issue.chapter):
        raise ValidationError(_("You cannot ask for opinions on this open issue."), code="forbidden")


@transaction.atomic
def consultation_request_create(
    *,
    by: User,
    to_ministry: Ministry | None,
    question: str,
    due_on: dt.date | None,
    position: Position | None = None,
    open_issue: OpenIssue | None = None,
    now: dt.datetime | None = None,
) -> ConsultationRequest:
    """An official who triages ``position`` (or reads the state of play of ``open_issue``'s chapter) asks another
    ministry for its opinion on it.

    The position or issue itself is not locked nor changed: asking for an opinion never holds up filing, triage or
    an edit of the issue."""
    now = now or timezone.now()
    _require_may_ask(by, position, open_issue)
    from_ministry = _ministry_of(by)
    if from_ministry is None:
        raise ValidationError(
            _("Your ministry is not in the reference data: ask an administrator to load it."), code="no_ministry"
        )
    errors: dict[str, str] = {}
    if to_ministry is None or not to_ministry.is_active:
        errors["to_ministry"] = _("Choose the ministry whose opinion you need.")
    elif to_ministry.pk == from_ministry.pk:
        errors["to_ministry"] = _(
            "%(ministry)s is your own ministry: a consultation asks another ministry for its opinion."
        ) % {"ministry": from_ministry.name}
    question = question.strip()
    if not question:
        errors["question"] = _("Write the question the other ministry should answer.")
    elif len(question) > MAX_QUESTION:
        errors["question"] = _("The question has at most %(max)d characters.") % {"max": MAX_QUESTION}
    today = consultation_today(now)
    if due_on is None:
        errors["due_on"] = _("Give the day the answer is due.")
    elif due_on < today:
        errors["due_on"] = _("The due date %(date)s has passed: choose today or a later day.") % {
            "date": formats.date_format(due_on, "DATE_FORMAT")
        }
    if errors:
        raise ValidationError(errors)
    assert to_ministry is not None and due_on is not None
    request = ConsultationRequest.objects.create(
        position=position,
        open_issue=open_issue,
        from_ministry=from_ministry,
        to_ministry=to_ministry,
        requested_by=by,
        question=question,
        due_on=due_on,
    )
    audit_record(
        actor=by,
        action="consultation.request",
        target=request,
        data={
            **({"position": position.pk} if position else {"open_issue": open_issue.pk if open_issue else None}),
            "to": to_ministry.code,
            "due_on": due_on.isoformat(),
        },
    )
    return request


@retry_on_conflict
@transaction.atomic
def consultation_answer(
    *, by: User, request: ConsultationRequest, answer: str, now: dt.datetime | None = None
) -> ConsultationRequest:
    """An official of the ministry consulted answers. One answer per request: the second official to answer at
    the same time is told who answered first, and their text is not lost (the form keeps it)."""
    request = (
        ConsultationRequest.objects.select_for_update(of=("self",), no_key=True)
        .select_related("to_ministry", "answered_by")
        .get(pk=request.pk)
    )
    ministry = _ministry_of(by)
    if ministry is None or ministry.pk != request.to_ministry_id:
        raise ValidationError(
            _("Only officials of %(ministry)s answer this request.") % {"ministry": request.to_ministry.name},
            code="forbidden",
        )
    if request.status == ConsultationRequest.Status.ANSWERED:
        raise ValidationError(
            _("%(official)s already answered this request on %(time)s. Your text was not saved.")
            % {
                "official": request.answered_by,
                "time": formats.date_format(timezone.localtime(request.answered_at), "DATETIME_FORMAT"),
            },
            code="answered",
        )
    answer = answer.strip()
    if not answer:
        raise ValidationError({"answer": _("Write your ministry's answer.")})
    if len(answer) > MAX_ANSWER:
        raise ValidationError({"answer": _("The answer has at most %(max)d characters.") % {"max": MAX_ANSWER}})
    request.status = ConsultationRequest.Status.ANSWERED
    request.answer = answer
    request.answered_by = by
    request.answered_at = now or timezone.now()
    request.save(update_fields=["status", "answer", "answered_by", "answered_at"])
    audit_record(
        actor=by,
        action="consultation.answer",
        target=request,
        data={"position": request.position_id} if request.position_id else {"open_issue": request.open_issue_id},
    )
    return request


# --- Reminders ------------------------------------------------------------------------------------------------


def _ministry_officials(ministry: Ministry) -> list[User]:
    return list(User.objects.filter(is_active=True, official_profile__ministry=ministry.code).order_by("pk").distinct())


def consultation_remind(*, request_id: int, today: dt.date) -> int:
    """Remind the consulted ministry's officials of one overdue request, once for ``today``.

    The (request, day) reminder row, the in-app entries and one ``Delivery`` per official are written in one
    transaction before anything is sent: a second run the same day (beat again, a redelivered task, a restarted
    worker) finds them and creates nothing; what it finds still unsent it sends through the deliveries' attempt
    leases, so no e-mail goes twice. The next day is a new row, and a new reminder."""
    from consultations.services.deliveries import delivery_expected_by
    from consultations.services.notifications import deliver, notify

    with transaction.atomic():
        request = (
            ConsultationRequest.objects.select_related("to_ministry", "position")
            .filter(pk=request_id, status=ConsultationRequest.Status.OPEN, due_on__lt=today)
            .first()
        )
        if request is None:
            return 0
        reminder, _created = ConsultationReminder.objects.get_or_create(request=request, on_date=today)
        key = f"{CONSULTATION_REMINDER}:{reminder.pk}"
        to_email = notify(
            users=_ministry_officials(request.to_ministry),
            kind=NotificationKind.CONSULTATION,
            title=request.question,
            url=reverse("consultations:consultation_detail", args=[request.pk]),
            key=key,
        )
        expected_by = delivery_expected_by()
        Delivery.objects.bulk_create(
            [
                Delivery(kind=CONSULTATION_REMINDER, key=key, recipient=user, next_attempt_at=expected_by)
                for user in to_email
            ],
            ignore_conflicts=True,
        )
    return deliver(kind=CONSULTATION_REMINDER, key=key, users=to_email)


def consultation_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Beat runs this several times a day; each overdue request is reminded once per day."""
    today = consultation_today(now or timezone.now())
    overdue = ConsultationRequest.objects.filter(status=ConsultationRequest.Status.OPEN, due_on__lt=today)
    return sum(
        consultation_remind(request_id=request_id, today=today)
        for request_id in overdue.order_by("pk").values_list("pk", flat=True)
    )


def consultation_reminder_message(delivery: Delivery) -> EmailMultiAlternatives:
    from consultations.services.notifications import message_for, source_id

    reminder = ConsultationReminder.objects.select_related("request__from_ministry").get(
        pk=source_id(delivery.key, CONSULTATION_REMINDER)
    )
    request = reminder.request
    context = {
        "kind": NotificationKind.CONSULTATION,
        "title": request.question,
        "detail": request.from_ministry.name,
        "due_on": request.due_on,
        "url": settings.SITE_URL + reverse("consultations:consultation_detail", args=[request.pk]),
    }
    return message_for(user=delivery.recipient, template="notification", context=context)


# --- Assignment in rotation -----------------------------------------------------------------------------------


def position_auto_assign(position: Position, *, by: User) -> int | None:
    """Assign a position being filed to the next of its chapter's officials, when the chapter asks for it.

    Called by the filing services inside their transaction, with the position row already locked. The rotation
    is strict round robin over the chapter's active officials in id order, its cursor (``last_assigned``) kept on
    the chapter's ChapterCoordination row, which is locked ``FOR NO KEY UPDATE`` here: two filings of the same
    chapter take it one after the other, and the second reads the cursor the first committed (READ COMMITTED
    re-reads a row it waited for), so they never pick the same official twice in a row nor skip one.

    Why this cannot deadlock the deadline rush: the lock is taken last, after the position's, on a row of its own
    that no position references (so no insert's foreign-key check ever waits on it), and no path locks it first and
    a position second. Chapters without the setting take no lock at all. The wait it adds is one short UPDATE per
    filing of the same chapter.
    """
    if position.assigned_to_id is not None:
        return None
    coordination = (
        ChapterCoordination.objects.select_for_update(of=("self",), no_key=True)
        .filter(chapter_id=position.chapter_id, auto_assign=True)
        .order_by("pk")
        .first()
    )
    if coordination is None:
        return None
    officials = list(
        User.objects.filter(is_active=True, official_profile__chapters=position.chapter_id)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )
    if not officials:
        return None
    last = coordination.last_assigned_id or 0
    chosen = next((pk for pk in officials if pk > last), officials[0])
    coordination.last_assigned_id = chosen
    coordination.save(update_fields=["last_assigned"])
    position.assigned_to_id = chosen
    TriageEvent.objects.create(
        position=position,
        actor=by,
        action=TriageEvent.Action.ASSIGN,
        data={"from": None, "to": chosen, "rotation": True},
    )
    return chosen
