"""Rounds (with their derived status and deadlines), chapters and sectors: reference data every user reads."""

import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from consultations.api.pagination import PageParams, paginate
from consultations.models import Chapter, Round, Sector
from consultations.selectors.rounds import round_list
from consultations.selectors.state_of_play import chapter_status_lines_for, chapters_readable_by

router = Router(tags=["rounds"])


class RoundOut(Schema):
    id: int
    label: str
    kind: str
    format: str
    city: str
    country: str
    time_zone: str
    starts_on: dt.date
    ends_on: dt.date
    input_opens_at: dt.datetime | None
    submission_deadline: dt.datetime | None
    digest_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    status: str
    accepts_input: bool
    updated_at: dt.datetime

    @staticmethod
    def resolve_status(obj: Round) -> str:
        return str(obj.status_at(timezone.now()))

    @staticmethod
    def resolve_accepts_input(obj: Round) -> bool:
        return obj.accepts_input


class RoundPage(Schema):
    items: list[RoundOut]
    next_cursor: str | None


class ChapterOut(Schema):
    id: int
    number: int
    title_en: str
    title_es: str
    title: str
    status: str | None = Field(
        None,
        description="The chapter's state-of-play status, as the chapter list shows it: for the government side of "
        "the chapter always, for everyone else only once a negotiator shared the status line with the room.",
    )
    status_round_id: int | None = Field(None, description="The round the status was recorded for.")


class ChapterPage(Schema):
    items: list[ChapterOut]
    next_cursor: str | None


class SectorOut(Schema):
    id: int
    code: str
    name_en: str
    name_es: str


class SectorPage(Schema):
    items: list[SectorOut]
    next_cursor: str | None


@router.get("/rounds", response=RoundPage, summary="Rounds, with their derived status and deadlines")
def rounds(request: HttpRequest, page: Query[PageParams]) -> dict:
    return paginate(round_list(), page)


@router.get("/rounds/{round_id}", response=RoundOut, summary="One round")
def round_detail(request: HttpRequest, round_id: int) -> Round:
    return get_object_or_404(round_list(), pk=round_id)


@router.get("/chapters", response=ChapterPage, summary="The USMCA chapters, with the status line the user may read")
def chapters(request: HttpRequest, page: Query[PageParams]) -> dict:
    user = request.auth.user
    result = paginate(Chapter.objects.all(), page, use_time=False)
    readable = set(chapters_readable_by(user=user).values_list("pk", flat=True))
    lines = chapter_status_lines_for(readable=readable)
    for chapter in result["items"]:
        line = lines.get(chapter.pk)
        chapter.status = line.status if line else None
        chapter.status_round_id = line.round_id if line else None
    return result


@router.get("/sectors", response=SectorPage, summary="Sectors (SCIAN/NAICS codes)")
def sectors(request: HttpRequest, page: Query[PageParams]) -> dict:
    return paginate(Sector.objects.all(), page, use_time=False)
