from __future__ import annotations

from .audit import AuditEvent
from .deliveries import Delivery
from .exports import ExportJob, ExportKind
from .intelligence import IntelligenceAttachment, IntelligenceNote
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
from .state_of_play import ChapterStatus, ChapterStatusEntry, OpenIssue, OpenIssueChange, Party
from .triage import InternalNote, TriageEvent
from .users import User

__all__ = [
    "Attachment",
    "AuditEvent",
    "Briefing",
    "Chapter",
    "ChapterStatus",
    "ChapterStatusEntry",
    "Confidentiality",
    "CoSignature",
    "Delivery",
    "ExportJob",
    "ExportKind",
    "IntelligenceAttachment",
    "IntelligenceNote",
    "InternalNote",
    "Invitation",
    "Membership",
    "NegotiatingTable",
    "Notification",
    "NotificationKind",
    "NotificationPreference",
    "OfficialProfile",
    "OpenIssue",
    "OpenIssueChange",
    "OutboxMessage",
    "Organisation",
    "Party",
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
