from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
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
    user_coordinated_organisation_ids,
    user_is_admin,
    user_official_chapter_ids,
    user_official_profile,
    user_organisation_ids,
)

if TYPE_CHECKING:
    from consultations.models import User

VISIBLE_COSIGNATURE_STATUSES = (CoSignature.Status.PENDING, CoSignature.Status.ACCEPTED)


def _reads_whole_record(user: User) -> Q | None:
    """The positions whose whole record ``user`` reads, every revision included; ``None`` means every position.

    The organisation's own positions, those it was invited to co-sign (pending or accepted: both see the position
    whatever its confidentiality), and for officials the filed positions of their chapters (all of them for the
    chief negotiator's team). A position shared with the room is not here: the room reads it, not its history.
    """
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
    profile = user_official_profile(user)
    if profile is not None:
        if profile.is_coordinator:
            condition |= filed
        else:
            condition |= filed & Q(chapter_id__in=user_official_chapter_ids(user))
    return condition


def _visibility(user: User) -> Q | None:
    """The condition for the positions ``user`` may see; ``None`` means everything."""
    condition = _reads_whole_record(user)
    if condition is None or not user.is_authenticated or not user.is_active:
        return condition
    if user_organisation_ids(user):
        filed = ~Q(status__in=UNFILED_STATUSES)
        condition |= filed & Q(confidentiality=Confidentiality.ROOM) & ~Q(status=PositionStatus.WITHDRAWN)
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
    awaiting_my_signoff: bool = False

    def as_parameters(self) -> dict[str, Any]:
        """As stored with an export job (JSON) and in its audit row."""
        return asdict(self)

    @classmethod
    def from_parameters(cls, parameters: dict[str, Any]) -> PositionFilters:
        """Back from ``as_parameters``; a job stored before a filter existed runs without it."""
        return cls(**{field.name: parameters[field.name] for field in fields(cls) if field.name in parameters})


def _awaiting_signoff_of(user: User) -> Q:
    """Drafts and proposed amendments of the organisations the user coordinates that wait for their sign-off."""
    org_ids = user_coordinated_organisation_ids(user)
    pending = ProposedAmendment.objects.filter(position=OuterRef("pk"), status=ProposedAmendment.Status.PENDING)
    return Q(organisation_id__in=org_ids) & (Q(status=PositionStatus.AWAITING_SIGNOFF) | Exists(pending))


def position_count_awaiting_signoff(*, user: User) -> int:
    """How many positions wait for this coordinator's sign-off (a draft, or an amendment to a filed one)."""
    if not user_coordinated_organisation_ids(user):
        return 0
    return Position.objects.filter(_awaiting_signoff_of(user)).count()


def position_list_for_organisation(*, user: User, filters: PositionFilters) -> QuerySet[Position]:
    """ "Our positions": the user's organisations' own positions and those they co-signed."""
    org_ids = user_organisation_ids(user)
    # Two queries: the co-signed positions' ids first, so that the list's condition is "organisation_id IN (...)"
    # alone when there are none (the usual case), and PostgreSQL reads a page in order off position_org_updated;
    # with some, "OR id IN (<ids>)" is a BitmapOr of two indexes. Both the earlier "id IN (own UNION co-signed)"
    # and "own OR EXISTS(co-signed)" read every position: the first hash-joined a scan of the whole table, 390 ms
    # for a page of the busiest organisation (6,965 positions) at 100,000 against 1 ms now, read backward or
    # forward off the index (EXPLAIN ANALYZE; manage.py benchmark --dataset M), the second 110 ms at 20,000.
    accepted = CoSignature.objects.filter(organisation_id__in=org_ids, status=CoSignature.Status.ACCEPTED)
    cosigned = list(accepted.values_list("position_id", flat=True)) if org_ids else []
    ours = Q(organisation_id__in=org_ids)
    if cosigned:
        ours |= Q(pk__in=cosigned)
    # A subquery per row instead of a join and GROUP BY: PostgreSQL counts the attachments of the page's rows
    # only, after sorting, rather than of every position of the organisation.
    attachments = (
        Attachment.objects.filter(position=OuterRef("pk")).order_by().values("position").annotate(n=Count("pk"))
    )
    queryset = (
        Position.objects.select_related("organisation", "chapter", "round")
        .filter(ours)
        .annotate(attachment_count=Coalesce(Subquery(attachments.values("n")), 0))
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
    if filters.awaiting_my_signoff:
        queryset = queryset.filter(_awaiting_signoff_of(user))
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


Segment = tuple[str, str]  # (kind, text) with kind one of " ", "+", "-"


@dataclass(frozen=True)
class FieldDiff:
    field: str
    label: str
    lines: list[Segment]  # whole paragraphs: kept, added, removed
    # For reading: one row per paragraph; a paragraph changed in place shows its words added and removed.
    rows: tuple[tuple[Segment, ...], ...] = ()


def _as_text(value: Any, name: str = "") -> str:
    """A stored value as readers know it: the label of a choice ("High", not "high"), yes or no, a list joined."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    choices = dict(Position._meta.get_field(name).flatchoices) if name in CONTENT_FIELDS else {}
    return str(choices.get(value, value))


def field_text(position: Position, name: str) -> str:
    """One content field of a position as readers know it (a choice's label, a list joined)."""
    return _as_text(getattr(position, name), name)


# A word with the spaces after it: changes read as whole phrases, not words interleaved with kept spaces.
WORD = re.compile(r"^\s+|\S+\s*")


def _word_rows(before: str, after: str) -> tuple[Segment, ...]:
    """One paragraph changed in place: its words kept, removed and added, in reading order."""
    old, new = WORD.findall(before), WORD.findall(after)
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            segments.append((" ", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            segments.append(("-", "".join(old[i1:i2])))
        if j2 > j1:
            segments.append(("+", "".join(new[j1:j2])))
    return tuple(segments)


def _rows(before: list[str], after: list[str]) -> tuple[tuple[Segment, ...], ...]:
    rows: list[tuple[Segment, ...]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag == "equal":
            rows.extend(((" ", line),) for line in before[i1:i2])
            continue
        pairs = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        rows.extend(_word_rows(before[i1 + k], after[j1 + k]) for k in range(pairs))
        rows.extend((("-", line),) for line in before[i1 + pairs : i2])
        rows.extend((("+", line),) for line in after[j1 + pairs : j2])
    return tuple(rows)


def field_diff(name: str, label: str, older: Any, newer: Any) -> FieldDiff | None:
    """The change of one field between two stored values, or None when it did not change."""
    before = _as_text(older, name).splitlines()
    after = _as_text(newer, name).splitlines()
    if before == after:
        return None
    lines = [(line[0], line[2:]) for line in difflib.ndiff(before, after) if line[:1] in {" ", "+", "-"}]
    return FieldDiff(field=name, label=label, lines=lines, rows=_rows(before, after))


def revision_fields(revision: PositionRevision) -> list[tuple[str, str]]:
    """A revision's text as readers know it: (label, value) for every field it fills."""
    shown = []
    for name in CONTENT_FIELDS:
        value = _as_text(revision.content.get(name), name)
        if value:
            shown.append((str(Position._meta.get_field(name).verbose_name), value))
    return shown


def revision_diff(*, older: PositionRevision, newer: PositionRevision) -> list[FieldDiff]:
    """A line diff of every content field that changed between two revisions."""
    diffs = []
    for name in CONTENT_FIELDS:
        label = str(Position._meta.get_field(name).verbose_name)
        diff = field_diff(name, label, older.content.get(name), newer.content.get(name))
        if diff is not None:
            diffs.append(diff)
    before = [item["name"] for item in older.content.get("attachments", [])]
    after = [item["name"] for item in newer.content.get("attachments", [])]
    if before != after:
        lines = [("-", name) for name in before if name not in after] + [
            ("+", name) for name in after if name not in before
        ]
        diffs.append(
            FieldDiff(
                field="attachments", label=str(_("attachments")), lines=lines, rows=tuple((line,) for line in lines)
            )
        )
    return diffs


def revision_list_visible_to(*, user: User, position: Position) -> QuerySet[PositionRevision]:
    """The revisions of ``position`` that ``user`` may read, oldest first.

    A reader sees only what they could see when it was written. Whoever reads the whole record (see
    ``_reads_whole_record``) reads every revision. A delegate who reads the position only because it is shared
    with the room reads only the revisions that were themselves shared with the room: a sentence filed
    government-only never reaches another organisation through the history, even after an amendment drops it
    and shares the rest.
    """
    revisions = (
        PositionRevision.objects.filter(position_id=position.pk, position__in=position_list_visible_to(user=user))
        .select_related("created_by")
        .order_by("number")
    )
    whole_record = _reads_whole_record(user)
    if whole_record is None:
        return revisions
    reads_all = Exists(Position.objects.filter(whole_record, pk=OuterRef("position_id")))
    return revisions.filter(reads_all | Q(content__confidentiality=Confidentiality.ROOM))


@dataclass(frozen=True)
class RevisionEntry:
    """A revision as one reader sees it: compared with the previous revision *that reader* may see."""

    revision: PositionRevision
    previous: PositionRevision | None
    diff: list[FieldDiff]

    @property
    def fields(self) -> list[tuple[str, str]]:
        """The whole text, for the first revision this reader sees (the others show what changed)."""
        return revision_fields(self.revision) if self.previous is None else []

    @property
    def skips_revisions(self) -> bool:
        """Whether revisions this reader may not see lie between the two compared."""
        return self.previous is not None and self.previous.number != self.revision.number - 1


def _entries(revisions: list[PositionRevision]) -> list[RevisionEntry]:
    """Newest first, each diffed against the one before it in ``revisions`` (oldest first)."""
    entries = []
    for index, revision in enumerate(revisions):
        previous = revisions[index - 1] if index else None
        diff = revision_diff(older=previous, newer=revision) if previous is not None else []
        entries.append(RevisionEntry(revision=revision, previous=previous, diff=diff))
    entries.reverse()
    return entries


def revision_list_with_diffs(*, user: User, position: Position) -> list[RevisionEntry]:
    """The history page: every revision ``user`` may read, newest first, each with its diff."""
    return _entries(list(revision_list_visible_to(user=user, position=position)))


def revision_last_change(*, user: User, position: Position) -> RevisionEntry | None:
    """The newest revision ``user`` may read, with the change from the one before it that ``user`` may read."""
    newest_two = list(revision_list_visible_to(user=user, position=position).order_by("-number")[:2])
    newest_two.reverse()
    entries = _entries(newest_two)
    return entries[0] if entries else None


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
        label = str(Position._meta.get_field(name).verbose_name)
        diff = field_diff(name, label, getattr(position, name), proposal.content.get(name))
        if diff is not None:
            diffs.append(diff)
    return proposal, diffs
