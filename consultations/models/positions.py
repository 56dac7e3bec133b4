from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import gettext_lazy as _

from consultations.models.search import search_vector_field


class Stance(models.TextChoices):
    OFFENSIVE = "offensive", _("Offensive (market access we want)")
    DEFENSIVE = "defensive", _("Defensive (a sensitivity to protect)")
    CONDITIONAL = "conditional", _("Conditional")


class Priority(models.TextChoices):
    RED_LINE = "red_line", _("Red line")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Confidentiality(models.TextChoices):
    GOVERNMENT = "government", _("Government only")
    ROOM = "room", _("Shared with the room")


class PositionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_SIGNOFF = "awaiting_signoff", _("Awaiting sign-off")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    INCORPORATED = "incorporated", _("Incorporated into Mexico's position")
    NOTED = "noted", _("Noted")
    NEEDS_INFO = "needs_info", _("Needs more information")
    DECLINED = "declined", _("Declined")
    MERGED = "merged", _("Merged as duplicate")
    WITHDRAWN = "withdrawn", _("Withdrawn")


UNFILED_STATUSES = (PositionStatus.DRAFT, PositionStatus.AWAITING_SIGNOFF)
CLOSED_STATUSES = (PositionStatus.WITHDRAWN, PositionStatus.MERGED)

# The fields a delegate writes and a revision records, in display order.
CONTENT_FIELDS = (
    "title",
    "summary",
    "body",
    "stance",
    "priority",
    "is_red_flag",
    "requested_outcome",
    "fallback_position",
    "hs_lines",
    "exports_usd",
    "jobs",
    "confidentiality",
)


class Position(models.Model):
    """What an organisation asks for in one chapter, for one round."""

    organisation = models.ForeignKey(
        "consultations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="positions",
    )
    chapter = models.ForeignKey(
        "consultations.Chapter", verbose_name=_("chapter"), on_delete=models.PROTECT, related_name="positions"
    )
    round = models.ForeignKey(
        "consultations.Round",
        verbose_name=_("target round"),
        on_delete=models.PROTECT,
        related_name="positions",
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), max_length=1500)
    body = models.TextField(_("full text"), blank=True)
    stance = models.CharField(_("stance"), max_length=20, choices=Stance.choices)
    priority = models.CharField(_("priority"), max_length=20, choices=Priority.choices, default=Priority.MEDIUM)
    is_red_flag = models.BooleanField(_("red flag (foco rojo)"), default=False)
    requested_outcome = models.TextField(_("requested outcome"), blank=True)
    fallback_position = models.TextField(_("fallback position"), blank=True)
    hs_lines = ArrayField(
        models.CharField(max_length=12), verbose_name=_("affected HS tariff lines"), default=list, blank=True
    )
    exports_usd = models.BigIntegerField(
        _("exports at stake (USD)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    jobs = models.PositiveIntegerField(_("jobs at stake"), null=True, blank=True)
    confidentiality = models.CharField(
        _("confidentiality"),
        max_length=20,
        choices=Confidentiality.choices,
        default=Confidentiality.GOVERNMENT,
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=PositionStatus.choices,
        default=PositionStatus.DRAFT,
        db_index=True,
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        "consultations.User", verbose_name=_("created by"), on_delete=models.PROTECT, related_name="positions_created"
    )
    # The form's one-time token: submitting the same form twice creates one position.
    client_token = models.UUIDField(default=uuid.uuid4, editable=False)
    signoff_requested_at = models.DateTimeField(_("sign-off requested at"), null=True, blank=True)
    # Who sent the draft for sign-off: the author its first revision names, beside the coordinator who signed.
    signoff_requested_by = models.ForeignKey(
        "consultations.User",
        verbose_name=_("sign-off requested by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    signed_off_by = models.ForeignKey(
        "consultations.User",
        verbose_name=_("signed off by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="positions_signed_off",
    )
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Triage: written only by consultations.services.triage; never shown to delegates except the response.
    assigned_to = models.ForeignKey(
        "consultations.User",
        verbose_name=_("assigned to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="positions_assigned",
    )
    official_response = models.TextField(_("official response"), blank=True)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    tags = ArrayField(models.CharField(max_length=40), verbose_name=_("tags"), default=list, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
    )
    # Optimistic lock of the triage side, apart from ``version`` (the delegates' text) so that a status change
    # does not make an amendment conflict, nor an amendment a status change.
    triage_version = models.PositiveIntegerField(default=1)
    # Red line first: stored so that sorting a queue of 100,000 by priority reads an index instead of sorting.
    priority_rank = models.GeneratedField(
        expression=Case(
            When(priority=Priority.RED_LINE, then=Value(0)),
            When(priority=Priority.HIGH, then=Value(1)),
            When(priority=Priority.MEDIUM, then=Value(2)),
            default=Value(3),
        ),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )
    # Title above summary above the rest (see models/search.py for why a generated column).
    search_vector = search_vector_field(
        ("title", "A"), ("summary", "B"), ("body", "C"), ("requested_outcome", "C"), ("fallback_position", "C")
    )

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["client_token"], name="position_client_token_unique"),
            models.CheckConstraint(
                condition=Q(exports_usd__isnull=True) | Q(exports_usd__gte=0),
                name="position_exports_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(status__in=UNFILED_STATUSES) | Q(filed_at__isnull=False),
                name="position_filed_has_filed_at",
            ),
            models.CheckConstraint(
                condition=~Q(status=PositionStatus.WITHDRAWN) | Q(withdrawn_at__isnull=False),
                name="position_withdrawn_has_withdrawn_at",
            ),
            models.CheckConstraint(
                condition=~Q(status=PositionStatus.MERGED) | Q(duplicate_of__isnull=False),
                name="position_merged_names_original",
            ),
            models.CheckConstraint(
                condition=Q(duplicate_of__isnull=True) | ~Q(duplicate_of=F("pk")),
                name="position_not_duplicate_of_itself",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "round", "chapter"], name="position_org_round_chapter"),
            models.Index(fields=["chapter", "round", "status"], name="position_chapter_round_status"),
            models.Index(fields=["confidentiality", "status"], name="position_confidentiality"),
            GinIndex(fields=["hs_lines"], name="position_hs_lines_gin"),
            GinIndex(fields=["tags"], name="position_tags_gin"),
            GinIndex(fields=["search_vector"], name="position_search_gin"),
            GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name="position_title_trgm"),
            models.Index(fields=["-filed_at", "-id"], name="position_filed_at_idx"),
            models.Index(fields=["priority_rank", "-is_red_flag", "filed_at", "id"], name="position_priority_idx"),
            models.Index(fields=["assigned_to", "status"], name="position_assignee_status"),
            # "Our positions" (the page, newest first, and the API, oldest first with a cursor): an organisation's
            # positions read in order straight off the index, a page's worth of rows rather than a sort of all of
            # them (selectors.positions.position_list_for_organisation).
            models.Index(fields=["organisation", "updated_at", "id"], name="position_org_updated"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_filed(self) -> bool:
        return self.status not in UNFILED_STATUSES

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    def content(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in CONTENT_FIELDS}


class PositionRevision(models.Model):
    """A filed version of a position. Revision 1 is the text as filed; every amendment adds the next one."""

    position = models.ForeignKey(
        Position, verbose_name=_("position"), on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("revision"))
    content = models.JSONField(_("content"))
    reason = models.CharField(_("reason for the amendment"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        "consultations.User", verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    # In an organisation that requires sign-off: the coordinator who approved this text (the author is created_by).
    signed_off_by = models.ForeignKey(
        "consultations.User",
        verbose_name=_("signed off by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("position revision")
        verbose_name_plural = _("position revisions")
        ordering = ["position", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["position", "number"], name="revision_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="revision_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.position_id} r{self.number}"


class ProposedAmendment(models.Model):
    """An amendment a delegate proposed in an organisation that requires sign-off: held, unapplied, until a
    coordinator approves exactly this text (it is then filed as the next revision) or returns it. A newer proposal
    supersedes a pending one, so what a coordinator approves is always what they were shown."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting sign-off")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")
        SUPERSEDED = "superseded", _("Superseded")

    position = models.ForeignKey(
        Position, verbose_name=_("position"), on_delete=models.CASCADE, related_name="proposed_amendments"
    )
    content = models.JSONField(_("content"))
    changed = ArrayField(models.CharField(max_length=40), verbose_name=_("changed fields"), default=list)
    reason = models.CharField(_("reason for the amendment"), max_length=500, blank=True)
    # The position's version the amendment was written against: approving it over a newer text is refused.
    base_version = models.PositiveIntegerField(_("based on version"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    proposed_by = models.ForeignKey(
        "consultations.User", verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        "consultations.User",
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("proposed amendment")
        verbose_name_plural = _("proposed amendments")
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["position"], condition=Q(status="pending"), name="proposed_amendment_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position_id} ({self.status})"


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    # Stored under a generated name: the user's file name never reaches the file system.
    return f"attachments/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "DOCX"
        XLSX = "xlsx", "XLSX"
        CSV = "csv", "CSV"
        PNG = "png", "PNG"
        JPEG = "jpg", "JPEG"

    position = models.ForeignKey(
        Position, verbose_name=_("position"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        "consultations.User", verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="attachment_not_empty"),
            models.UniqueConstraint(fields=["position", "sha256"], name="attachment_unique_per_position"),
        ]

    def __str__(self) -> str:
        return self.original_name


class CoSignature(models.Model):
    """An invitation to another organisation to co-sign a position, and its answer."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    position = models.ForeignKey(
        Position, verbose_name=_("position"), on_delete=models.CASCADE, related_name="cosignatures"
    )
    organisation = models.ForeignKey(
        "consultations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="cosignatures",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey(
        "consultations.User", verbose_name=_("invited by"), on_delete=models.PROTECT, related_name="+"
    )
    invited_at = models.DateTimeField(_("invited at"), auto_now_add=True)
    responded_by = models.ForeignKey(
        "consultations.User",
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("co-signature")
        verbose_name_plural = _("co-signatures")
        ordering = ["invited_at"]
        constraints = [
            models.UniqueConstraint(fields=["position", "organisation"], name="cosignature_unique"),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(responded_at__isnull=False),
                name="cosignature_answer_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.position_id} ({self.status})"
