from __future__ import annotations

from .api_tokens import ApiIdempotentRequest, ApiToken
from .audit import AuditEvent
from .deliveries import Delivery
from .exports import ExportJob, ExportKind
from .intelligence import IntelligenceAttachment, IntelligenceNote
from .invitations import Invitation
from .ministries import ChapterCoordination, ConsultationReminder, ConsultationRequest, Ministry
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
from .triage import InternalNote, SimilarityCount, SimilarityGroup, TriageEvent
from .users import User

__all__ = [
    "ApiIdempotentRequest",
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "Briefing",
    "Chapter",
    "ChapterCoordination",
    "ChapterStatus",
    "ChapterStatusEntry",
    "Confidentiality",
    "CoSignature",
    "ConsultationReminder",
    "ConsultationRequest",
    "Delivery",
    "IntelligenceAttachment",
    "IntelligenceNote",
    "ExportJob",
    "ExportKind",
    "InternalNote",
    "Invitation",
    "Membership",
    "Ministry",
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
    "SimilarityCount",
    "SimilarityGroup",
    "Stance",
    "TriageEvent",
    "User",
]
