from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from consultations.models import (
    Attachment,
    Chapter,
    Confidentiality,
    CoSignature,
    Position,
    PositionRevision,
    PositionStatus,
    ProposedAmendment,
)
from consultations.models.positions import CONTENT_FIELDS, UNFILED_STATUSES
from consultations.selectors.roles import (
    user_is_admin,
    user_official_chapter_ids,
    user_official_profile,
    user_organisation_ids,
)

if TYPE_CHECKING:
    from consultations.models import User

VISIBLE_COSIGNATURE_STATUSES = (CoSignature.Status.PENDING, CoSignature.Status.ACCEPTED)


def _visibility(user: User) -> Q | None:
    """The condition for the positions ``user`` may see; ``None`` means everything."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user_is_admin(user):
        return None
    condition = Q(pk__in=[])
    filed = ~Q(status__in=UNFILED_STATUSES)
    org_ids = user_organisation_ids(user)
    if org_ids:
        invited = CoSignature.objects.filter(
            position=OuterRef("pk"), organisation_id__in=org_ids, status__in=VISIBLE_COSIGNATURE_STATUSES
        )
        condition |= Q(organisation_id__in=org_ids)
        condition |= Exists(invited)
        condition |= filed & Q(confidentiality=Confidentiality.ROOM) & ~Q(status=PositionStatus.WITHDRAWN)
    profile = user_official_profile(user)
    if profile is not None:
        if profile.is_coordinator:
            condition |= filed
        else:
            condition |= filed & Q(chapter_id__in=user_official_chapter_ids(user))
    return condition


def position_list_visible_to(*, user: User) -> QuerySet[Position]:
    queryset = Position.objects.select_related("organisation", "chapter", "round")
    condition = _visibility(user)
    return queryset if condition is None else queryset.filter(condition)


def position_get_for(*, user: User, position_id: int) -> Position:
    """The position if ``user`` may see it; forbidden and missing look the same (404)."""
    try:
        return (
            position_list_visible_to(user=user)
            .select_related("created_by", "signed_off_by")
            .prefetch_related(
                Prefetch("attachments", queryset=Attachment.objects.select_related("uploaded_by")),
                Prefetch("cosignatures", queryset=CoSignature.objects.select_related("organisation")),
            )
            .get(pk=position_id)
        )
    except Position.DoesNotExist:
        raise Http404 from None


@dataclass(frozen=True)
class PositionFilters:
    round_id: int | None = None
    chapter_id: int | None = None
    status: str | None = None
    query: str = ""


def position_list_for_organisation(*, user: User, filters: PositionFilters) -> QuerySet[Position]:
    """ "Our positions": the user's organisations' own positions and those they co-signed."""
    org_ids = user_organisation_ids(user)
    cosigned = CoSignature.objects.filter(
        position=OuterRef("pk"), organisation_id__in=org_ids, status=CoSignature.Status.ACCEPTED
    )
    queryset = (
        Position.objects.select_related("organisation", "chapter", "round")
        .filter(Q(organisation_id__in=org_ids) | Exists(cosigned))
        .annotate(attachment_count=Count("attachments", distinct=True))
        .order_by("-updated_at", "-id")
    )
    if filters.round_id:
        queryset = queryset.filter(round_id=filters.round_id)
    if filters.chapter_id:
        queryset = queryset.filter(chapter_id=filters.chapter_id)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.query:
        queryset = queryset.filter(Q(title__icontains=filters.query) | Q(summary__icontains=filters.query))
    return queryset


def chapter_list_with_counts(*, user: User) -> QuerySet[Chapter]:
    """The chapters, each with the number of positions of the user's organisations in it."""
    org_ids = user_organisation_ids(user)
    return Chapter.objects.select_related("table").annotate(
        our_positions=Count(
            "positions",
            filter=Q(positions__organisation_id__in=org_ids) & ~Q(positions__status=PositionStatus.WITHDRAWN),
        )
    )


def cosignature_list_for(*, user: User) -> QuerySet[CoSignature]:
    """Invitations addressed to the user's organisations; a declined one is gone with the position it named."""
    return (
        CoSignature.objects.filter(
            organisation_id__in=user_organisation_ids(user), status__in=VISIBLE_COSIGNATURE_STATUSES
        )
        .select_related("position__organisation", "position__chapter", "position__round", "organisation")
        .order_by("status", "-invited_at")
    )


@dataclass(frozen=True)
class FieldDiff:
    field: str
    label: str
    lines: list[tuple[str, str]]  # (kind, text) with kind one of " ", "+", "-"


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def revision_diff(*, older: PositionRevision, newer: PositionRevision) -> list[FieldDiff]:
    """A line diff of every content field that changed between two revisions."""
    diffs = []
    for name in CONTENT_FIELDS:
        before = _as_text(older.content.get(name)).splitlines()
        after = _as_text(newer.content.get(name)).splitlines()
        if before == after:
            continue
        lines = [(line[0], line[2:]) for line in difflib.ndiff(before, after) if line[:1] in {" ", "+", "-"}]
        label = str(Position._meta.get_field(name).verbose_name)
        diffs.append(FieldDiff(field=name, label=label, lines=lines))
    before = [item["name"] for item in older.content.get("attachments", [])]
    after = [item["name"] for item in newer.content.get("attachments", [])]
    if before != after:
        lines = [("-", name) for name in before if name not in after] + [
            ("+", name) for name in after if name not in before
        ]
        diffs.append(FieldDiff(field="attachments", label=str(_("attachments")), lines=lines))
    return diffs


def revision_list_with_diffs(*, position: Position) -> list[tuple[PositionRevision, list[FieldDiff]]]:
    revisions = list(position.revisions.select_related("created_by").order_by("number"))
    result = []
    for index, revision in enumerate(revisions):
        diff = revision_diff(older=revisions[index - 1], newer=revision) if index else []
        result.append((revision, diff))
    result.reverse()
    return result


def proposed_amendment_pending(*, position: Position) -> tuple[ProposedAmendment, list[FieldDiff]] | None:
    """The amendment awaiting the coordinator's sign-off, with a line diff of each field it changes against the
    filed text. Only for the author organisation's members: the caller checks that."""
    proposal = (
        position.proposed_amendments.filter(status=ProposedAmendment.Status.PENDING)
        .select_related("proposed_by")
        .first()
    )
    if proposal is None:
        return None
    diffs = []
    for name in CONTENT_FIELDS:
        before = _as_text(getattr(position, name)).splitlines()
        after = _as_text(proposal.content.get(name)).splitlines()
        if before == after:
            continue
        lines = [(line[0], line[2:]) for line in difflib.ndiff(before, after) if line[:1] in {" ", "+", "-"}]
        diffs.append(FieldDiff(field=name, label=str(Position._meta.get_field(name).verbose_name), lines=lines))
    return proposal, diffs
