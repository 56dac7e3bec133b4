"""Search everywhere: the page's selector (``selectors.search.search``) with the token's user, so the API finds,
counts and quotes exactly what the search page does — internal and intelligence notes only for the government
side. Results are ranked, so the cursor holds the next page's number (signed), not a row's key."""

from django.core import signing
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from consultations.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from consultations.api.problems import ApiProblem
from consultations.selectors import search as selectors
from consultations.selectors.fulltext import MAX_QUERY_LENGTH

router = Router(tags=["search"])

SALT = "consultations.api.search"
KINDS = tuple(selectors.SOURCES)


class SearchParams(Schema):
    q: str = Field("", max_length=MAX_QUERY_LENGTH * 4, description="The words to search for.")
    kind: str | None = Field(
        None,
        description=f"One of {', '.join(KINDS)}. A kind the user may not search is ignored, as on the page.",
    )
    chapter: int | None = Field(None, ge=1, le=2**31 - 1, description="A chapter's id.")
    round: int | None = Field(None, ge=1, le=2**31 - 1, description="A round's id.")
    cursor: str | None = None
    limit: int = Field(DEFAULT_LIMIT, description=f"Hits per page (at most {MAX_LIMIT}).")


class SearchHitOut(Schema):
    kind: str
    kind_label: str
    id: int
    title: str = Field(description="HTML: escaped text with the matched words in <mark>.")
    snippet: str = Field(description="HTML: escaped text with the matched words in <mark>.")
    url: str = Field(description="The page of the hit in the web app.")
    chapter_id: int | None
    chapter_number: int | None
    round: str
    organisation: str


class SearchPage(Schema):
    items: list[SearchHitOut]
    next_cursor: str | None
    count: int = Field(description="How many hits, counted up to 1,001 (see `count_capped`).")
    count_capped: bool
    problem: str = Field(description='Why nothing was searched: "", "empty", "no_words" or "stop_words".')


def _page_number(cursor: str | None) -> int:
    if not cursor:
        return 1
    try:
        number = int(signing.loads(cursor, salt=SALT))
    except (signing.BadSignature, ValueError, TypeError):
        number = 0
    if number < 1:
        raise ApiProblem(400, "bad-cursor", _("The cursor is not valid."), _("Use a next_cursor this API returned."))
    return number


@router.get("/search", response=SearchPage, summary="Search everywhere the user may read (the search page)")
def search(request: HttpRequest, filters: Query[SearchParams]) -> dict:
    number = _page_number(filters.cursor)
    limit = min(max(filters.limit, 1), MAX_LIMIT)
    results = selectors.search(
        request.auth.user,
        filters.q,
        kinds=[filters.kind] if filters.kind else None,
        chapter=filters.chapter,
        round=filters.round,
        page=number,
        per_page=limit,
    )
    page = results.page
    # Past the last page the paginator answers the last one again: an old cursor then reads nothing, not repeats.
    hits = results.hits if page is None or page.number == number else []
    return {
        "items": [
            {
                "kind": hit.kind,
                "kind_label": hit.kind_label,
                "id": hit.pk,
                "title": str(hit.title),
                "snippet": str(hit.snippet),
                "url": hit.url,
                "chapter_id": hit.chapter.pk if hit.chapter else None,
                "chapter_number": hit.chapter.number if hit.chapter else None,
                "round": hit.round_label,
                "organisation": hit.organisation,
            }
            for hit in hits
        ],
        "next_cursor": signing.dumps(number + 1, salt=SALT) if hits and page.has_next() else None,
        "count": results.count,
        "count_capped": results.capped,
        "problem": results.query.problem,
    }
