"""Search everywhere: positions, briefings, room questions and answers, and — for the government side only —
internal notes and intelligence notes, ranked together.

Each kind starts from the selector its own list uses (``position_list_visible_to``, ``briefing_list_visible_to``,
the room's question and answer scopes, ``triage_scope``, ``notes_visible_to``), so a search never returns, counts
or quotes anything its list would not show. Nobody who belongs to an organisation searches internal or
intelligence notes. The engine itself (vectors, query parsing, snippets) is in ``selectors/fulltext.py``.

One search costs a fixed number of queries: whether the query has words, the page of (kind, id, rank) across all
kinds (one UNION ALL) with the count in the same query, then one query per kind on the page for its snippets. Only
an empty page costs more: a count (past the last page) or the trigram fallback for typos (nothing found).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import F, FloatField, Func, IntegerField, Q, QuerySet, Value
from django.db.models.fields import CharField
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from consultations.models import (
    Briefing,
    IntelligenceNote,
    InternalNote,
    Position,
    RoomAnswer,
    RoomQuestion,
)
from consultations.selectors.fulltext import (
    TRIGRAM_MIN_LENGTH,
    SearchText,
    headline,
    highlighted,
    organisation_ids_like,
    search_text,
    text_match,
    text_rank,
)
from consultations.selectors.intelligence import notes_visible_to
from consultations.selectors.positions import position_list_visible_to
from consultations.selectors.roles import user_official_profile, user_organisation_ids
from consultations.selectors.room import (
    briefing_list_visible_to,
    can_read_answers,
    room_answer_list_visible_to,
    room_question_scope,
)
from consultations.selectors.triage import triage_scope

if TYPE_CHECKING:
    from consultations.models import Chapter, Round, User

PER_PAGE = 20
# Counting stops here: past it the page says "more than 1,000" (counting every hit of a common word costs a scan).
MAX_COUNT = 1000
KIND_LABELS = {
    "position": _("Position"),
    "briefing": _("Briefing"),
    "question": _("Room question"),
    "answer": _("Room answer"),
    "internal_note": _("Internal note"),
    "intelligence": _("Intelligence note"),
}
GOVERNMENT_KINDS = frozenset({"internal_note", "intelligence"})


@dataclass(frozen=True)
class Source:
    """Where one kind is searched: its visible rows, its chapter and round fields, its trigram fields."""

    scope: Callable[[User], QuerySet]
    chapter: str
    round: str
    trigram: tuple[str, ...] = ()
    rank_trigram: str | None = None
    organisation: str | None = None  # the row's organisation id: an organisation's name finds it


def _internal_notes(user: User) -> QuerySet[InternalNote]:
    return InternalNote.objects.filter(position__in=triage_scope(user=user))


SOURCES: dict[str, Source] = {
    "position": Source(
        lambda user: position_list_visible_to(user=user),
        "chapter_id",
        "round_id",
        trigram=("title",),
        rank_trigram="title",
        organisation="organisation_id",
    ),
    "briefing": Source(lambda user: briefing_list_visible_to(user=user), "chapter_id", "round_id", ("title",), "title"),
    "question": Source(lambda user: room_question_scope(user=user), "chapter_id", "round_id"),
    "answer": Source(
        lambda user: room_answer_list_visible_to(user=user),
        "question__chapter_id",
        "question__round_id",
        organisation="organisation_id",
    ),
    "internal_note": Source(_internal_notes, "position__chapter_id", "position__round_id"),
    "intelligence": Source(
        lambda user: notes_visible_to(user).prefetch_related(None), "chapter_id", "rounds", ("title",), "title"
    ),
}


def search_kinds_for(user: User) -> tuple[str, ...]:
    """The kinds ``user`` may search: everyone the room's kinds; the government side its notes too."""
    if user_organisation_ids(user) or user_official_profile(user) is None:
        return tuple(kind for kind in SOURCES if kind not in GOVERNMENT_KINDS)
    return tuple(SOURCES)


@dataclass
class SearchHit:
    kind: str
    pk: int
    rank: float
    title: SafeString = SafeString("")
    snippet: SafeString = SafeString("")
    url: str = ""
    chapter: Any = None
    round_label: str = ""
    organisation: str = ""

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])


@dataclass
class SearchResults:
    query: SearchText
    page: Page | None = None
    hits: list[SearchHit] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many hits, up to MAX_COUNT + 1 (see ``capped``)."""
        return self.page.paginator.count if self.page is not None else 0

    @property
    def capped(self) -> bool:
        return self.count > MAX_COUNT


def _id(value: Chapter | Round | int | None) -> int | None:
    return getattr(value, "pk", value)


def _matches(
    user: User,
    text: str,
    kinds: Iterable[str],
    chapter_id: int | None,
    round_id: int | None,
    organisation_ids: list[int],
    *,
    ranked: bool = True,
    fuzzy: bool = False,
) -> QuerySet | None:
    """(kind, id, rank) of every visible match, all kinds in one UNION ALL; None when no kind is searched. Unranked
    (for the count) it leaves out the rank, which PostgreSQL would otherwise compute for every match.

    Without ``fuzzy`` only the vectors (and the organisations' names) are searched, and ranked by ``ts_rank`` alone:
    ``title %> query`` makes PostgreSQL recheck every row of the bitmap with word_similarity (and detoast its
    vector for the OR), which at 100,000 positions cost ten times the full-text match itself (EXPLAIN ANALYZE of
    the count for "automotriz", 1,893 hits: 45 ms with the trigram OR, 3.5 ms without). ``fuzzy`` (the typo
    fallback, run only when the full-text search finds nothing) adds the trigram fields and their similarity."""
    parts: list[QuerySet] = []
    for index, kind in enumerate(kinds):
        source = SOURCES[kind]
        condition = text_match(text, trigram_fields=source.trigram if fuzzy else ())
        if source.organisation is not None and organisation_ids:
            condition |= Q(**{f"{source.organisation}__in": organisation_ids})
        rows = source.scope(user).filter(condition)
        if chapter_id:
            rows = rows.filter(**{source.chapter: chapter_id})
        if round_id:
            rows = rows.filter(**{source.round: round_id})
        trigram_rank = source.rank_trigram if fuzzy else None
        rank = text_rank(text, trigram_field=trigram_rank) if ranked else Value(0.0, output_field=FloatField())
        parts.append(
            rows.order_by()
            .annotate(hit_kind=Value(index, output_field=IntegerField()), hit_id=F("pk"), hit_rank=rank)
            .values_list("hit_kind", "hit_id", "hit_rank")
        )
    if not parts:
        return None
    first, *rest = parts
    union = first.union(*rest, all=True) if rest else first
    return union.order_by("-hit_rank", "hit_kind", "-hit_id") if ranked else union


def _count(counted: QuerySet) -> int:
    """How many matches, up to MAX_COUNT + 1."""
    return counted.order_by()[: MAX_COUNT + 1].count()


def _ranked_page(matches: QuerySet, number: int, per_page: int) -> tuple[list[tuple[int, int, float]], int | None]:
    """The (kind, id, rank) rows of page ``number`` and how many matches there are (up to MAX_COUNT + 1; None
    when that page is empty). One query: the count is a window over the ranked matches, which the ORDER BY ranks
    all of anyway, instead of a second query that would plan and scan the same UNION again (at M that count was a
    third of the page's SQL, its planning alone about 10 ms)."""
    sql, params = matches.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT hit_kind, hit_id, hit_rank, count(*) OVER () FROM ({sql}) AS hits"  # noqa: S608 - Django's SQL
            " ORDER BY hit_rank DESC, hit_kind, hit_id DESC LIMIT %s OFFSET %s",
            (*params, per_page, (number - 1) * per_page),
        )
        rows = cursor.fetchall()
    if not rows:
        return [], None
    return [(kind, pk, rank) for kind, pk, rank, _total in rows], min(rows[0][3], MAX_COUNT + 1)


class _Paginator(Paginator):
    """Pages of the ranked matches, with their count (capped) already known."""

    def __init__(self, per_page: int, *, count: int) -> None:
        super().__init__([], per_page)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count


def _page_number(page: int | str | None) -> int:
    """``Paginator.get_page``'s reading of a page number: not a number is the first page."""
    try:
        return max(int(page or 1), 1)
    except (TypeError, ValueError):
        return 1


def search(
    user: User,
    query: str | None,
    *,
    kinds: Iterable[str] | None = None,
    chapter: Chapter | int | None = None,
    round: Round | int | None = None,
    page: int | str | None = 1,
    per_page: int = PER_PAGE,
) -> SearchResults:
    """What ``user`` finds for ``query``: a page of hits, best first, with highlighted snippets.

    ``kinds`` narrows the search; a kind the user may not search is ignored (never an error that would tell it
    exists). An empty, punctuation-only or stop-words-only query finds nothing and says why (``query.problem``)."""
    text = search_text(query)
    if not text.searchable:
        return SearchResults(query=text)
    allowed = search_kinds_for(user)
    wanted = [kind for kind in allowed if kinds is None or kind in set(kinds)]
    organisation_ids = organisation_ids_like(text.text)
    arguments = (user, text.text, wanted, _id(chapter), _id(round), organisation_ids)
    matches = _matches(*arguments)
    if matches is None:
        return SearchResults(query=text)
    number = _page_number(page)
    rows, count = _ranked_page(matches, number, per_page)
    if count is None:
        # An empty page: past the last one (count, then show the last page, as ``get_page`` does), or nothing
        # found at all. The trigram fallback (typos) runs only when the full-text search finds nothing (see
        # ``_matches``); its condition is the whole old one, so a typo finds what it always found.
        count = _count(_matches(*arguments, ranked=False)) if number > 1 else 0
        if not count and len(text.text) >= TRIGRAM_MIN_LENGTH:
            matches = _matches(*arguments, fuzzy=True)
            count = _count(_matches(*arguments, ranked=False, fuzzy=True))
        if count:
            number = min(number, -(-count // per_page))
            rows, _count_again = _ranked_page(matches, number, per_page)
        else:
            number = 1
    paginator = _Paginator(per_page, count=count)
    result_page = Page(rows, number, paginator)
    hits = [(wanted[index], pk, rank) for index, pk, rank in rows]
    return SearchResults(query=text, page=result_page, hits=_hits(user, text.text, hits))


# --- The hits of one page, with their snippets ----------------------------------------------------------------


def _concat(*fields: str) -> Func:
    return Func(Value(" · "), *(F(name) for name in fields), function="concat_ws", output_field=CharField())


def _detail(kind: str, text: str, ids: list[int]) -> dict[int, Any]:
    title = headline(text, F("title"), whole=True)
    if kind == "position":
        rows = Position.objects.filter(pk__in=ids).select_related("organisation", "chapter", "round")
        rows = rows.annotate(
            hl_title=title,
            hl_snippet=headline(text, _concat("summary", "body", "requested_outcome", "fallback_position")),
        )
    elif kind == "briefing":
        rows = Briefing.objects.filter(pk__in=ids).select_related("chapter", "round")
        rows = rows.annotate(hl_title=title, hl_snippet=headline(text, F("body_markdown")))
    elif kind == "question":
        rows = RoomQuestion.objects.filter(pk__in=ids).select_related("chapter", "round")
        rows = rows.annotate(hl_snippet=headline(text, F("text")))
    elif kind == "answer":
        rows = RoomAnswer.objects.filter(pk__in=ids).select_related(
            "organisation", "question__chapter", "question__round"
        )
        rows = rows.annotate(hl_snippet=headline(text, F("text")))
    elif kind == "internal_note":
        rows = InternalNote.objects.filter(pk__in=ids).select_related(
            "position__organisation", "position__chapter", "position__round"
        )
        rows = rows.annotate(hl_snippet=headline(text, F("body")))
    else:
        rows = IntelligenceNote.objects.filter(pk__in=ids).select_related("chapter").prefetch_related("rounds")
        rows = rows.annotate(hl_title=title, hl_snippet=headline(text, F("body_markdown")))
    return {row.pk: row for row in rows}


def _short(value: str, words: int = 18) -> SafeString:
    return SafeString(escape(Truncator(value).words(words)))


def _fill(user: User, hit: SearchHit, row: Any) -> None:
    hit.snippet = highlighted(row.hl_snippet)
    if hit.kind == "position":
        hit.title = highlighted(row.hl_title)
        hit.url = reverse("consultations:position_detail", args=[row.pk])
        hit.chapter, hit.round_label, hit.organisation = row.chapter, row.round.localized_label, row.organisation.name
    elif hit.kind == "briefing":
        hit.title = highlighted(row.hl_title)
        hit.url = reverse("consultations:briefing_detail", args=[row.pk])
        hit.chapter, hit.round_label = row.chapter, row.round.localized_label
    elif hit.kind == "question":
        hit.title = _short(row.text)
        hit.url = reverse("consultations:room_question_detail", args=[row.pk])
        hit.chapter, hit.round_label = row.chapter, row.round.localized_label
    elif hit.kind == "answer":
        question = row.question
        hit.title = _short(question.text)
        page = "room_question_answers" if can_read_answers(user, question) else "room_question_detail"
        hit.url = reverse(f"consultations:{page}", args=[question.pk])
        hit.chapter, hit.organisation = question.chapter, row.organisation.name
        hit.round_label = question.round.localized_label
    elif hit.kind == "internal_note":
        position = row.position
        hit.title = _short(position.title)
        hit.url = reverse("consultations:triage_detail", args=[position.pk])
        hit.chapter, hit.round_label = position.chapter, position.round.localized_label
        hit.organisation = position.organisation.name
    else:
        hit.title = highlighted(row.hl_title)
        hit.url = reverse("consultations:intelligence_note_detail", args=[row.pk])
        hit.chapter = row.chapter
        hit.round_label = ", ".join(r.localized_label for r in row.rounds.all())


def _hits(user: User, text: str, rows: list[tuple[str, int, float]]) -> list[SearchHit]:
    hits = [SearchHit(kind=kind, pk=pk, rank=rank) for kind, pk, rank in rows]
    by_kind: dict[str, list[int]] = {}
    for hit in hits:
        by_kind.setdefault(hit.kind, []).append(hit.pk)
    details = {kind: _detail(kind, text, ids) for kind, ids in by_kind.items()}
    for hit in hits:
        _fill(user, hit, details[hit.kind][hit.pk])
    return hits
