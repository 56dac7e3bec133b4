"""The state of play: the negotiation board and the open issues, from the pages' selectors — the government side
only, each official for the chapters they may read (the coordinator's team: all). Anyone else gets 404, as on the
pages."""

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from consultations.api.pagination import PageParams, paginate
from consultations.models import OpenIssue, Round
from consultations.selectors import state_of_play as selectors
from consultations.selectors.roles import user_official_profile
from consultations.selectors.triage import triage_scope

router = Router(tags=["state of play"])


def _require_official(request: HttpRequest) -> None:
    user = request.auth.user
    if user_official_profile(user) is None or not user.is_active:
        raise Http404


class BoardRoundOut(Schema):
    id: int
    label: str
    format: str
    closed_by: int = Field(description="Chapters closed by the end of this round.")
    closed_in: int = Field(description="Chapters closed in this round.")


class BoardCellOut(Schema):
    round_id: int
    status: str | None = Field(description="The chapter's status at the end of the round; null before any record.")
    changed: bool


class BoardChapterOut(Schema):
    chapter_id: int
    chapter_number: int
    status: str | None
    status_round_id: int | None
    status_note: str
    status_shared_with_room: bool
    status_recorded_at: dt.datetime | None
    open_issues: int
    open_red_lines: int
    rounds: list[BoardCellOut]


class BoardOut(Schema):
    format: str | None
    rounds: list[BoardRoundOut]
    chapters: list[BoardChapterOut]
    totals: dict[str, int]


class BoardParams(Schema):
    format: str | None = Field(None, description=f"One of {', '.join(Round.Format.values)}; otherwise every round.")


class IssueOut(Schema):
    id: int
    chapter_id: int
    text: str
    parties: list[str]
    status: str
    note: str
    format: str
    round_id: int | None
    version: int
    position_ids: list[int] = Field(description="The related positions the user may read.")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_position_ids(obj) -> list[int]:  # noqa: ANN001 - an OpenIssue
        return [position.pk for position in obj.positions.all()]


class IssuePage(Schema):
    items: list[IssueOut]
    next_cursor: str | None


class IssueParams(PageParams):
    chapter: int | None = Field(None, ge=1, le=2**31 - 1, description="A chapter's id.")
    status: str | None = Field(None, description=f"One of {', '.join(OpenIssue.Status.values)}.")
    format: str | None = Field(None, description=f"One of {', '.join(Round.Format.values)}.")


def _issues(request: HttpRequest) -> QuerySet[OpenIssue]:
    """The issues of the chapters the user may read (as ``open_issue_get_for``), with the related positions
    narrowed to those the user may read."""
    user = request.auth.user
    return OpenIssue.objects.filter(chapter__in=selectors.chapters_readable_by(user=user)).prefetch_related(
        Prefetch("positions", queryset=triage_scope(user=user).only("id").order_by("id"))
    )


@router.get("/state-of-play", response=BoardOut, summary="The negotiation board of the official's chapters")
def board(request: HttpRequest, filters: Query[BoardParams]) -> dict:
    _require_official(request)
    data = selectors.board(request.auth.user, format=filters.format or None)
    return {
        "format": data.format,
        "rounds": [
            {
                "id": summary.round.pk,
                "label": summary.round.localized_label,
                "format": summary.round.format,
                "closed_by": summary.closed_by,
                "closed_in": summary.closed_in,
            }
            for summary in data.summaries
        ],
        "chapters": [
            {
                "chapter_id": row.chapter.pk,
                "chapter_number": row.chapter.number,
                "status": row.current.status if row.current else None,
                "status_round_id": row.current.round_id if row.current else None,
                "status_note": row.current.note if row.current else "",
                "status_shared_with_room": bool(row.current and row.current.shared_with_room),
                "status_recorded_at": row.current.recorded_at if row.current else None,
                "open_issues": row.open_issues,
                "open_red_lines": row.open_red_lines,
                "rounds": [
                    {"round_id": cell.round.pk, "status": cell.status, "changed": cell.changed} for cell in row.cells
                ],
            }
            for row in data.rows
        ],
        "totals": data.totals,
    }


@router.get("/state-of-play/issues", response=IssuePage, summary="Open issues of the official's chapters")
def issue_list(request: HttpRequest, filters: Query[IssueParams]) -> dict:
    _require_official(request)
    issues = _issues(request)
    if filters.chapter:
        issues = issues.filter(chapter_id=filters.chapter)
    if filters.status in OpenIssue.Status.values:
        issues = issues.filter(status=filters.status)
    if filters.format in Round.Format.values:
        issues = issues.filter(format=filters.format)
    return paginate(issues, filters)


@router.get("/state-of-play/issues/{issue_id}", response=IssueOut, summary="One open issue")
def issue_detail(request: HttpRequest, issue_id: int) -> OpenIssue:
    _require_official(request)
    if issue_id > 2**31 - 1:
        raise Http404
    issue = _issues(request).filter(pk=issue_id).first()
    if issue is None:
        raise Http404
    return issue
