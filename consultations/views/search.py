"""Search everywhere, from the header: a plain GET page, its htmx results, and the header's live preview."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from consultations.forms.search import SearchForm
from consultations.selectors import search as search_selectors
from consultations.selectors.fulltext import MAX_QUERY_LENGTH

PREVIEW_SIZE = 5
PROBLEMS = {
    "no_words": gettext_lazy("Type words to search for: punctuation alone finds nothing."),
    "stop_words": gettext_lazy("Those words are too common to search for. Add a more specific word."),
}


@require_GET
@login_required
@vary_on_headers("HX-Request")
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None, user=request.user)
    preview = request.htmx and request.GET.get("preview") == "1"
    kind = form.value("kind")
    results = search_selectors.search(
        request.user,
        request.GET.get("q", ""),
        kinds=[kind] if kind else None,
        chapter=form.value("chapter"),
        round=form.value("round"),
        page=request.GET.get("page"),
        per_page=PREVIEW_SIZE if preview else search_selectors.PER_PAGE,
    )
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("preview", None)
    notice = str(PROBLEMS.get(results.query.problem, ""))
    if results.query.truncated:
        notice = _("Only the first %(count)d characters were searched.") % {"count": MAX_QUERY_LENGTH}
    context = {"form": form, "results": results, "query": query.urlencode(), "notice": notice}
    if preview:
        return render(request, "consultations/search/search.html#search-preview", context)
    if request.htmx:
        return render(request, "consultations/search/search.html#search-results", context)
    return render(request, "consultations/search/search.html", context)
