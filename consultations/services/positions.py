"""Writes to positions: create and edit drafts, file, sign off, amend, withdraw."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.models import (
    Membership,
    Position,
    PositionRevision,
    PositionStatus,
    ProposedAmendment,
    Round,
    TriageEvent,
)
from consultations.models.positions import CLOSED_STATUSES, CONTENT_FIELDS, UNFILED_STATUSES
from consultations.selectors.rounds import round_next_open
from consultations.services.audit import audit_record
from consultations.services.errors import RoundClosed, SignOffOutdated, VersionConflict, VersionRequired
from consultations.services.memberships import membership_require
from consultations.services.ministries import position_auto_assign
from consultations.services.notifications import signoff_notifications_clear
from consultations.services.outbox import outbox_enqueue
from consultations.services.retry import retry_on_conflict

if TYPE_CHECKING:
    from consultations.models import Organisation, User

EDITABLE_FIELDS = (*CONTENT_FIELDS, "chapter", "round")


def _require_round_open(round: Round, now: dt.datetime) -> None:
    """``now`` is when the request arrived: a click sent before the deadline counts, however long it queued."""
    if not round.accepts_input_at(now):
        raise RoundClosed(round, round_next_open(exclude=round))


def _require_targetable(round: Round | None, now: dt.datetime) -> None:
    if round is None:
        raise ValidationError({"round": _("Choose the round this position is for.")})
    if round.cancelled_at or round.submission_deadline is None or round.ends_at <= now:
        raise ValidationError({"round": _("«%(round)s» does not take positions.") % {"round": round.localized_label}})


def lock_position(pk: int) -> Position:
    """The position, locked for this transaction, with its round and organisation read alongside.

    Only the position row is locked (``of=("self",)``): every filing of a round shares the round and organisation
    rows, which the deferred foreign keys of concurrent inserts key-share-lock at commit; a ``FOR UPDATE`` on them
    deadlocks a deadline rush. ``no_key`` because no write here changes the position's key, so revisions, audit
    events and attachments that reference it are not held up either. Every path locks one position, or several in
    primary-key order, so two transactions never wait on each other in a circle.
    """
    return (
        Position.objects.select_for_update(of=("self",), no_key=True).select_related("round", "organisation").get(pk=pk)
    )


def _lock(position: Position) -> Position:
    return lock_position(position.pk)


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
        exclude=[
            "organisation",
            "created_by",
            "signed_off_by",
            "signoff_requested_by",
            "client_token",
            "chapter",
            "round",
        ],
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


def revision_record(
    position: Position, *, by: User, reason: str = "", signed_off_by: User | None = None
) -> PositionRevision:
    """Record the position as it now is as its next revision. Call inside the service's transaction.

    ``by`` is the author of the text; ``signed_off_by`` the coordinator who approved it, where one had to."""
    last = position.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    return PositionRevision.objects.create(
        position=position,
        number=last + 1,
        content=_snapshot(position),
        reason=reason,
        created_by=by,
        signed_off_by=signed_off_by,
    )


def _fresh_token(client_token: uuid.UUID | None) -> uuid.UUID:
    """A token another organisation already used is treated as never seen: that organisation's position is not
    theirs to find, and answering differently would tell them the token exists."""
    if client_token is None or Position.objects.filter(client_token=client_token).exists():
        return uuid.uuid4()
    return client_token


@retry_on_conflict
@transaction.atomic
def position_create(
    *,
    by: User,
    organisation: Organisation,
    data: dict[str, Any],
    client_token: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> Position:
    """Create a draft. The same ``client_token`` (one per opened form) never creates a second position."""
    now = now or timezone.now()
    membership_require(user=by, organisation_id=organisation.pk)
    if client_token is not None:
        existing = Position.objects.filter(client_token=client_token, organisation=organisation).first()
        if existing is not None:
            return existing
    position = Position(organisation=organisation, created_by=by, client_token=_fresh_token(client_token))
    _apply(position, data, EDITABLE_FIELDS)
    if position.chapter_id is None:
        raise ValidationError({"chapter": _("Choose the chapter this position is about.")})
    _require_targetable(position.round if position.round_id else None, now)
    _validate(position)
    try:
        with transaction.atomic():
            position.save()
    except IntegrityError:
        # A concurrent submission of the same form won the race: answer with its position.
        existing = Position.objects.filter(client_token=position.client_token, organisation=organisation).first()
        if existing is not None:
            return existing
        # Another organisation's form took the token at the same moment: this one is a new position all the same.
        position.pk = None
        position.client_token = uuid.uuid4()
        position.save(force_insert=True)
    audit_record(actor=by, action="position.create", target=position, organisation=organisation)
    return position


@retry_on_conflict
@transaction.atomic
def position_update_draft(
    *,
    by: User,
    position: Position,
    data: dict[str, Any],
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Position:
    """Save a draft. A draft awaiting sign-off that changes goes back to draft: the coordinator signs off a text,
    and this is no longer the text they were asked to sign."""
    now = now or timezone.now()
    position = _lock(position)
    membership_require(user=by, organisation_id=position.organisation_id)
    if position.status not in UNFILED_STATUSES:
        raise ValidationError(_("This position has been filed; amend it instead."), code="filed")
    _check_version(position, expected_version)
    changed = _apply(position, data, EDITABLE_FIELDS)
    if "round" in changed:
        _require_targetable(position.round if position.round_id else None, now)
    _validate(position)
    if changed:
        returned = position.status == PositionStatus.AWAITING_SIGNOFF
        if returned:
            position.status = PositionStatus.DRAFT
            position.signoff_requested_at = None
            position.signoff_requested_by = None
            signoff_notifications_clear(position=position, now=now)
        position.version += 1
        position.save()
        audit_record(
            actor=by,
            action="position.update_draft",
            target=position,
            organisation=position.organisation,
            data={"fields": changed, **({"returned_to_draft": True} if returned else {})},
        )
    return position


def _file(position: Position, *, by: User, author: User, signed_off_by: User | None, now: dt.datetime) -> Position:
    position.status = PositionStatus.SUBMITTED
    position.filed_at = now
    position.signed_off_by = signed_off_by
    position.version += 1
    # Before the save: the chapter may hand its new filings to its officials in rotation (after this lock).
    position_auto_assign(position, by=by)
    position.save()
    revision_record(position, by=author, signed_off_by=signed_off_by)
    audit_record(actor=by, action="position.file", target=position, organisation=position.organisation)
    return position


def _is_coordinator(membership: Membership) -> bool:
    return membership.role == Membership.Role.COORDINATOR


@retry_on_conflict
@transaction.atomic
def position_file(
    *, by: User, position: Position, expected_version: int | None = None, now: dt.datetime | None = None
) -> Position:
    """File a draft for its round, or send it for sign-off when the organisation requires it."""
    now = now or timezone.now()
    position = _lock(position)
    membership = membership_require(user=by, organisation_id=position.organisation_id)
    if position.status != PositionStatus.DRAFT:
        raise ValidationError(_("Only a draft can be filed."), code="not_draft")
    _check_version(position, expected_version)
    _require_round_open(position.round, now)
    if position.organisation.requires_signoff and not _is_coordinator(membership):
        position.status = PositionStatus.AWAITING_SIGNOFF
        position.signoff_requested_at = now
        position.signoff_requested_by = by
        position.version += 1
        position.save()
        audit_record(actor=by, action="position.request_signoff", target=position, organisation=position.organisation)
        outbox_enqueue(
            task="consultations.tasks.signoff_request_notify", position_id=position.pk, version=position.version
        )
        return position
    signer = by if position.organisation.requires_signoff else None
    return _file(position, by=by, author=by, signed_off_by=signer, now=now)


@retry_on_conflict
@transaction.atomic
def position_sign_off(
    *, by: User, position: Position, expected_version: int | None, now: dt.datetime | None = None
) -> Position:
    """A coordinator of the organisation approves a draft awaiting sign-off; it is filed at once.

    ``expected_version`` is the version of the text the coordinator reviewed (the page carries it): approving is
    refused if the draft changed since, so what is filed is always what was read."""
    now = now or timezone.now()
    position = _lock(position)
    membership_require(user=by, organisation_id=position.organisation_id, coordinator=True)
    if position.status != PositionStatus.AWAITING_SIGNOFF:
        raise ValidationError(_("This position is not awaiting sign-off."), code="not_awaiting")
    if expected_version is None:
        raise VersionRequired()
    if position.version != expected_version:
        raise SignOffOutdated(position)
    _require_round_open(position.round, now)
    author = position.signoff_requested_by or by
    signoff_notifications_clear(position=position, now=now)
    return _file(position, by=by, author=author, signed_off_by=by, now=now)


@retry_on_conflict
@transaction.atomic
def position_return_to_draft(*, by: User, position: Position) -> Position:
    """A coordinator sends a draft awaiting sign-off back to its authors."""
    position = _lock(position)
    membership_require(user=by, organisation_id=position.organisation_id, coordinator=True)
    if position.status != PositionStatus.AWAITING_SIGNOFF:
        raise ValidationError(_("This position is not awaiting sign-off."), code="not_awaiting")
    position.status = PositionStatus.DRAFT
    position.signoff_requested_at = None
    position.signoff_requested_by = None
    position.version += 1
    position.save()
    signoff_notifications_clear(position=position)
    audit_record(actor=by, action="position.return_to_draft", target=position, organisation=position.organisation)
    return position


def _require_amendable(position: Position) -> None:
    if position.status in UNFILED_STATUSES:
        raise ValidationError(_("A draft is edited, not amended."), code="draft")
    if position.status in CLOSED_STATUSES:
        raise ValidationError(
            _("This position is %(status)s and can no longer be amended.") % {"status": position.get_status_display()},
            code="closed",
        )


def _amend(
    position: Position, *, by: User, author: User, changed: list[str], reason: str, signed_off_by: User | None
) -> Position:
    _validate(position)
    position.version += 1
    answering = position.status == PositionStatus.NEEDS_INFO
    if answering:
        # The answer to the government's request puts the position back in the officials' queue.
        position.status = PositionStatus.IN_REVIEW
        position.triage_version += 1
    position.save()
    revision = revision_record(position, by=author, reason=reason, signed_off_by=signed_off_by)
    if answering:
        TriageEvent.objects.create(
            position=position,
            actor=author,
            action=TriageEvent.Action.STATUS,
            from_status=PositionStatus.NEEDS_INFO,
            to_status=PositionStatus.IN_REVIEW,
            data={"answered_with_revision": revision.number},
        )
    audit_record(
        actor=by,
        action="position.amend",
        target=position,
        organisation=position.organisation,
        data={"fields": changed, "revision": revision.number, **({"author": author.pk} if author != by else {})},
    )
    return position


@retry_on_conflict
@transaction.atomic
def position_amend(
    *,
    by: User,
    position: Position,
    data: dict[str, Any],
    reason: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Position | ProposedAmendment:
    """Change a filed position: the previous text stays in its revision, the new one becomes the next.

    In an organisation that requires sign-off, a delegate's amendment is not applied: it is held as a proposed
    amendment until a coordinator approves it (``amendment_sign_off``), and that is what this returns. A
    coordinator's own amendment is signed by them and filed at once."""
    now = now or timezone.now()
    position = _lock(position)
    membership = membership_require(user=by, organisation_id=position.organisation_id)
    _require_amendable(position)
    _check_version(position, expected_version)
    if position.status != PositionStatus.NEEDS_INFO:
        # The government's request for more information is answered whenever it comes, deadline or not.
        _require_round_open(position.round, now)
    base_version = position.version
    changed = _apply(position, data, CONTENT_FIELDS)
    if not changed:
        raise ValidationError(_("Nothing changed: the amendment is the same as the current text."), code="unchanged")
    if not position.organisation.requires_signoff:
        return _amend(position, by=by, author=by, changed=changed, reason=reason, signed_off_by=None)
    if _is_coordinator(membership):
        return _amend(position, by=by, author=by, changed=changed, reason=reason, signed_off_by=by)
    _validate(position)
    position.proposed_amendments.filter(status=ProposedAmendment.Status.PENDING).update(
        status=ProposedAmendment.Status.SUPERSEDED, decided_at=now
    )
    signoff_notifications_clear(position=position, now=now)
    proposal = ProposedAmendment.objects.create(
        position=position,
        content={name: getattr(position, name) for name in CONTENT_FIELDS},
        changed=changed,
        reason=reason,
        base_version=base_version,
        proposed_by=by,
    )
    audit_record(
        actor=by,
        action="position.propose_amendment",
        target=position,
        organisation=position.organisation,
        data={"fields": changed, "proposal": proposal.pk},
    )
    outbox_enqueue(task="consultations.tasks.signoff_request_notify", position_id=position.pk, proposal_id=proposal.pk)
    return proposal


def _lock_proposal(proposal: ProposedAmendment) -> tuple[Position, ProposedAmendment]:
    """The position first, then its proposal: the same order as every other path that touches a position."""
    position = lock_position(proposal.position_id)
    proposal = ProposedAmendment.objects.select_for_update(of=("self",), no_key=True).get(pk=proposal.pk)
    return position, proposal


@retry_on_conflict
@transaction.atomic
def amendment_sign_off(*, by: User, proposal: ProposedAmendment, now: dt.datetime | None = None) -> Position:
    """A coordinator approves exactly the proposed text: it becomes the next revision, authored by the delegate
    who proposed it and signed by the coordinator. Refused when the position changed since it was proposed."""
    now = now or timezone.now()
    position, proposal = _lock_proposal(proposal)
    membership_require(user=by, organisation_id=position.organisation_id, coordinator=True)
    if proposal.status != ProposedAmendment.Status.PENDING:
        raise ValidationError(
            _("This amendment is no longer awaiting sign-off (%(status)s): reload the page to see the current one.")
            % {"status": proposal.get_status_display()},
            code="not_pending",
        )
    _require_amendable(position)
    if position.version != proposal.base_version:
        raise ValidationError(
            _(
                "The position changed after this amendment was proposed. Nothing was filed: return the amendment so "
                "that it can be written again against the current text."
            ),
            code="outdated",
        )
    if position.status != PositionStatus.NEEDS_INFO:
        _require_round_open(position.round, now)
    changed = _apply(position, proposal.content, CONTENT_FIELDS)
    _amend(
        position,
        by=by,
        author=proposal.proposed_by,
        changed=changed or list(proposal.changed),
        reason=proposal.reason,
        signed_off_by=by,
    )
    proposal.status = ProposedAmendment.Status.APPROVED
    proposal.decided_by = by
    proposal.decided_at = now
    proposal.save()
    signoff_notifications_clear(position=position, now=now)
    return position


@retry_on_conflict
@transaction.atomic
def amendment_return(*, by: User, proposal: ProposedAmendment, now: dt.datetime | None = None) -> ProposedAmendment:
    """A coordinator declines a proposed amendment; the filed text stays as it is."""
    position, proposal = _lock_proposal(proposal)
    membership_require(user=by, organisation_id=position.organisation_id, coordinator=True)
    if proposal.status != ProposedAmendment.Status.PENDING:
        raise ValidationError(_("This amendment is no longer awaiting sign-off."), code="not_pending")
    proposal.status = ProposedAmendment.Status.RETURNED
    proposal.decided_by = by
    proposal.decided_at = now or timezone.now()
    proposal.save()
    signoff_notifications_clear(position=position, now=proposal.decided_at)
    audit_record(
        actor=by,
        action="position.return_amendment",
        target=position,
        organisation=position.organisation,
        data={"proposal": proposal.pk},
    )
    return proposal


@retry_on_conflict
@transaction.atomic
def position_withdraw(*, by: User, position: Position, reason: str = "", now: dt.datetime | None = None) -> Position:
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
    position.withdrawn_at = now or timezone.now()
    position.version += 1
    position.save()
    position.proposed_amendments.filter(status=ProposedAmendment.Status.PENDING).update(
        status=ProposedAmendment.Status.SUPERSEDED, decided_at=position.withdrawn_at
    )
    signoff_notifications_clear(position=position, now=position.withdrawn_at)
    audit_record(
        actor=by,
        action="position.withdraw",
        target=position,
        organisation=position.organisation,
        data={"reason": reason} if reason else None,
    )
    return position
