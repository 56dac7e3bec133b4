"""Dashboard figures per round: the numbers of /dashboard/, from the same selector."""

import datetime as dt

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from consultations.selectors.dashboards import dashboard_round_summary, dashboard_rounds
from consultations.selectors.roles import user_official_profile

router = Router(tags=["dashboards"])


class ChapterFigures(Schema):
    chapter_id: int
    chapter_number: int
    total: int
    untriaged: int
    oldest_untriaged: dt.datetime | None
    red_lines: int
    by_status: dict[str, int]
    by_stance: dict[str, int]
    in_conflict: bool


class HeatCell(Schema):
    sector_id: int
    chapter_id: int
    positions: int


class RoundFigures(Schema):
    round_id: int
    total: int
    untriaged: int
    oldest_untriaged: dt.datetime | None
    red_line_total: int
    status_totals: dict[str, int]
    chapters: list[ChapterFigures]
    heat: list[HeatCell]


@router.get(
    "/dashboards/rounds/{round_id}",
    response=RoundFigures,
    summary="A round's dashboard figures for the official's chapters (the same numbers as /dashboard/)",
)
def round_figures(request: HttpRequest, round_id: int) -> dict:
    user = request.auth.user
    if user_official_profile(user) is None or not user.is_active or round_id > 2**31 - 1:
        raise Http404
    round = dashboard_rounds().filter(pk=round_id).first()
    if round is None:
        raise Http404
    summary = dashboard_round_summary(user=user, round=round)
    return {
        "round_id": round.pk,
        "total": summary.total,
        "untriaged": summary.untriaged,
        "oldest_untriaged": summary.oldest_untriaged,
        "red_line_total": summary.red_line_total,
        "status_totals": summary.status_totals,
        "chapters": [
            {
                "chapter_id": c.chapter.pk,
                "chapter_number": c.chapter.number,
                "total": c.total,
                "untriaged": c.untriaged,
                "oldest_untriaged": c.oldest_untriaged,
                "red_lines": c.red_lines,
                "by_status": c.by_status,
                "by_stance": c.by_stance,
                "in_conflict": c.in_conflict,
            }
            for c in summary.chapters
        ],
        "heat": [
            {"sector_id": sector_id, "chapter_id": chapter_id, "positions": count}
            for (sector_id, chapter_id), count in sorted(summary.heat.items())
        ],
    }
