"""What one recipient's digest says: every list already cut to size, every item with its absolute link.

The e-mail and the preview page (``/rounds/<id>/digest/``) are built from the same context. Each position appears
once: red lines in their own section (with the organisation and its co-signers), the other positions under their
chapter. Each list stops at a limit and says how many more there are, with a link to the page that lists them all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Case, F, Prefetch, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils.http import urlencode

from consultations.models import CoSignature, Membership, Notification, OfficialProfile, Position, PositionStatus
from consultations.models.deliveries import DIGEST_POST
from consultations.selectors.dashboards import ChapterSummary, dashboard_round_summary
from consultations.selectors.room import briefing_list_visible_to, room_question_list_visible_to
from consultations.selectors.state_of_play import digest_state_of_play
from consultations.selectors.triage import RED_LINE, triage_scope

if TYPE_CHECKING:
    from consultations.models import Round, User

# How long each list of the e-mail may grow before "and N more": short enough to read on a phone.
LIST_LIMIT = 10
CHAPTER_LIMIT = 5
OPEN_STATUSES = (PositionStatus.SUBMITTED, PositionStatus.IN_REVIEW, PositionStatus.NEEDS_INFO)


def absolute(name: str, *args: Any, query: dict[str, Any] | None = None) -> str:
    """A link for an e-mail: SITE_URL, the path, and the filters of the page it opens."""
    url = settings.SITE_URL + reverse(f"consultations:{name}", args=args)
    return f"{url}?{urlencode(query)}" if query else url


@dataclass(frozen=True)
class Entry:
    """A position as the digest lists it: its link for this recipient and its accepted co-signers."""

    position: Position
    url: str
    cosigners: list[str]

    @property
    def is_open(self) -> bool:
        return self.position.status in OPEN_STATUSES


@dataclass(frozen=True)
class Capped:
    """A list cut at its limit: the items shown, how many were left out and the page that shows them all."""

    items: list[Any]
    total: int
    more_url: str

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.items))


@dataclass(frozen=True)
class ChapterSection:
    summary: ChapterSummary
    positions: Capped  # the chapter's other positions (its red lines are in the red lines section)
    red_lines_url: str
    offensive_url: str
    defensive_url: str


def _with_cosigners(positions: QuerySet[Position]) -> QuerySet[Position]:
    accepted = CoSignature.objects.filter(status=CoSignature.Status.ACCEPTED).select_related("organisation")
    return positions.select_related("organisation", "chapter").prefetch_related(
        Prefetch("cosignatures", queryset=accepted.order_by("organisation__name"), to_attr="accepted_cosignatures")
    )


def _entries(positions: Any, link: str) -> list[Entry]:
    return [
        Entry(
            position=position,
            url=absolute(link, position.pk),
            cosigners=[c.organisation.name for c in getattr(position, "accepted_cosignatures", [])],
        )
        for position in positions
    ]


def _red_lines(positions: QuerySet[Position], *, link: str, more_url: str) -> Capped:
    """Each red line once, those still awaiting a decision first."""
    red_lines = _with_cosigners(positions.filter(RED_LINE)).order_by(
        Case(When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1)), "chapter__number", "-filed_at", "pk"
    )
    return Capped(items=_entries(red_lines[:LIST_LIMIT], link), total=red_lines.count(), more_url=more_url)


def _official_context(*, round: Round, user: User) -> dict[str, Any]:
    summary = dashboard_round_summary(user=user, round=round, red_line_limit=0)
    positions = triage_scope(user=user).filter(round=round).exclude(status=PositionStatus.WITHDRAWN)
    # The newest other positions of every chapter, at most CHAPTER_LIMIT each, in one query whatever the count.
    newest = (
        _with_cosigners(positions.exclude(RED_LINE))
        .annotate(rank=Window(RowNumber(), partition_by=F("chapter_id"), order_by=F("filed_at").desc()))
        .filter(rank__lte=CHAPTER_LIMIT)
        .order_by("chapter__number", "-filed_at")
    )
    by_chapter: dict[int, list[Position]] = defaultdict(list)
    for position in newest:
        by_chapter[position.chapter_id].append(position)

    def queue(**filters: Any) -> str:
        return absolute("triage_queue", query={"round": round.pk, **filters})

    chapters = [
        ChapterSection(
            summary=chapter,
            positions=Capped(
                items=_entries(by_chapter[chapter.chapter.pk], "triage_detail"),
                total=chapter.total - chapter.red_lines,
                more_url=queue(chapter=chapter.chapter.pk, red_line=0),
            ),
            red_lines_url=queue(chapter=chapter.chapter.pk, red_line=1),
            offensive_url=queue(chapter=chapter.chapter.pk, stance="offensive"),
            defensive_url=queue(chapter=chapter.chapter.pk, stance="defensive"),
        )
        for chapter in summary.chapters
    ]
    return {
        "audience": "official",
        "show_responses": False,
        "summary": summary,
        "chapters": chapters,
        "conflicts": [section for section in chapters if section.summary.in_conflict],
        "red_lines": _red_lines(positions, link="triage_detail", more_url=queue(red_line=1)),
        "dashboard_url": absolute("dashboard_round", round.pk),
        "queue_url": queue(),
        "untriaged_url": queue(status=PositionStatus.SUBMITTED),
    }


def _delegate_context(*, round: Round, user: User) -> dict[str, Any]:
    org_ids = Membership.objects.filter(user=user, organisation__is_active=True).values("organisation_id")
    own = Position.objects.filter(round=round, organisation_id__in=org_ids).exclude(status=PositionStatus.WITHDRAWN)
    positions_url = absolute("position_list", query={"round": round.pk})
    others = _with_cosigners(own.exclude(RED_LINE)).order_by("chapter__number", "title", "pk")
    return {
        "audience": "delegate",
        "show_responses": True,
        "positions": Capped(
            items=_entries(others[:LIST_LIMIT], "position_detail"), total=others.count(), more_url=positions_url
        ),
        "red_lines": _red_lines(own, link="position_detail", more_url=positions_url),
        "positions_url": positions_url,
    }


def _room(*, round: Round, user: User, is_debrief: bool) -> dict[str, Any]:
    """The round's room questions and (after the round) briefings the recipient may read."""
    questions = room_question_list_visible_to(user=user).filter(round=round)
    context: dict[str, Any] = {
        "questions": Capped(
            items=[(q, absolute("room_question_detail", q.pk)) for q in questions[:LIST_LIMIT]],
            total=questions.count(),
            more_url=absolute("room_question_list"),
        ),
        "briefings": Capped(items=[], total=0, more_url=""),
    }
    if is_debrief:
        briefings = briefing_list_visible_to(user=user, round_id=round.pk)
        context["briefings"] = Capped(
            items=[(b, absolute("briefing_detail", b.pk)) for b in briefings[:LIST_LIMIT]],
            total=briefings.count(),
            more_url=absolute("briefing_list", query={"round": round.pk}),
        )
    return context


def digest_context(*, round: Round, user: User, kind: str) -> dict[str, Any]:
    """What one recipient may see of a round, and nothing more: officials their chapters, delegates their
    organisation's positions. Used by the e-mail and by the preview page alike."""
    is_debrief = kind == DIGEST_POST
    context: dict[str, Any] = {
        "round": round,
        "user": user,
        "kind": kind,
        "is_debrief": is_debrief,
        "site_url": settings.SITE_URL,
        "language": user.language,
        # The same digest in the app (where it stays current): linked from the e-mail itself.
        "preview_url": absolute("digest_preview", round.pk, query={"kind": kind} if is_debrief else None),
        "preferences_url": absolute("notification_preferences"),
    }
    if OfficialProfile.objects.filter(user=user).exists():
        context.update(_official_context(round=round, user=user))
        context.update(digest_state_of_play(user=user, round=round, is_debrief=is_debrief, limit=LIST_LIMIT))
    else:
        context.update(_delegate_context(round=round, user=user))
    context.update(_room(round=round, user=user, is_debrief=is_debrief))
    # What the user chose to hear about "in the digest only" (and anything else still unread).
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True).order_by("-created_at")
    context["notifications"] = Capped(
        items=[(n, settings.SITE_URL + n.url) for n in unread[:LIST_LIMIT]],
        total=unread.count(),
        more_url=absolute("notification_list"),
    )
    return context
