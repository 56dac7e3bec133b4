"""The access matrix covers every URL the site will ever have: driven by the URL resolver, not by memory.

Every URL pattern (pages, htmx partials, downloads, exports, /manage/ pages, the local inbox) × every HTTP method
its view accepts must have a case in ``permission_cases.CASES`` — and through ``test_permissions._ROWS`` an expected
answer for every role. A new view without its row fails here. The API (/api/v1/...) is covered by its own
schema-driven matrix (tests/consultations/api/test_api_access.py, which fails when an operation has no row);
Django's admin and allauth's account pages are listed below with the reason they are left out.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from tests.consultations.permission_cases import CASES, DEV_URLCONF, ROLES
from tests.consultations.test_permissions import MATRIX

# Route prefixes left out of the site's matrix, each with its reason.
EXCLUDED_PREFIXES: dict[str, str] = {
    "admin/": "Django's admin: staff only by Django's own check (is_staff), tested in "
    "tests/consultations/test_admin.py",
    "accounts/": "allauth's sign-in, sign-up and password pages: public by design; the sign-in is tested in "
    "test_accounts.py and test_signin_throttle.py",
    "api/v1/": "the REST API: every operation × role in tests/consultations/api/test_api_access.py (schema-driven)",
}
# The only non-API route below /api/v1/: the documentation page, which has its case in the matrix.
COVERED_BY_MATRIX_UNDER_EXCLUDED = {"api/v1/docs/"}
# Single methods left out, with the reason. Django's set_language does nothing but redirect unless it gets a POST
# (its GET is in the matrix as set_language_get).
EXCLUDED_METHODS: dict[tuple[str, str], str] = {
    ("set_language", method): "Django's set_language: any method but POST only redirects" for method in
    ("PUT", "PATCH", "DELETE")
}  # fmt: skip
# Methods every view is checked for. HEAD, OPTIONS and TRACE are refused by require_http_methods everywhere.
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _patterns(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, Any]]:
    """(route, view name, view) of every leaf pattern, recursively."""
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry, route, inner)
        elif isinstance(entry, URLPattern):
            yield route, f"{namespace}{entry.name}" if entry.name else route, entry.callback


def accepted_methods(view: Any) -> set[str]:
    """The methods a view accepts, read from Django's require_http_methods (require_GET, require_POST...) in its
    chain of decorators. A view without it accepts every method: all of METHODS must then have expectations."""
    seen = set()
    while view is not None and id(view) not in seen:
        seen.add(id(view))
        for cell in getattr(view, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if isinstance(value, list) and value and all(isinstance(m, str) and m.isupper() for m in value):
                return set(value) & set(METHODS)
        view = getattr(view, "__wrapped__", None)
    return set(METHODS)


def site_routes() -> dict[tuple[str, str], str]:
    """{(view name, method): route} for every pattern of the site (with /dev/) outside the exclusions."""
    routes = {}
    for route, name, view in _patterns(get_resolver(DEV_URLCONF)):
        if route not in COVERED_BY_MATRIX_UNDER_EXCLUDED and route.startswith(tuple(EXCLUDED_PREFIXES)):
            continue
        for method in accepted_methods(view):
            if (name, method) not in EXCLUDED_METHODS:
                routes[name, method] = route
    return routes


class _Placeholder:
    """Stands in for the world when a case's URL is built without a database: every object has pk 1."""

    pk = 1
    number = 1

    def __getattr__(self, name: str) -> _Placeholder:
        return self

    def __getitem__(self, key: object) -> _Placeholder:
        return self


def covered() -> dict[tuple[str, str], list[str]]:
    """{(view name, method): the matrix cases that request it}."""
    result: dict[tuple[str, str], list[str]] = {}
    for name, case in CASES.items():
        with override_settings(ROOT_URLCONF=case.urlconf) if case.urlconf else contextlib.nullcontext():
            path = re.sub(r"[?#].*", "", case.url(_Placeholder()))  # type: ignore[arg-type]
        match = resolve(path, urlconf=case.urlconf or DEV_URLCONF)
        result.setdefault((match.view_name, case.method.upper()), []).append(name)
    return result


def test_the_resolver_sees_the_whole_site() -> None:
    """Not vacuous: pages, htmx endpoints, downloads, exports, /manage/ pages and the inbox are all enumerated."""
    routes = site_routes()
    names = {name for name, _method in routes}
    for expected in (
        "consultations:position_detail",
        "consultations:triage_note",
        "consultations:attachment_download",
        "consultations:book_chapter",
        "consultations:round_manage_edit",
        "consultations:room_answer_save",
        "dev:mail",
        "api_docs",
    ):
        assert expected in names
    assert ("consultations:position_file", "POST") in routes
    assert ("consultations:position_file", "GET") not in routes  # require_POST is read from the view
    assert not [route for route in routes.values() if route.startswith(("admin/", "accounts/", "api/v1/{"))]


def test_every_url_pattern_and_method_has_a_case_in_the_matrix() -> None:
    cases = covered()
    missing = sorted(f"{method} {route} ({name})" for (name, method), route in site_routes().items() if
                     (name, method) not in cases)  # fmt: skip
    assert not missing, "URL patterns × methods with no row in the permission matrix:\n" + "\n".join(missing)


def test_every_case_has_an_expected_answer_for_every_role() -> None:
    missing = sorted(f"{name} × {role}" for name in CASES for role in ROLES if (name, role) not in MATRIX)
    assert not missing, missing


def test_no_case_requests_a_method_its_view_refuses() -> None:
    """A case that sends POST to a GET-only view would "pass" with 405 for everyone and cover nothing."""
    routes = site_routes()
    stray = sorted(f"{method} {name}: {cases}" for (name, method), cases in covered().items() if
                   (name, method) not in routes)  # fmt: skip
    assert not stray, stray
