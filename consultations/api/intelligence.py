"""Intelligence notes: the government side's notes on a chapter, for the officials, negotiators and coordinator
who read them on the pages (``notes_visible_to``, ``intelligence_note_get_for`` and the ``view_intelligence``
rule). Nobody who belongs to an organisation reads them: their list and every note answer 404, as on the pages."""

import datetime as dt

import rules
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from consultations.api.helpers import form_problem, require_perm
from consultations.api.pagination import PageParams, paginate
from consultations.forms.intelligence import IntelligenceFilterForm
from consultations.models import IntelligenceNote
from consultations.selectors import intelligence as selectors
from consultations.services.briefings import render_markdown

router = Router(tags=["intelligence"])


class NoteAttachmentOut(Schema):
    id: int
    name: str = Field(validation_alias="original_name")
    kind: str
    size: int
    sha256: str
    uploaded_at: dt.datetime


class NoteOut(Schema):
    id: int
    chapter_id: int
    title: str
    body_markdown: str
    tags: list[str]
    hs_lines: list[str]
    round_ids: list[int]
    authors: list[str]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_round_ids(obj) -> list[int]:  # noqa: ANN001 - an IntelligenceNote
        return [round.pk for round in obj.rounds.all()]

    @staticmethod
    def resolve_authors(obj) -> list[str]:  # noqa: ANN001
        return [str(author) for author in obj.authors.all()]


class NoteDetailOut(NoteOut):
    body_html: str
    position_ids: list[int]
    attachments: list[NoteAttachmentOut]

    @staticmethod
    def resolve_body_html(obj) -> str:  # noqa: ANN001
        return str(render_markdown(obj.body_markdown))

    @staticmethod
    def resolve_position_ids(obj) -> list[int]:  # noqa: ANN001
        return [position.pk for position in obj.positions.all()]

    @staticmethod
    def resolve_attachments(obj) -> list:  # noqa: ANN001
        return list(obj.attachments.all())


class NotePage(Schema):
    items: list[NoteOut]
    next_cursor: str | None


class NoteParams(PageParams):
    chapter: int | None = Field(None, ge=1, le=2**31 - 1, description="A chapter's id.")
    round: int | None = Field(None, ge=1, le=2**31 - 1, description="A round's id.")
    tag: str = Field("", max_length=100)


@router.get("/intelligence/notes", response=NotePage, summary="Intelligence notes of the official's chapters")
def note_list(request: HttpRequest, filters: Query[NoteParams]) -> dict:
    user = request.auth.user
    if not rules.has_perm("consultations.view_intelligence", user, None):
        raise Http404
    # The page's filter form: a chapter the user may not read, a round of none, or a tag no note carries is a 422.
    tags = selectors.intelligence_tag_list(user=user, chapter=filters.chapter)
    form = IntelligenceFilterForm(
        {"chapter": filters.chapter or "", "round": filters.round or "", "tag": filters.tag}, user=user, tags=tags
    )
    if not form.is_valid():
        raise form_problem(form)
    notes = selectors.notes_visible_to(
        user, chapter=form.value("chapter"), round=form.value("round"), tag=form.value("tag") or ""
    )
    return paginate(notes, filters)


@router.get("/intelligence/notes/{note_id}", response=NoteDetailOut, summary="One intelligence note")
def note_detail(request: HttpRequest, note_id: int) -> IntelligenceNote:
    if note_id > 2**31 - 1:
        raise Http404
    note = selectors.intelligence_note_get_for(user=request.auth.user, note_id=note_id)
    require_perm(request.auth.user, "consultations.view_intelligence", note)
    return note
