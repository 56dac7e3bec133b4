"""Who may triage a position."""

from __future__ import annotations

import rules

from consultations.models import Position
from consultations.models.positions import UNFILED_STATUSES, PositionStatus
from consultations.selectors.roles import user_official_chapter_ids, user_official_profile


@rules.predicate
def can_triage(user, position: Position) -> bool:
    """Officials triage the filed positions of their chapters; the chief negotiator's team, of every chapter."""
    if not user.is_authenticated or not user.is_active:
        return False
    profile = user_official_profile(user)
    if profile is None or position.status in UNFILED_STATUSES or position.status == PositionStatus.WITHDRAWN:
        return False
    return profile.is_coordinator or position.chapter_id in user_official_chapter_ids(user)


rules.add_perm("consultations.triage_position", can_triage)
