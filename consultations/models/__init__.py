from __future__ import annotations

from .audit import AuditEvent
from .deliveries import Delivery
from .invitations import Invitation
from .organisations import Membership, OfficialProfile, Organisation, Sector
from .positions import (
    Attachment,
    Confidentiality,
    CoSignature,
    Position,
    PositionRevision,
    PositionStatus,
    Priority,
    Stance,
)
from .rounds import Chapter, NegotiatingTable, Round
from .triage import InternalNote, TriageEvent
from .users import User

__all__ = [
    "Attachment",
    "AuditEvent",
    "Chapter",
    "Confidentiality",
    "CoSignature",
    "Delivery",
    "InternalNote",
    "Invitation",
    "Membership",
    "NegotiatingTable",
    "OfficialProfile",
    "Organisation",
    "Position",
    "PositionRevision",
    "PositionStatus",
    "Priority",
    "Round",
    "Sector",
    "Stance",
    "TriageEvent",
    "User",
]
