"""Hypothesis drives every form and htmx endpoint of the web app with hostile input: no 5xx, and user text always
rendered escaped (no user-made element or ``on*``/``hx-*`` attribute, no ``javascript:`` URL, no user script).

The endpoints and what is sent to them live in tests/consultations/fuzz_cases.py; the API has its own schemathesis
run (tests/consultations/api/test_api_schemathesis.py). One world (the permission matrix's, plus a negotiator, a
briefing, a room question, a notification and a delivery) is built once for the module; each endpoint's test runs in
its own transaction, rolled back afterwards, so what one endpoint stores never reaches another's run. Each example is
one request; a successful write is followed to the page it redirects to, and after the run the pages that show what
the endpoint stores are read and checked too.

``FUZZ_EXAMPLES`` sets the number of examples per endpoint (see ``EXAMPLES`` for the CI figure and why).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, example, given, settings

from consultations import models
from consultations.services import briefings as briefing_services
from consultations.services import invitations as invitation_services
from consultations.services import room_questions as question_services
from tests import factories
from tests.conftest import Cast
from tests.consultations import fuzz_cases as fc
from tests.consultations import permission_cases as pc

# Examples per endpoint. CI runs CI_EXAMPLES: at about 45 ms of CPU an example (measured), 78 endpoints × 1,000
# examples would take close to an hour, so the CI-sized run takes what fits in its 5-minute budget; `make fuzz` runs
# the full 1,000 per endpoint (FUZZ_EXAMPLES=1000).
CI_EXAMPLES = 60
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", CI_EXAMPLES))
# Per endpoint: the triage queue, the slowest page, takes about half a second an example on a busy machine.
pytestmark = [pytest.mark.heavy, pytest.mark.timeout(max(900, EXAMPLES * 3))]


def _post(path: Callable[[pc.World], str], data: Callable[[pc.World], dict[str, Any]]) -> Callable[..., Any]:
    return lambda w: fc.FuzzRequest("post", path(w), data(w), "multipart")


def _get(path: Callable[[pc.World], str], data: dict[str, Any]) -> Callable[..., Any]:
    return lambda w: fc.FuzzRequest("get", path(w), data, "query")


def _spec_url(name: str) -> Callable[[pc.World], str]:
    return lambda w: fc.SPECS[name].url(w)


# Requests that once answered 500 or rendered user markup, replayed (as Hypothesis examples) on every run. int()
# refuses "²" (which passes str.isdigit()) and numbers of more than 4,300 digits; redirect() takes a "next" of "0"
# (which passes url_has_allowed_host_and_scheme()) for the name of a view; the triage queue repeated every query
# parameter, whatever its name or length, in every link and form of the page.
LONG_NUMBER = "9" * 100_000
REGRESSIONS: dict[str, list[Callable[[pc.World], fc.FuzzRequest]]] = {
    "intelligence_note_create": [
        _post(
            _spec_url("intelligence_note_create"),
            lambda w: fc.SPECS["intelligence_note_create"].base(w) | {"position_ids": "²"},
        )
    ],
    "notification_read": [_post(_spec_url("notification_read"), lambda w: {"id": str(w.notification.pk), "next": "0"})],
    "preferences": [_post(_spec_url("preferences"), lambda w: {"language": "es", "time_zone": "", "next": "0"})],
    "dashboard": [_get(_spec_url("dashboard"), {"round": "²"}), _get(_spec_url("dashboard"), {"round": LONG_NUMBER})],
    "triage_merge": [
        _get(_spec_url("triage_merge"), {"original": "²"}),
        _get(_spec_url("triage_merge"), {"original": LONG_NUMBER}),
    ],
    "triage_queue": [
        _get(_spec_url("triage_queue"), {name: fc._long(fc.HTML_PAYLOADS[0]) for name in fc.TRIAGE_FILTERS})
    ],
    "triage_detail": [_get(_spec_url("triage_detail"), {"q": fc._long(fc.HX_PAYLOADS[0])})],
    "intelligence_note_list": [
        _get(_spec_url("intelligence_note_list"), {"chapter": "²"}),
        _get(_spec_url("intelligence_note_list"), {"chapter": LONG_NUMBER}),
    ],
    "briefing_create": [_get(_spec_url("briefing_create"), {"chapter": LONG_NUMBER})],
    "workload_official": [
        _post(_spec_url("workload_official"), lambda w: {"ids": ["²"], "assignee": w.cast.coordinator.pk}),
        _post(_spec_url("workload_official"), lambda w: {"ids": [LONG_NUMBER], "assignee": w.cast.coordinator.pk}),
    ],
}


def _cast() -> Cast:
    chapter = factories.ChapterFactory(number=4, title_en="Rules of Origin", title_es="Reglas de Origen")
    other = factories.ChapterFactory(number=3, title_en="Agriculture", title_es="Agricultura")
    org_a = factories.OrganisationFactory(name="Cámara Ficticia A", acronym="CFA")
    org_b = factories.OrganisationFactory(name="Cámara Ficticia B", acronym="CFB")
    return Cast(
        org_a=org_a,
        org_b=org_b,
        delegate_a=factories.MembershipFactory(organisation=org_a).user,
        delegate_b=factories.MembershipFactory(organisation=org_b).user,
        coordinator_a=factories.MembershipFactory(organisation=org_a, role=models.Membership.Role.COORDINATOR).user,
        official_of_chapter=factories.official(chapters=[chapter]),
        official_of_other_chapter=factories.official(chapters=[other]),
        coordinator=factories.official(chapters=[], coordinator=True),
        admin=factories.UserFactory(is_staff=True, is_superuser=True),
    )


def _build_world() -> pc.World:
    cast = _cast()
    chapter, other = models.Chapter.objects.get(number=4), models.Chapter.objects.get(number=3)
    round = factories.RoundFactory()
    world = pc.build_world(cast, chapter, other, round)
    negotiator = factories.official(chapters=[chapter], negotiator=True)
    cast.org_a.followed_chapters.add(chapter)
    world.negotiator = negotiator
    world.spare_round = factories.RoundFactory(
        starts_on=timezone.localdate() + dt.timedelta(days=90),
        input_opens_at=timezone.now() + dt.timedelta(days=40),
        submission_deadline=timezone.now() + dt.timedelta(days=80),
        digest_at=timezone.now() + dt.timedelta(days=85),
    )
    world.briefing = briefing_services.briefing_post(
        by=negotiator, chapter=chapter, round=round, title="Sesión del martes", body_markdown="**Avances**."
    )
    world.question = question_services.room_question_ask(
        by=negotiator,
        chapter=chapter,
        round=round,
        text="¿Cuánto contenido regional pueden acreditar?",
        response_deadline=timezone.now() + dt.timedelta(days=2),
    )
    _invitation, world.invitation_token = invitation_services.invitation_create(
        by=cast.coordinator_a,
        email="otra.invitada@example.mx",
        role=models.Invitation.Role.DELEGATE,
        organisation=cast.org_a,
    )
    world.notification = models.Notification.objects.create(
        recipient=cast.delegate_a,
        kind=models.NotificationKind.STATUS,
        title="Cambio de estado",
        url=f"/positions/{world.positions['gov_a'].pk}/",
        key="fuzz:1",
    )
    world.delivery = models.Delivery.objects.create(
        kind="position-update", key="fuzz:1", recipient=cast.delegate_a, status=models.Delivery.Status.FAILED
    )
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[pc.World]:
    """Built once, inside a transaction that is rolled back after the module; each test nests its own."""
    hashers = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    hashers.enable()
    # Thousands of refused requests are the point here: their warnings (400s, 404s) would only bury the failures.
    quiet = [logging.getLogger(name) for name in ("django.request", "django.security")]
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(logging.ERROR)
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            hashers.disable()
            for logger, level in zip(quiet, levels, strict=True):
                logger.setLevel(level)


def _user(world: pc.World, role: str) -> models.User | None:
    if role == "negotiator":
        return world.negotiator
    return world.user(role)


def _client(world: pc.World, role: str) -> Client:
    client = Client()
    user = _user(world, role)
    if user is not None:
        client.force_login(user)
    return client


def _send(client: Client, request: fc.FuzzRequest):
    headers = fc.header_safe(request.headers)
    if request.encoding == "query":
        data = {key: value for key, value in request.data.items() if not hasattr(value, "read")}
        return client.get(request.path, data, headers=headers)
    if request.encoding == "raw":
        return client.generic("POST", request.path, request.data, content_type=request.content_type, headers=headers)
    if request.encoding == "urlencoded":
        data = {key: value for key, value in request.data.items() if not hasattr(value, "read")}
        return client.post(
            request.path,
            urlencode(data, doseq=True),
            content_type="application/x-www-form-urlencoded",
            headers=headers,
        )
    for value in request.data.values():
        if hasattr(value, "seek"):
            value.seek(0)
    return client.post(request.path, request.data, headers=headers)


# An answer may repeat what was sent a few times (a form shown again with its errors), not in every link of a page:
# the triage queue once answered a 100 kB filter with 6 MB (and 1.8 MB of filters with 101 MB).
AMPLIFICATION = 20
PAGE_MAX = 1_000_000


def _check(response, what: str, sent: int = 0) -> None:
    assert response.status_code < 500, f"{what} answered {response.status_code}"
    size = len(response.content) if not response.streaming else 0
    assert size <= PAGE_MAX + AMPLIFICATION * sent, f"{what}: {size} bytes answered {sent} bytes sent"
    if "html" not in response.get("Content-Type", ""):
        return
    problems = fc.html_problems(response.content.decode(response.charset or "utf-8", "replace"))
    assert not problems, f"{what}: user markup in the answer:\n  " + "\n  ".join(problems[:10])


def _exchange(client: Client, request: fc.FuzzRequest) -> None:
    response = _send(client, request)
    what = f"{request.method.upper()} {request.path} ({request.encoding})"
    _check(response, what, request.size())
    if request.method == "post" and response.status_code in (301, 302, 303):
        target = urlsplit(response["Location"])
        if not target.netloc and target.path.startswith("/") and not target.path.startswith("/accounts/login"):
            _check(client.get(response["Location"]), f"{what} → {response['Location']}")


def _database_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (0 when it runs on another machine)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def url_pattern_names() -> dict[str, str]:
    """name → route of every pattern in the consultations namespace, read from the resolver."""
    found: dict[str, str] = {}

    def walk(patterns: list, prefix: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern) and entry.name:
                found[entry.name] = prefix + str(entry.pattern)

    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "consultations":
            walk(entry.url_patterns, str(entry.pattern))
    return found


def test_every_url_pattern_has_a_fuzz_strategy() -> None:
    patterns = url_pattern_names()
    missing = sorted(f"{name} ({route})" for name, route in patterns.items() if name not in fc.SPECS | fc.EXEMPT)
    assert not missing, (
        "URL patterns without a fuzz strategy: add a Spec to tests/consultations/fuzz_cases.SPECS (or, if the view "
        "reads no input at all, a reason to EXEMPT):\n  " + "\n  ".join(missing)
    )
    stale = sorted((set(fc.SPECS) | set(fc.EXEMPT)) - set(patterns))
    assert not stale, f"fuzz_cases names patterns that no longer exist: {stale}"
    assert not set(fc.SPECS) & set(fc.EXEMPT)


@pytest.mark.parametrize("name", sorted(fc.SPECS))
def test_fuzz_endpoint(name: str, world: pc.World, db) -> None:
    spec = fc.SPECS[name]
    client = _client(world, spec.role)
    path = spec.url(world)
    base = spec.base(world)
    # The valid form reaches the view: the role may use it (a 404 here would make the fuzzing pointless).
    method = "post" if "post" in spec.methods else "get"
    valid = fc.FuzzRequest(method, path, base, "multipart" if method == "post" else "query")
    response = _send(client, valid)
    assert response.status_code in (200, 302), f"{name}: the valid request answered {response.status_code}"

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(request=fc.requests_for(spec, path, base))
    def run(request: fc.FuzzRequest) -> None:
        _exchange(client, request)

    for regression in REGRESSIONS.get(name, []):
        run = example(request=regression(world))(run)
    started, cpu, db_cpu = time.monotonic(), time.process_time(), _database_cpu()
    run()
    for page in spec.shows(world):
        _check(client.get(page), f"{name} → {page}")
        _check(client.get(page, headers={"HX-Request": "true"}), f"{name} → {page} (htmx)")
    # The CPU seconds of this process and of its PostgreSQL backend: what the run costs on an idle machine, where
    # wall time on a shared one says little.
    print(
        f"fuzz {name}: {EXAMPLES} examples in {time.monotonic() - started:.1f} s, "
        f"CPU {time.process_time() - cpu:.1f} s here + {_database_cpu() - db_cpu:.1f} s in PostgreSQL"
    )


@pytest.mark.parametrize(
    "html",
    [
        f"<p><script>{fc.MARK}()</script></p>",
        f'<img src="x" onerror="{fc.MARK}()">',
        f'<input value="" data-{fc.MARK}="1">',
        f'<div hx-get="{fc.MARK}-hx" hx-trigger="load"></div>',
        '<a href=" java\tscript:alert(1)">x</a>',
        '<a href="JAVASCRIPT:alert(1)">x</a>',
        f"<{fc.MARK}-tag>",
        f'<script type="application/json">{{"q": "</b><{fc.MARK}>"}}</script>',
    ],
)
def test_the_checker_finds_user_markup(html: str) -> None:
    assert fc.html_problems(f"<html><body>{html}</body></html>")


def test_the_checker_accepts_escaped_user_text() -> None:
    escaped = "".join(
        f'<p>{escape(payload)}</p><input value="{escape(payload)}"><a href="/search/?q={quote(payload)}" '
        f'hx-get="/search/?q={quote(payload)}">x</a><textarea>{escape(payload)}</textarea>'
        for payload in fc.ALL_PAYLOADS
    )
    assert fc.html_problems(f"<html><body>{escaped}</body></html>") == []
