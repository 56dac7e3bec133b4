"""Writes to positions: create and edit drafts, file, sign off, amend, withdraw."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.models import Membership, Position, PositionRevision, PositionStatus, Round
from consultations.models.positions import CLOSED_STATUSES, CONTENT_FIELDS, UNFILED_STATUSES
from consultations.selectors.rounds import round_next_open
from consultations.services.audit import audit_record
from consultations.services.errors import RoundClosed, VersionConflict
from consultations.services.memberships import membership_require

if TYPE_CHECKING:
    from consultations.models import Organisation, User

EDITABLE_FIELDS = (*CONTENT_FIELDS, "chapter", "round")


def _require_round_open(round: Round) -> None:
    if not round.accepts_input:
        raise RoundClosed(round, round_next_open(exclude=round))


def _require_targetable(round: Round | None) -> None:
    if round is None:
        raise ValidationError({"round": _("Choose the round this position is for.")})
    if round.cancelled_at or round.submission_deadline is None or round.ends_at <= timezone.now():
        raise ValidationError({"round": _("«%(round)s» does not take positions.") % {"round": round.label}})


def _lock(position: Position) -> Position:
    return Position.objects.select_for_update().select_related("round", "organisation").get(pk=position.pk)


def _check_version(position: Position, expected_version: int | None) -> None:
    if expected_version is not None and position.version != expected_version:
        raise VersionConflict(position)


def _apply(position: Position, data: dict[str, Any], fields: tuple[str, ...]) -> list[str]:
    changed = []
    for name in fields:
        if name not in data:
            continue
        value = data[name]
        if name == "hs_lines":
            value = list(value or [])
        if name in ("chapter", "round"):
            if getattr(position, f"{name}_id") != (value.pk if value is not None else None):
                setattr(position, name, value)
                changed.append(name)
            continue
        if getattr(position, name) != value:
            setattr(position, name, value)
            changed.append(name)
    return changed


def _validate(position: Position) -> None:
    """Field validation with clear messages. The relations were loaded by the caller, and the table's constraints
    (checked again by PostgreSQL on save) cover states this service sets itself, so neither is queried here:
    filing stays cheap in a deadline rush."""
    position.full_clean(
        exclude=["organisation", "created_by", "signed_off_by", "client_token", "chapter", "round"],
        validate_unique=False,
        validate_constraints=False,
    )


def _snapshot(position: Position) -> dict[str, Any]:
    content = position.content()
    content["chapter"] = position.chapter_id
    content["round"] = position.round_id
    content["attachments"] = [
        {"name": a.original_name, "sha256": a.sha256} for a in position.attachments.order_by("uploaded_at", "id")
    ]
    return content


def revision_record(position: Position, *, by: User, reason: str = "") -> PositionRevision:
    """Record the position as it now is as its next revision. Call inside the service's transaction."""
    last = position.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    return PositionRevision.objects.create(
        position=position, number=last + 1, content=_snapshot(position), reason=reason, created_by=by
    )


@transaction.atomic
def position_create(
    *, by: User, organisation: Organisation, data: dict[str, Any], client_token: uuid.UUID | None = None
) -> Position:
    """Create a draft. The same ``client_token`` (one per opened form) never creates a second position."""
    membership_require(user=by, organisation_id=organisation.pk)
    if client_token is not None:
        existing = Position.objects.filter(client_token=client_token, organisation=organisation).first()
        if existing is not None:
            return existing
    position = Position(organisation=organisation, created_by=by, client_token=client_token or uuid.uuid4())
    _apply(position, data, EDITABLE_FIELDS)
    if position.chapter_id is None:
        raise ValidationError({"chapter": _("Choose the chapter this position is about.")})
    _require_targetable(position.round if position.round_id else None)
    _validate(position)
    try:
        with transaction.atomic():
            position.save()
    except IntegrityError:
        # A concurrent submission of the same form won the race: answer with its position.
        existing = Position.objects.filter(client_token=position.client_token, organisation=organisation).first()
        if existing is None:
            raise
        return existing
    audit_record(actor=by, action="position.create", target=position, organisation=organisation)
    return position


@transaction.atomic
def position_update_draft(
    *, by: User, position: Position, data: dict[str, Any], expected_version: int | None = None
) -> Position:
    position = _lock(position)
    membership_require(user=by, organisation_id=position.organisation_id)
    if position.status not in UNFILED_STATUSES:
        raise ValidationError(_("This position has been filed; amend it instead."), code="filed")
    _check_version(position, expected_version)
    changed = _apply(position, data, EDITABLE_FIELDS)
    if "round" in changed:
        _require_targetable(position.round if position.round_id else None)
    _validate(position)
    if changed:
        position.version += 1
        position.save()
        audit_record(
            actor=by,
            action="position.update_draft",
            target=position,
            organisation=position.organisation,
            data={"fields": changed},
        )
    return position


def _file(position: Position, *, by: User, signed_off_by: User | None) -> Position:
    now = timezone.now()
    position.status = PositionStatus.SUBMITTED
    position.filed_at = now
    position.signed_off_by = signed_off_by
    position.version += 1
    position.save()
    revision_record(position, by=by)
    audit_record(actor=by, action="position.file", target=position, organisation=position.organisation)
    return position


@transaction.atomic
def position_file(*, by: User, position: Position, expected_version: int | None = None) -> Position:
    """File a draft for its round, or send it for sign-off when the organisation requires it."""
    position = _lock(position)
    membership = membership_require(user=by, organisation_id=position.organisation_id)
    if position.status != PositionStatus.DRAFT:
        raise ValidationError(_("Only a draft can be filed."), code="not_draft")
    _check_version(position, expected_version)
    _require_round_open(position.round)
    is_coordinator = membership.role == Membership.Role.COORDINATOR
    if position.organisation.requires_signoff and not is_coordinator:
        position.status = PositionStatus.AWAITING_SIGNOFF
        position.signoff_requested_at = timezone.now()
        position.version += 1
        position.save()
        audit_record(actor=by, action="position.request_signoff", target=position, organisation=position.organisation)
        return position
    return _file(position, by=by, signed_off_by=by if position.organisation.requires_signoff else None)


@transaction.atomic
def position_sign_off(*, by: User, position: Position) -> Position:
    """A coordinator of the organisation approves a draft awaiting sign-off; it is filed at once."""
    position = _lock(position)
    membership_require(user=by, organisation_id=position.organisation_id, coordinator=True)
    if position.status != PositionStatus.AWAITING_SIGNOFF:
        raise ValidationError(_("This position is not awaiting sign-off."), code="not_awaiting")
    _require_round_open(position.round)
    return _file(position, by=by, signed_off_by=by)


@transaction.atomic
def position_return_to_draft(*, by: User, position: Position) -> Position:
    """A coordinator sends a draft awaiting sign-off back to its authors."""
    position = _lock(position)
    membership_require(user=by, organisation_id=position.organisation_id, coordinator=True)
    if position.status != PositionStatus.AWAITING_SIGNOFF:
        raise ValidationError(_("This position is not awaiting sign-off."), code="not_awaiting")
    position.status = PositionStatus.DRAFT
    position.signoff_requested_at = None
    position.version += 1
    position.save()
    audit_record(actor=by, action="position.return_to_draft", target=position, organisation=position.organisation)
    return position


@transaction.atomic
def position_amend(
    *,
    by: User,
    position: Position,
    data: dict[str, Any],
    reason: str = "",
    expected_version: int | None = None,
) -> Position:
    """Change a filed position: the previous text stays in its revision, the new one becomes the next."""
    position = _lock(position)
    membership_require(user=by, organisation_id=position.organisation_id)
    if position.status in UNFILED_STATUSES:
        raise ValidationError(_("A draft is edited, not amended."), code="draft")
    if position.status in CLOSED_STATUSES:
        raise ValidationError(
            _("This position is %(status)s and can no longer be amended.") % {"status": position.get_status_display()},
            code="closed",
        )
    _check_version(position, expected_version)
    _require_round_open(position.round)
    changed = _apply(position, data, CONTENT_FIELDS)
    if not changed:
        raise ValidationError(_("Nothing changed: the amendment is the same as the current text."), code="unchanged")
    _validate(position)
    position.version += 1
    position.save()
    revision = revision_record(position, by=by, reason=reason)
    audit_record(
        actor=by,
        action="position.amend",
        target=position,
        organisation=position.organisation,
        data={"fields": changed, "revision": revision.number},
    )
    return position


@transaction.atomic
def position_withdraw(*, by: User, position: Position, reason: str = "") -> Position:
    position = _lock(position)
    membership_require(user=by, organisation_id=position.organisation_id)
    if position.status in UNFILED_STATUSES:
        raise ValidationError(_("A draft that was never filed cannot be withdrawn."), code="draft")
    if position.status in CLOSED_STATUSES:
        raise ValidationError(
            _("This position is %(status)s already.") % {"status": position.get_status_display()},
            code="closed",
        )
    position.status = PositionStatus.WITHDRAWN
    position.withdrawn_at = timezone.now()
    position.version += 1
    position.save()
    audit_record(
        actor=by,
        action="position.withdraw",
        target=position,
        organisation=position.organisation,
        data={"reason": reason} if reason else None,
    )
    return position
