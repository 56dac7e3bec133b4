from __future__ import annotations

from .api_tokens import ApiIdempotentRequest, ApiToken
from .audit import AuditEvent
from .deliveries import Delivery
from .invitations import Invitation
from .notifications import Notification, NotificationKind, NotificationPreference
from .organisations import Membership, OfficialProfile, Organisation, Sector
from .outbox import OutboxMessage
from .positions import (
    Attachment,
    Confidentiality,
    CoSignature,
    Position,
    PositionRevision,
    PositionStatus,
    Priority,
    ProposedAmendment,
    Stance,
)
from .room import Briefing, RoomAnswer, RoomQuestion
from .rounds import Chapter, NegotiatingTable, Round
from .triage import InternalNote, TriageEvent
from .users import User

__all__ = [
    "ApiIdempotentRequest",
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "Briefing",
    "Chapter",
    "Confidentiality",
    "CoSignature",
    "Delivery",
    "InternalNote",
    "Invitation",
    "Membership",
    "NegotiatingTable",
    "Notification",
    "NotificationKind",
    "NotificationPreference",
    "OfficialProfile",
    "OutboxMessage",
    "Organisation",
    "Position",
    "PositionRevision",
    "PositionStatus",
    "Priority",
    "ProposedAmendment",
    "RoomAnswer",
    "RoomQuestion",
    "Round",
    "Sector",
    "Stance",
    "TriageEvent",
    "User",
]
