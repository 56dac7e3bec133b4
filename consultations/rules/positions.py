"""What a user who can see a position may do with it: draft, file, sign off, amend, withdraw, attach, co-sign.

Visibility (who may *see* a position) lives in ``selectors.positions.position_list_visible_to``.
"""

from __future__ import annotations

import rules

from consultations.clock import request_time
from consultations.models import CoSignature, Position
from consultations.models.positions import CLOSED_STATUSES, UNFILED_STATUSES, PositionStatus
from consultations.selectors.roles import (
    user_coordinated_organisation_ids,
    user_official_profile,
    user_organisation_ids,
)


@rules.predicate
def is_member_of_author_org(user, position: Position) -> bool:
    return position.organisation_id in user_organisation_ids(user)


@rules.predicate
def is_coordinator_of_author_org(user, position: Position) -> bool:
    return position.organisation_id in user_coordinated_organisation_ids(user)


@rules.predicate
def is_draft(user, position: Position) -> bool:
    return position.status in UNFILED_STATUSES


@rules.predicate
def is_plain_draft(user, position: Position) -> bool:
    return position.status == PositionStatus.DRAFT


@rules.predicate
def is_awaiting_signoff(user, position: Position) -> bool:
    return position.status == PositionStatus.AWAITING_SIGNOFF


@rules.predicate
def is_filed_and_open(user, position: Position) -> bool:
    return position.status not in UNFILED_STATUSES and position.status not in CLOSED_STATUSES


@rules.predicate
def round_accepts_input(user, position: Position) -> bool:
    return position.round.accepts_input_at(request_time())


@rules.predicate
def is_invited_org_member(user, cosignature: CoSignature) -> bool:
    return cosignature.organisation_id in user_organisation_ids(user)


@rules.predicate
def is_pending(user, cosignature: CoSignature) -> bool:
    return cosignature.status == CoSignature.Status.PENDING


@rules.predicate
def is_cosigner(user, position: Position) -> bool:
    org_ids = user_organisation_ids(user)
    return (
        bool(org_ids)
        and position.cosignatures.filter(organisation_id__in=org_ids, status=CoSignature.Status.ACCEPTED).exists()
    )


@rules.predicate
def is_government(user, position: Position) -> bool:
    return user.is_staff or user_official_profile(user) is not None


# The triage status and the official response concern the organisations behind a position: another delegate who
# reads a position shared with the room sees its text, not how the government treated it.
rules.add_perm("consultations.view_triage_outcome", is_member_of_author_org | is_cosigner | is_government)
rules.add_perm("consultations.edit_draft", is_member_of_author_org & is_draft)
# Filing is shown while the round accepts input; after the deadline the button explains why it is gone.
rules.add_perm("consultations.file_position", is_member_of_author_org & is_plain_draft)
rules.add_perm("consultations.sign_off_position", is_coordinator_of_author_org & is_awaiting_signoff)
rules.add_perm("consultations.sign_off_amendment", is_coordinator_of_author_org & is_filed_and_open)


@rules.predicate
def is_asked_for_more_information(user, position: Position) -> bool:
    return position.status == PositionStatus.NEEDS_INFO


# A request for more information is answered by amending, whenever the government asks.
rules.add_perm(
    "consultations.amend_position",
    is_member_of_author_org & is_filed_and_open & (round_accepts_input | is_asked_for_more_information),
)
rules.add_perm("consultations.withdraw_position", is_member_of_author_org & is_filed_and_open)


@rules.predicate
def changes_without_signoff(user, position: Position) -> bool:
    """Whether the user may change the filed text alone: always, unless the organisation requires sign-off and the
    user is not its coordinator."""
    return not position.organisation.requires_signoff or position.organisation_id in user_coordinated_organisation_ids(
        user
    )


rules.add_perm(
    "consultations.add_attachment",
    is_member_of_author_org & (is_draft | (is_filed_and_open & round_accepts_input & changes_without_signoff)),
)
rules.add_perm("consultations.delete_attachment", is_member_of_author_org & is_draft)
rules.add_perm("consultations.invite_cosigner", is_member_of_author_org & (is_draft | is_filed_and_open))
rules.add_perm("consultations.respond_cosignature", is_invited_org_member & is_pending)
