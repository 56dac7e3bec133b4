"""The search engine every search box uses (the header search and the triage queue): PostgreSQL full-text search
in Spanish and English, accent-blind, over the stored weighted vectors (models/search.py), with pg_trgm word
similarity as a fallback for typos and organisation names.

What users type never reaches PostgreSQL as query syntax: it is cleaned here (control characters out, length
capped) and parsed with ``websearch_to_tsquery``, which reads ``&``, ``|``, ``!``, ``:*`` and unbalanced quotes as
plain text and never fails. Snippets come from ``ts_headline`` with private-use markers that are first removed
from the text itself, so that after HTML-escaping only those markers become ``<mark>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Expression, F, FloatField, Func, Q, TextField, Value
from django.db.models.functions import Coalesce
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from consultations.forms.fields import single_line

MAX_QUERY_LENGTH = 200
# The shortest query the trigram fallback runs on: fewer characters match almost anything.
TRIGRAM_MIN_LENGTH = 4
# Trigram hits rank below any full-text hit of the title: similarity (0–1) times this.
TRIGRAM_RANK = 0.05
MARK_START = "\ue000"
MARK_END = "\ue001"
HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=28, MinWords=12, MaxFragments=2, "
    'FragmentDelimiter=" … ", ShortWord=2'
)
TITLE_OPTIONS = f"StartSel={MARK_START}, StopSel={MARK_END}, HighlightAll=true"
WORD = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class SearchText:
    """A user's query, cleaned: ``text`` is what is searched; ``problem`` says why nothing is (or is only partly)."""

    text: str
    truncated: bool = False
    problem: str = ""  # "", "empty", "no_words" (punctuation only) or "stop_words" (only common words)

    @property
    def searchable(self) -> bool:
        return bool(self.text) and not self.problem


def search_text(raw: str | None) -> SearchText:
    # Lone surrogates (a caller's broken string) cannot reach PostgreSQL: they become "?".
    text = single_line((raw or "").encode("utf-8", "replace").decode("utf-8"))
    if not text:
        return SearchText("", problem="empty")
    truncated = len(text) > MAX_QUERY_LENGTH
    if truncated:
        text = text[:MAX_QUERY_LENGTH].rstrip()
    if not WORD.search(text):
        return SearchText(text, truncated, problem="no_words")
    if not _has_lexemes(text):
        return SearchText(text, truncated, problem="stop_words")
    return SearchText(text, truncated)


def _has_lexemes(text: str) -> bool:
    """Whether the query keeps a word once common words are left out, in both languages: every row's vector holds
    both, so Spanish stop words are indexed by the English configuration (and the other way round), and a query of
    "de la" would otherwise match nearly everything. One small query."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT numnode(websearch_to_tsquery('es_unaccent', %(q)s)) > 0"
            " AND numnode(websearch_to_tsquery('en_unaccent', %(q)s)) > 0",
            {"q": text},
        )
        return bool(cursor.fetchone()[0])


def ts_query(text: str) -> SearchQuery:
    """The query in both languages, OR-ed: a row matches when its Spanish or its English lexemes do."""
    return SearchQuery(text, config="es_unaccent", search_type="websearch") | SearchQuery(
        text, config="en_unaccent", search_type="websearch"
    )


def text_match(text: str, *, trigram_fields: tuple[str, ...] = ()) -> Q:
    """Rows whose vector matches the query, or (for a query long enough) one of ``trigram_fields`` reads like it:
    ``field %> query`` uses the field's trigram GIN index."""
    condition = Q(search_vector=ts_query(text))
    if len(text) >= TRIGRAM_MIN_LENGTH:
        for field in trigram_fields:
            condition |= Q(**{f"{field}__trigram_word_similar": text})
    return condition


def text_rank(text: str, *, trigram_field: str | None = None) -> Expression:
    """Full-text rank (weights: title A above summary B above the rest), plus a little for a trigram match so that
    a misspelt title still ranks, below every real hit of the title."""
    rank: Expression = SearchRank(F("search_vector"), ts_query(text))
    if trigram_field is not None and len(text) >= TRIGRAM_MIN_LENGTH:
        similarity = Func(Value(text), F(trigram_field), function="word_similarity", output_field=FloatField())
        rank = rank + similarity * Value(TRIGRAM_RANK)
    return rank


def _strip_marks(expression: Expression) -> Expression:
    return Func(
        Func(Coalesce(expression, Value("")), Value(MARK_START), Value(""), function="replace"),
        Value(MARK_END),
        Value(""),
        function="replace",
        output_field=TextField(),
    )


def headline(text: str, expression: Expression, *, whole: bool = False) -> Expression:
    """``ts_headline`` of ``expression`` for the query, with private-use markers around the hits."""
    return Func(
        Value("es_unaccent"),
        _strip_marks(expression),
        ts_query(text),
        Value(TITLE_OPTIONS if whole else HEADLINE_OPTIONS),
        function="ts_headline",
        template="%(function)s(%(expressions)s)",
        output_field=TextField(),
        arg_joiner=", ",
    )


def highlighted(value: str | None) -> SafeString:
    """A headline as HTML: everything escaped, then only our markers become <mark>."""
    escaped = escape(value or "")
    return mark_safe(escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))  # noqa: S308 - escaped above
