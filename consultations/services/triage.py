"""Triage writes: assign, change status, answer, note, tag, merge — one position or a selection.

Each step is recorded as a TriageEvent (the position's history) and an AuditEvent; the organisation hears about
responses and status changes through a notification queued after the transaction commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.models import InternalNote, Position, PositionStatus, TriageEvent
from consultations.models.positions import UNFILED_STATUSES
from consultations.models.triage import FINAL_STATUSES, TRANSITIONS
from consultations.rules.triage import can_triage
from consultations.selectors.roles import user_official_chapter_ids, user_official_profile
from consultations.services.audit import audit_record
from consultations.services.errors import TriageConflict
from consultations.services.outbox import outbox_enqueue
from consultations.services.retry import retry_on_conflict

if TYPE_CHECKING:
    from collections.abc import Iterable

    from consultations.models import User

S = PositionStatus
MAX_TAG = 40


def _lock(position: Position) -> Position:
    """Only the position row is locked, never its round, organisation or chapter (see ``lock_position``)."""
    return (
        Position.objects.select_for_update(of=("self",), no_key=True)
        .select_related("round", "organisation", "chapter")
        .get(pk=position.pk)
    )


def _require_triage(by: User, position: Position) -> None:
    if position.status in UNFILED_STATUSES or position.status == S.WITHDRAWN:
        raise ValidationError(
            _("A position that is “%(status)s” cannot be triaged.") % {"status": position.get_status_display()},
            code="closed",
        )
    if not can_triage(by, position):
        raise ValidationError(_("You cannot triage positions of this chapter."), code="forbidden")


def _check_version(position: Position, expected_version: int | None) -> None:
    if expected_version is not None and position.triage_version != expected_version:
        raise TriageConflict(position, position.triage_events.select_related("actor").first())


def _record(
    position: Position,
    *,
    by: User,
    action: str,
    from_status: str = "",
    to_status: str = "",
    data: dict[str, Any] | None = None,
    bulk_id: uuid.UUID | None = None,
    bump: bool = True,
) -> TriageEvent:
    """Save the position and record the step. Notes and tags only add up, so they do not ``bump`` the version
    that another official's pending status change or response is checked against."""
    if bump:
        position.triage_version += 1
    position.save()
    event = TriageEvent.objects.create(
        position=position,
        actor=by,
        action=action,
        from_status=from_status,
        to_status=to_status,
        data=data or {},
        bulk_id=bulk_id,
    )
    audit_record(
        actor=by,
        action=f"triage.{action}",
        target=position,
        organisation=position.organisation,
        data={"event": event.pk, **(data or {}), **({"to": to_status} if to_status else {})},
    )
    return event


def _notify_organisation(event: TriageEvent) -> None:
    outbox_enqueue(task="consultations.tasks.position_update_notify", event_id=event.pk)


def may_be_assigned(user: User, position: Position) -> bool:
    profile = user_official_profile(user)
    return bool(
        user.is_active
        and profile is not None
        and (profile.is_coordinator or position.chapter_id in user_official_chapter_ids(user))
    )


@retry_on_conflict
@transaction.atomic
def position_assign(
    *,
    by: User,
    position: Position,
    assignee: User | None,
    expected_version: int | None = None,
    bulk_id: uuid.UUID | None = None,
) -> Position:
    """Assign a position to an official of its chapter, or unassign it with ``assignee=None``."""
    position = _lock(position)
    _require_triage(by, position)
    _check_version(position, expected_version)
    if assignee is not None and not may_be_assigned(assignee, position):
        raise ValidationError(
            _("%(user)s does not work on chapter %(chapter)d.")
            % {"user": assignee, "chapter": position.chapter.number},
            code="not_official",
        )
    if position.assigned_to_id == (assignee.pk if assignee else None):
        return position
    previous = position.assigned_to_id
    position.assigned_to = assignee
    _record(
        position,
        by=by,
        action=TriageEvent.Action.ASSIGN if assignee else TriageEvent.Action.UNASSIGN,
        data={"from": previous, "to": assignee.pk if assignee else None},
        bulk_id=bulk_id,
    )
    return position


@retry_on_conflict
@transaction.atomic
def position_set_status(
    *,
    by: User,
    position: Position,
    status: str,
    response: str = "",
    expected_version: int | None = None,
    bulk_id: uuid.UUID | None = None,
) -> Position:
    """Move a position along the triage path. A final status needs an official response for the organisation: the
    one given now, or else the one already saved (it is kept, not asked for again)."""
    position = _lock(position)
    _require_triage(by, position)
    _check_version(position, expected_version)
    current = position.status
    if status == S.MERGED:
        raise ValidationError(_("Use “merge as duplicate” to merge a position."), code="merge")
    if status not in TRANSITIONS.get(current, ()):
        raise ValidationError(
            _("A position cannot go from “%(from)s” to “%(to)s”.")
            % {"from": S(current).label, "to": S(status).label if status in S.values else status},
            code="transition",
        )
    response = response.strip()
    if response == position.official_response:
        response = ""  # the saved response, unchanged: kept as it is, with its time
    if status in FINAL_STATUSES and not (response or position.official_response):
        raise ValidationError(
            {"response": _("Write the official response the organisation will read with this status.")},
        )
    position.status = status
    if response:
        _set_response(position, response)
    event = _record(
        position,
        by=by,
        action=TriageEvent.Action.STATUS,
        from_status=current,
        to_status=status,
        data={"response": response} if response else None,
        bulk_id=bulk_id,
    )
    _notify_organisation(event)
    return position


def _set_response(position: Position, response: str) -> None:
    position.official_response = response
    position.responded_at = timezone.now()


@retry_on_conflict
@transaction.atomic
def position_respond(*, by: User, position: Position, response: str, expected_version: int | None = None) -> Position:
    """Write or rewrite the official response; the previous text stays in the history."""
    position = _lock(position)
    _require_triage(by, position)
    _check_version(position, expected_version)
    response = response.strip()
    if not response:
        raise ValidationError({"response": _("The response is empty.")})
    if response == position.official_response:
        return position
    previous = position.official_response
    _set_response(position, response)
    event = _record(
        position,
        by=by,
        action=TriageEvent.Action.RESPONSE,
        # The status when this response was given: the e-mail about it shows that, not a later one.
        data={"response": response, "previous": previous, "status": position.status},
    )
    _notify_organisation(event)
    return position


@retry_on_conflict
@transaction.atomic
def position_decide(
    *, by: User, position: Position, status: str = "", response: str = "", expected_version: int | None = None
) -> Position:
    """The pane's one decision form: a new status (with the response it needs), or only a new response text."""
    if status:
        return position_set_status(
            by=by, position=position, status=status, response=response, expected_version=expected_version
        )
    if response.strip() == position.official_response:
        raise ValidationError(_("Nothing to save: choose a new status or change the response."), code="unchanged")
    return position_respond(by=by, position=position, response=response, expected_version=expected_version)


@transaction.atomic
def position_note_add(*, by: User, position: Position, body: str) -> InternalNote:
    """An internal note for officials. Notes only add up, so two officials writing at once both keep theirs."""
    position = _lock(position)
    _require_triage(by, position)
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("The note is empty.")})
    note = InternalNote.objects.create(position=position, author=by, body=body)
    _record(position, by=by, action=TriageEvent.Action.NOTE, data={"note": note.pk}, bump=False)
    return note


def clean_tag(tag: str) -> str:
    tag = " ".join(tag.split()).lower()
    if not tag:
        raise ValidationError({"tag": _("The tag is empty.")})
    if len(tag) > MAX_TAG:
        raise ValidationError({"tag": _("A tag has at most %(max)d characters.") % {"max": MAX_TAG}})
    return tag


@retry_on_conflict
@transaction.atomic
def position_tag(*, by: User, position: Position, tag: str, bulk_id: uuid.UUID | None = None) -> Position:
    tag = clean_tag(tag)
    position = _lock(position)
    _require_triage(by, position)
    if tag in position.tags:
        return position
    position.tags = [*position.tags, tag]
    _record(position, by=by, action=TriageEvent.Action.TAG, data={"tag": tag}, bulk_id=bulk_id, bump=False)
    return position


@retry_on_conflict
@transaction.atomic
def position_merge_duplicate(
    *, by: User, position: Position, original: Position, response: str, expected_version: int | None = None
) -> Position:
    """Merge ``position`` into ``original``: both texts stay, they are linked, and both organisations are told."""
    if position.pk == original.pk:
        raise ValidationError(_("A position cannot be a duplicate of itself."), code="self")
    # Lock both in id order, so two officials merging in opposite directions cannot deadlock.
    locked = {
        p.pk: p
        for p in Position.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk__in=[position.pk, original.pk])
        .order_by("pk")
    }
    position, original = locked[position.pk], locked[original.pk]
    _require_triage(by, position)
    _require_triage(by, original)
    _check_version(position, expected_version)
    if (position.chapter_id, position.round_id) != (original.chapter_id, original.round_id):
        raise ValidationError(_("Only positions of the same chapter and round can be merged."), code="scope")
    closed = (S.MERGED, S.WITHDRAWN)
    if position.status in closed or original.status in closed:
        raise ValidationError(_("Withdrawn or merged positions cannot be merged."), code="closed")
    response = response.strip()
    if not response:
        raise ValidationError({"response": _("Write the official response both organisations will read.")})
    current = position.status
    position.status = S.MERGED
    position.duplicate_of = original
    _set_response(position, response)
    event = _record(
        position,
        by=by,
        action=TriageEvent.Action.MERGE,
        from_status=current,
        to_status=S.MERGED,
        data={"original": original.pk, "response": response},
    )
    original_event = _record(
        original,
        by=by,
        action=TriageEvent.Action.MERGE,
        data={"duplicate": position.pk, "response": response, "status": original.status},
    )
    _notify_organisation(event)
    _notify_organisation(original_event)
    return position


@dataclass
class BulkResult:
    bulk_id: uuid.UUID
    done: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)


def _bulk(positions: Iterable[Position], apply) -> BulkResult:  # noqa: ANN001 - a callable(position, bulk_id)
    """Apply one action to each position of a selection. A position the action does not fit is skipped with its
    reason; the others are done, each with its own history entry sharing one bulk id."""
    result = BulkResult(bulk_id=uuid.uuid4())
    # In id order: the locks are held to the end, and two selections must take them in the same order.
    for position in sorted(positions, key=lambda p: p.pk):
        try:
            with transaction.atomic():
                apply(position, result.bulk_id)
        except ValidationError as error:
            result.skipped[position.pk] = " ".join(error.messages)
        else:
            result.done.append(position.pk)
    return result


@retry_on_conflict
@transaction.atomic
def positions_bulk_assign(*, by: User, positions: Iterable[Position], assignee: User | None) -> BulkResult:
    return _bulk(positions, lambda p, bulk_id: position_assign(by=by, position=p, assignee=assignee, bulk_id=bulk_id))


@retry_on_conflict
@transaction.atomic
def positions_bulk_set_status(
    *, by: User, positions: Iterable[Position], status: str, response: str = ""
) -> BulkResult:
    return _bulk(
        positions,
        lambda p, bulk_id: position_set_status(by=by, position=p, status=status, response=response, bulk_id=bulk_id),
    )


@retry_on_conflict
@transaction.atomic
def positions_bulk_tag(*, by: User, positions: Iterable[Position], tag: str) -> BulkResult:
    clean_tag(tag)
    return _bulk(positions, lambda p, bulk_id: position_tag(by=by, position=p, tag=tag, bulk_id=bulk_id))
