"""Canary crawl (issue 13, point 2): what organisation B and the government side write never reaches delegate A.

On the permission matrix's world (permission_cases.build_world), every free-text field of every kind of object that
belongs to organisation B or to the government side gets a unique string ("canario-<kind>-<field>-<hex>", lower
case because tags are stored lower-cased; "can<hex>" where a field is too short). ``plant`` enumerates the fields
from the model (``_text_fields``), so a field added later is covered without touching this file; what is written
through a service (attachment names, internal notes, tags, responses, answers, open issues, status notes,
consultations) gets one canary per argument.

Delegate A then reads everything it can reach:

- a breadth-first crawl, GET only, from A's home and from every link of the e-mails A's organisation received, over
  every same-origin link (``a[href]``, GET forms with their default values and with each option of their selects,
  ``hx-get`` sent with ``HX-Request``), bounded by ``MAX_PAGES``. Sign-out and the language switch are skipped if
  linked (they are POST forms today, so the crawl never meets them); POST forms are never sent;
- a search for every canary and for common words (site search both ways, the position list's partial), A's
  exports (CSV, XLSX opened with openpyxl, PDF read with pdftotext), every GET of the REST API with a token of A's,
  the digests rendered for A as the e-mail renders them, and every e-mail sent to A's organisation after the flows
  that send e-mail (B files, officials triage B's and A's positions, the briefing notice, the room's deadline
  reminder, the ministries' reminders, the digest run).

No canary may appear in any body, header, file or e-mail. The crawl must reach ``MIN_PAGES`` pages, read A's own
things and receive e-mail (not vacuous), and every canary must be readable by its rightful reader: B's delegate,
the officials, the negotiator or the admin (``test_every_canary_is_readable_by_its_rightful_reader``).

Not planted, because delegate A may legitimately read them: B's name and acronym (a co-signature invitation names
the organisation), the content of B's position shared with the room (only the officials' side of it is planted:
internal note, tag, the response to B), the world's briefing and room question (posted to the room A follows), the
status line the negotiator shared (its note and reason are planted), the round and chapter reference data, and the
negotiator's name (a briefing's author). Co-signatures have no text of their own. A search page repeats its query:
there a canary may appear as often as a never-planted query does in the same page, not once more.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import secrets
import subprocess
from collections import deque
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.postgres.fields import ArrayField
from django.db import models as dj_models
from django.db import transaction
from django.http import HttpResponseBase
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from consultations import models
from consultations.api import api as api_schema
from consultations.models.audit import SIGNIN_ACTIONS
from consultations.models.deliveries import DIGEST_POST, DIGEST_PRE
from consultations.services import api_tokens as api_token_services
from consultations.services import attachments as attachment_services
from consultations.services import digests as digest_services
from consultations.services import intelligence as intelligence_services
from consultations.services import ministries as ministry_services
from consultations.services import notifications as notification_services
from consultations.services import positions as position_services
from consultations.services import room_questions as question_services
from consultations.services import state_of_play as state_of_play_services
from consultations.services import triage as triage_services
from tests import factories
from tests.conftest import build_cast
from tests.consultations.exports.helpers import body_bytes, pdf_text, workbook
from tests.consultations.permission_cases import World, build_world, pdf_upload

# About 700 page and API requests plus exports and e-mails: 50-150 s alone, over 300 s (the suite's limit per test)
# late in the first CI pass on a busy 2-core machine, so it gets a limit of its own, like the browser crawl.
pytestmark = [
    pytest.mark.heavy,
    pytest.mark.timeout(1200),
    pytest.mark.django_db,
    pytest.mark.usefixtures("eager_celery"),
]

MAX_PAGES = 600
MIN_PAGES = 40  # the crawl of A's world reaches well over this; fewer means the crawl broke, not that it is safe
# Never followed: they end the session or change its language, not what it may read.
SKIPPED_PATHS = ("/accounts/logout/", "/i18n/setlang/")
# Identifiers, not text a person wrote: a canary there would break the object, not test a leak.
SKIPPED_FIELDS = frozenset(
    {
        "url",
        "key",
        "prefix",
        "key_hash",
        "token_hash",
        "sha256",
        "file",
        "password",
        "username",
        "language",
        "time_zone",
    }
)


class Canaries:
    """The planted strings, each with what it was planted in."""

    def __init__(self) -> None:
        self.where: dict[str, str] = {}

    def new(self, kind: str, max_length: int | None = None) -> str:
        # Lower case: tags are stored lower-cased, and a canary must survive the way its field is cleaned.
        text = f"canario-{kind}-{secrets.token_hex(4)}".lower()
        if max_length is not None and len(text) > max_length:
            text = f"can{secrets.token_hex(8)}"[:max_length]
        assert text not in self.where
        self.where[text] = kind
        return text

    def found_in(self, text: str) -> list[str]:
        text = text.lower()
        return [canary for canary in self.where if canary in text]


def _text_fields(model: type[dj_models.Model]) -> Iterator[dj_models.Field]:
    """Every free-text field of ``model`` (char, text, arrays of them), choices and identifiers left out."""
    for field in model._meta.concrete_fields:
        if field.name in SKIPPED_FIELDS or field.primary_key or field.choices:
            continue
        if isinstance(field, ArrayField):
            base = field.base_field
            if isinstance(base, dj_models.CharField | dj_models.TextField) and not base.choices:
                yield field
        elif isinstance(field, dj_models.CharField | dj_models.TextField):
            yield field


def plant(canaries: Canaries, obj: dj_models.Model, kind: str, *, skip: tuple[str, ...] = ()) -> None:
    """A canary in every free-text field of ``obj`` but ``skip``, written straight to its row."""
    values: dict[str, Any] = {}
    for field in _text_fields(type(obj)):
        if field.name in skip:
            continue
        base = field.base_field if isinstance(field, ArrayField) else field
        max_length = base.max_length if isinstance(base, dj_models.CharField) else None
        canary = canaries.new(f"{kind}-{field.name}", max_length)
        values[field.name] = [canary] if isinstance(field, ArrayField) else canary
    type(obj)._default_manager.filter(pk=obj.pk).update(**values)
    for name, value in values.items():
        setattr(obj, name, value)


# --- The world, with its canaries ----------------------------------------------------------------------------


class CanaryWorld:
    def __init__(self, world: World, canaries: Canaries) -> None:
        self.world = world
        self.canaries = canaries
        self.b_positions: list[models.Position] = []
        self.note: models.IntelligenceNote | None = None
        self.issue: models.OpenIssue | None = None
        self.consultation: models.ConsultationRequest | None = None


def _b_position(cw: CanaryWorld, kind: str, **kwargs: Any) -> models.Position:
    w = cw.world
    position = factories.PositionFactory(
        organisation=w.cast.org_b, chapter=w.chapter, round=w.round, created_by=w.cast.delegate_b, **kwargs
    )
    cw.b_positions.append(position)
    return position


def _plant_organisation_b(cw: CanaryWorld) -> None:
    w, c = cw.world, cw.canaries
    cast = w.cast
    official = cast.official_of_chapter
    # A filed, government-only position of B in the chapter A follows: every field, a revision, an amendment
    # with its reason, an attachment, an internal note, a triage tag and the official response (B's alone).
    filed = _b_position(cw, "b-gov")
    plant(c, filed, "b-gov", skip=("official_response", "tags"))
    upload_name = f"{c.new('b-gov-file')}.pdf"
    attachment_services.attachment_add(by=cast.delegate_b, position=filed, upload=pdf_upload(upload_name))
    filed = position_services.position_file(by=cast.delegate_b, position=filed)
    filed = position_services.position_amend(
        by=cast.delegate_b,
        position=filed,
        data={"summary": c.new("b-gov-amended-summary")},
        reason=c.new("b-gov-amend-reason"),
    )
    triage_services.position_note_add(by=official, position=filed, body=c.new("b-gov-internal-note"))
    triage_services.position_tag(by=official, position=filed, tag=c.new("b-tag", 40))
    triage_services.position_respond(by=official, position=filed, response=c.new("b-gov-official-response"))
    # A draft of B and a position B withdrew.
    plant(c, _b_position(cw, "b-draft"), "b-draft", skip=("official_response", "tags"))
    withdrawn = _b_position(cw, "b-withdrawn")
    plant(c, withdrawn, "b-withdrawn", skip=("official_response", "tags"))
    position_services.position_withdraw(
        by=cast.delegate_b,
        position=position_services.position_file(by=cast.delegate_b, position=withdrawn),
        reason=c.new("b-withdraw-reason"),
    )
    # B shares this one with the room: its content is A's to read (not planted), but the officials' side of it —
    # internal note, tags, the response to B — is not.
    room = _b_position(cw, "b-room", confidentiality=models.Confidentiality.ROOM)
    room = position_services.position_file(by=cast.delegate_b, position=room)
    triage_services.position_note_add(by=official, position=room, body=c.new("b-room-internal-note"))
    triage_services.position_tag(by=official, position=room, tag=c.new("b-room-tag", 40))
    triage_services.position_respond(by=official, position=room, response=c.new("b-room-official-response"))
    # B's answer to the room question A may answer too.
    question_services.room_answer_submit(
        by=cast.delegate_b, question=w.question, text=c.new("b-room-answer"), organisation=cast.org_b
    )
    # B's people, its notifications and deliveries, its API token, its export.
    for user in models.User.objects.filter(memberships__organisation=cast.org_b):
        plant(c, user, "b-member", skip=("email",))
        email = f"{c.new('b-member-email')}@example.mx"
        models.User.objects.filter(pk=user.pk).update(email=email)
        models.Notification.objects.create(
            recipient=user,
            kind=models.NotificationKind.BRIEFING,
            title=c.new("b-notification"),
            url=reverse("consultations:briefing_detail", args=[w.briefing.pk]),
            key=f"canary:{user.pk}",
        )
        models.Delivery.objects.create(
            kind=DIGEST_POST,
            key=f"round:{w.round.pk}",
            recipient=user,
            status=models.Delivery.Status.FAILED,
            last_error=c.new("b-delivery-error"),
        )
    cast.delegate_b.refresh_from_db()
    # B's pending invitation, an amendment proposed for sign-off, an export, a sign-in from B's browser.
    invitation = models.Invitation.objects.create(
        email=f"{c.new('b-invitation-email')}@example.mx",
        role=models.Invitation.Role.DELEGATE,
        organisation=cast.org_b,
        token_hash=secrets.token_hex(32),
        invited_by=cast.delegate_b,
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    plant(c, invitation, "b-invitation", skip=("email",))
    proposal = models.ProposedAmendment.objects.create(
        position=filed,
        content={"title": c.new("b-proposal-title"), "summary": c.new("b-proposal-summary")},
        changed=["title", "summary"],
        base_version=filed.version,
        proposed_by=cast.delegate_b,
    )
    plant(c, proposal, "b-proposal", skip=("changed",))
    export = models.ExportJob.objects.create(
        requester=cast.delegate_b,
        kind=models.ExportKind.OWN_CSV,
        parameters={},
        status=models.ExportJob.Status.FAILED,
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    plant(c, export, "b-export")
    models.AuditEvent.objects.create(
        actor=cast.delegate_b,
        action=SIGNIN_ACTIONS[0],
        target_type="user",
        target_id=cast.delegate_b.pk,
        organisation=cast.org_b,
        user_agent=c.new("b-user-agent"),
    )
    token = models.ApiToken.objects.create(
        user=cast.delegate_b,
        name="x",
        prefix="cjb",
        key_hash=secrets.token_hex(32),
        scope="read",
        expires_at=timezone.now() + dt.timedelta(days=30),
    )
    plant(c, token, "b-api-token")


def _plant_government(cw: CanaryWorld) -> None:
    w, c = cw.world, cw.canaries
    cast = w.cast
    official = cast.official_of_chapter
    # A position of A, triaged: its internal note and tags are the government's, not A's.
    gov_a = w.positions["gov_a"]
    triage_services.position_note_add(by=official, position=gov_a, body=c.new("gov-internal-note-on-a"))
    triage_services.position_tag(by=official, position=gov_a, tag=c.new("gov-tag-on-a", 40))
    note = intelligence_services.intelligence_note_create(
        by=official,
        chapter=w.chapter,
        title="x",
        body_markdown="x",
        tags=["x"],
        rounds=[w.round],
        position_ids=[gov_a.pk],
    )
    plant(c, note, "intel", skip=("hs_lines",))
    intelligence_services.intelligence_attachment_add(
        by=official, note=note, upload=pdf_upload(f"{c.new('intel-file')}.pdf")
    )
    cw.note = note
    issue = state_of_play_services.open_issue_create(
        chapter=w.chapter,
        round=w.round,
        by=cast.coordinator,
        text=c.new("issue-text", 200),
        parties=["US"],
        note=c.new("issue-note"),
        positions=[gov_a],
    )
    cw.issue = issue
    state_of_play_services.chapter_status_set(
        chapter=w.chapter,
        round=w.round,
        by=cast.coordinator,
        status=models.ChapterStatus.ADVANCED,
        note=c.new("status-note"),
        reason=c.new("status-reason"),
    )
    # The negotiator shares the status line with the room: delegates read the status, never its note or reason.
    state_of_play_services.chapter_status_share(chapter=w.chapter, by=w.negotiator, shared=True)
    request = ministry_services.consultation_request_create(
        by=official,
        position=gov_a,
        to_ministry=models.Ministry.objects.get(code="agricultura"),
        question=c.new("consultation-question"),
        due_on=timezone.localdate() + dt.timedelta(days=3),
    )
    ministry_services.consultation_answer(
        by=cast.official_of_other_chapter, request=request, answer=c.new("consultation-answer")
    )
    cw.consultation = request
    # The officials' own people: their names never reach a delegate (an assignee is not shown to delegates).
    for user in (official, cast.official_of_other_chapter, cast.coordinator):
        plant(c, user, "official", skip=("email",))
    w.export_done.filename = f"{c.new('official-export')}.csv"
    w.export_done.save(update_fields=["filename"])


@pytest.fixture(scope="module")
def canary_world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CanaryWorld]:
    """Built once for the module inside a transaction rolled back at its end (like test_permissions.py)."""
    media = tmp_path_factory.mktemp("media")
    storages = {
        **django_settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
    }
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=media, STORAGES=storages, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
        ),
        transaction.atomic(),
    ):
        chapter = factories.ChapterFactory(number=4, title_en="Rules of Origin", title_es="Reglas de Origen")
        other_chapter = factories.ChapterFactory(number=3, title_en="Agriculture", title_es="Agricultura")
        world = build_world(build_cast(chapter, other_chapter), chapter, other_chapter, factories.RoundFactory())
        cw = CanaryWorld(world, Canaries())
        _plant_organisation_b(cw)
        _plant_government(cw)
        yield cw
        transaction.set_rollback(True)


# --- Reading what a client gets ------------------------------------------------------------------------------


class _Links(HTMLParser):
    """Same-origin GET targets of a page: a[href], hx-get, and GET forms with their default values (plus, for
    each select, the form with each of its other options: the search's kinds, the list's chapters)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.plain: list[str] = []
        self.htmx: list[str] = []
        self._form: tuple[str, list[tuple[str, str]], dict[str, list[str]]] | None = None
        self._select: str | None = None
        self._select_value: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.plain.append(a["href"])
        if a.get("hx-get"):
            self.htmx.append(a["hx-get"])
        if tag == "form" and a.get("method", "get").lower() == "get":
            self._form = (a.get("action", ""), [], {})
        elif self._form is not None:
            name = a.get("name")
            if tag == "input" and name and a.get("type", "text") not in ("submit", "button", "file"):
                if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                    self._form[1].append((name, a.get("value", "")))
            elif tag == "select" and name:
                self._select, self._select_value = name, None
                self._form[2][name] = []
            elif tag == "option" and self._select is not None:
                self._form[2][self._select].append(a.get("value", ""))
                if self._select_value is None or "selected" in a:
                    self._select_value = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._form is not None and self._select is not None:
            self._form[1].append((self._select, self._select_value or ""))
            self._select = None
        if tag == "form" and self._form is not None:
            action, values, options = self._form
            path = action.split("?")[0]
            self.plain.append(f"{path}?{urlencode(values)}")
            for name, choices in options.items():
                for choice in choices:
                    varied = [(key, choice if key == name else value) for key, value in values]
                    self.plain.append(f"{path}?{urlencode(varied)}")
            self._form = None


def _pdf_text(content: bytes) -> str:
    """The words of a PDF; the test's tiny hand-made attachments are not readable by pdftotext: read raw."""
    try:
        return pdf_text(content)
    except (AssertionError, subprocess.CalledProcessError):
        return content.decode("latin-1")


def _text(response: HttpResponseBase) -> tuple[str, bytes]:
    """What a person could read in an answer: headers and body, files opened as their reader would."""
    content = body_bytes(response)
    kind = response.headers.get("Content-Type", "")
    headers = " ".join(f"{k}: {v}" for k, v in response.headers.items())
    if "spreadsheetml" in kind:
        cells = [str(v) for sheet in workbook(content) for row in sheet.iter_rows(values_only=True) for v in row]
        text = " ".join(cells)
    elif "pdf" in kind:
        text = _pdf_text(content)
    else:
        text = content.decode("utf-8", errors="replace")
    # Search highlights words: read the text without the marks, and entities unescaped.
    text = html.unescape(text.replace("<mark>", "").replace("</mark>", ""))
    return f"{headers}\n{text}", content


def _same_origin(base: str, href: str) -> str | None:
    href = html.unescape(href.strip())
    if not href or href.startswith(("#", "mailto:", "javascript:", "tel:", "data:")):
        return None
    parts = urlsplit(urljoin(base, href))
    if parts.netloc not in ("", "testserver") or parts.scheme not in ("", "http", "https"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


class Reader:
    """A signed-in client that keeps the text of everything it read."""

    def __init__(self, user: models.User) -> None:
        self.client = Client()
        self.client.force_login(user)
        self.pages: dict[tuple[str, bool], str] = {}
        self.statuses: dict[tuple[str, bool], int] = {}
        self.skipped: set[str] = set()

    def get(self, url: str, *, htmx: bool = False) -> tuple[HttpResponseBase, str, bytes]:
        headers = {"HX-Request": "true"} if htmx else {}
        response = self.client.get(url, headers=headers)
        text, content = _text(response)
        self.pages[url, htmx] = text
        self.statuses[url, htmx] = response.status_code
        return response, text, content

    def crawl(self, starts: list[str], limit: int = MAX_PAGES) -> None:
        queue: deque[tuple[str, bool]] = deque((start, False) for start in starts)
        seen = set(queue)
        while queue and len(self.pages) < limit:
            url, htmx = queue.popleft()
            if url.startswith(SKIPPED_PATHS):
                self.skipped.add(url)
                continue
            response, _text_read, content = self.get(url, htmx=htmx)
            found: list[tuple[str, bool]] = []
            if response.status_code in (301, 302, 303, 307, 308):
                found.append((response.headers["Location"], False))
            elif "text/html" in response.headers.get("Content-Type", ""):
                parser = _Links()
                parser.feed(content.decode("utf-8", errors="replace"))
                found += [(href, False) for href in parser.plain] + [(href, True) for href in parser.htmx]
            for href, as_htmx in found:
                target = _same_origin(url, href)
                if target is not None and (target, as_htmx) not in seen:
                    seen.add((target, as_htmx))
                    queue.append((target, as_htmx))
        self.unvisited = len(queue)


# --- The flows that send e-mail --------------------------------------------------------------------------------


def _send_mail(cw: CanaryWorld, capture: Any) -> None:
    """B files, officials triage B's positions, the reminders and the digest run: every e-mail they send."""
    w, c = cw.world, cw.canaries
    cast = w.cast
    with capture(execute=True):
        late = _b_position(cw, "b-filed-now")
        plant(c, late, "b-filed-now", skip=("official_response", "tags"))
        late = position_services.position_file(by=cast.delegate_b, position=late)
    with capture(execute=True):
        triage_services.position_set_status(
            by=cast.official_of_chapter,
            position=late,
            status=models.PositionStatus.IN_REVIEW,
            response=c.new("b-filed-now-response"),
        )
    with capture(execute=True):
        triage_services.position_decide(
            by=cast.official_of_chapter,
            position=models.Position.objects.get(pk=late.pk),
            status=models.PositionStatus.NOTED,
            response=c.new("b-filed-now-decision"),
        )
    # A's own position triaged (A is told): the e-mail carries the response to A, never the officials' side.
    with capture(execute=True):
        triage_services.position_set_status(
            by=cast.official_of_chapter,
            position=models.Position.objects.get(pk=w.positions["gov_a"].pk),
            status=models.PositionStatus.IN_REVIEW,
            response="Gracias; la revisamos.",
        )
    # The room: the briefing's notice, and the reminder of the question B answered and A did not.
    with capture(execute=True):
        notification_services.briefing_notify(briefing_id=w.briefing.pk)
        notification_services.room_deadlines_notify(now=w.question.response_deadline - dt.timedelta(hours=1))
    with capture(execute=True):
        ministry_services.consultation_reminders_send(now=timezone.now() + dt.timedelta(days=10))
    # The world holds a failed digest delivery to A (the matrix's resend target): the run would skip A.
    models.Delivery.objects.filter(pk=w.delivery.pk).delete()
    with capture(execute=True):
        digest_services.digests_dispatch_due(now=w.round.digest_at + dt.timedelta(minutes=1))


def _mail_text(message: Any) -> str:
    parts = [message.subject, message.body, " ".join(message.to), str(message.extra_headers)]
    parts += [content for content, _mimetype in getattr(message, "alternatives", [])]
    parts += [str(attachment) for attachment in message.attachments]
    return html.unescape("\n".join(parts))


def _read_the_api(reader: Reader, w: World) -> None:
    """Every GET of the REST API with a token of A's: lists with no parameters, details with every id up to the
    largest of the world's objects (A's, B's and the government's alike: the ones A may not read answer 404)."""
    _token, secret = api_token_services.api_token_create(
        by=w.cast.delegate_a, name="Canario", scope="read", expires_at=timezone.now() + dt.timedelta(days=1)
    )
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    largest = max(
        model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for model in (models.Position, models.IntelligenceNote, models.OpenIssue, models.ConsultationRequest)
    )
    with override_settings(API_RATE_LIMIT_PER_MINUTE=100_000):  # the crawl is one client in a hurry, not abuse
        _read_api_paths(reader, api, largest)
    assert any(url.startswith("API") and status == 200 for (url, _h), status in reader.statuses.items())


def _read_api_paths(reader: Reader, api: Client, largest: int) -> None:
    for path, operations in api_schema.get_openapi_schema()["paths"].items():
        if "get" not in operations:
            continue
        urls = [path] if "{" not in path else [re.sub(r"\{[^}]+\}", str(pk), path) for pk in range(1, largest + 1)]
        for url in urls:
            response = api.get(url)
            text, _content = _text(response)
            reader.pages[f"API {url}", False] = text
            reader.statuses[f"API {url}", False] = response.status_code


# --- The tests -------------------------------------------------------------------------------------------------


def test_delegate_a_never_reads_a_canary(
    canary_world: CanaryWorld, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    cw, c = canary_world, canary_world.canaries
    w = cw.world
    _send_mail(cw, django_capture_on_commit_callbacks)
    org_a = {user.email for user in models.User.objects.filter(memberships__organisation=w.cast.org_a)}
    mails_to_a = [message for message in mailoutbox if set(message.to) & org_a]
    reader = Reader(w.cast.delegate_a)
    # From A's home and from every link of the e-mails A's organisation received (they point at the site).
    in_mail = {
        urlsplit(url).path for message in mails_to_a for url in re.findall(r"https?://[^\s\"'<>]+", _mail_text(message))
    }
    reader.crawl([reverse("consultations:home"), *sorted(in_mail)])
    crawled = len(reader.pages)

    # A search page repeats its query (the box, the heading): a search for a canary may name it as often as a
    # search for a string planted nowhere names that string, and not once more.
    echoed: dict[tuple[str, bool], tuple[str, int]] = {}
    # The list's search box answers with its partial (htmx); the site's search both ways.
    modes = {reverse("consultations:search"): (False, True), reverse("consultations:position_list"): (True,)}
    for path, htmx_modes in modes.items():
        for htmx in htmx_modes:
            nonce = f"canario-nada-{secrets.token_hex(4)}"
            _response, text, _content = reader.get(f"{path}?{urlencode({'q': nonce})}", htmx=htmx)
            echo = text.lower().count(nonce)
            for query in [*c.where, "canario", "posición", "acero", "de", "CFB", "Cámara"]:
                url = f"{path}?{urlencode({'q': query})}"
                reader.get(url, htmx=htmx)
                echoed[url, htmx] = (query.lower(), echo)
    for fmt in ("csv", "xlsx", "pdf"):
        reader.get(reverse("consultations:position_export", args=[fmt]))
        reader.get(reverse("consultations:book_round", args=[w.round.pk, fmt]))
        reader.get(reverse("consultations:book_chapter", args=[w.round.pk, w.chapter.number, fmt]))
    for position in models.Position.objects.filter(organisation=w.cast.org_a):
        reader.get(reverse("consultations:position_pdf", args=[position.pk]))
    reader.get(reverse("consultations:digest_preview", args=[w.round.pk]))
    reader.get(reverse("consultations:room_question_export", args=[w.question.pk]))

    _read_the_api(reader, w)

    texts = {}
    for (url, htmx), text in reader.pages.items():
        if (url, htmx) in echoed:
            query, echo = echoed[url, htmx]
            text = text.lower().replace(query, "", echo)
        texts[f"GET {url}{' (htmx)' if htmx else ''}"] = text
    for kind in (DIGEST_PRE, DIGEST_POST):
        subject, text, html_body = digest_services.render_digest(round=w.round, user=w.cast.delegate_a, kind=kind)
        texts[f"digest {kind}"] = html.unescape(f"{subject}\n{text}\n{html_body}")
    for index, message in enumerate(mails_to_a):
        texts[f"e-mail {index} to {message.to} {message.subject!r}"] = _mail_text(message)

    leaks = {where: c.found_in(text) for where, text in texts.items()}
    leaks = {where: [f"{canary} ({c.where[canary]})" for canary in found] for where, found in leaks.items() if found}
    assert not leaks, f"delegate A reads what belongs to B or the government: {leaks}"

    # Not vacuous: the crawl went far, read A's own things, and A received e-mail.
    ok = [key for key, status in reader.statuses.items() if status == 200]
    print(
        f"\ncanary crawl: {crawled} pages crawled ({len(ok)} answered 200 in all), {len(reader.pages)} requests, "
        f"{reader.unvisited} left in the queue, {len(mails_to_a)} e-mails to A ({len(in_mail)} links), "
        f"{len(c.where)} canaries, "
        f"skipped {sorted(reader.skipped)}"
    )
    assert crawled >= MIN_PAGES, f"the crawl reached only {crawled} pages"
    everything = "\n".join(texts.values())
    assert w.positions["gov_a"].title in everything
    assert w.briefing.title in everything
    assert mails_to_a, "no e-mail reached organisation A: the flows did not run"
    assert any("export" in url and status == 200 for (url, _h), status in reader.statuses.items())


def test_every_canary_is_readable_by_its_rightful_reader(
    canary_world: CanaryWorld, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    """The positive control: each canary was planted where the application shows it to someone."""
    cw, c = canary_world, canary_world.canaries
    w = cw.world
    _send_mail(cw, django_capture_on_commit_callbacks)
    texts: list[str] = [_mail_text(message) for message in mailoutbox]
    coordinator, official, delegate_b = Reader(w.cast.coordinator), Reader(w.cast.official_of_chapter), None
    delegate_b = Reader(w.cast.delegate_b)
    admin = Reader(w.cast.admin)
    for position in cw.b_positions:
        for reader in (coordinator, official):
            reader.get(reverse("consultations:triage_detail", args=[position.pk]))
        for name in ("position_detail", "position_revisions"):
            delegate_b.get(reverse(f"consultations:{name}", args=[position.pk]))
    for reader in (coordinator, official):
        reader.get(reverse("consultations:intelligence_note_detail", args=[cw.note.pk]))
        reader.get(reverse("consultations:chapter_state", args=[w.chapter.number]))
        reader.get(reverse("consultations:consultation_detail", args=[cw.consultation.pk]))
        reader.get(reverse("consultations:triage_detail", args=[w.positions["gov_a"].pk]))
    for canary in c.where:
        coordinator.get(f"{reverse('consultations:search')}?{urlencode({'q': canary})}")
    Reader(w.negotiator).get(reverse("consultations:room_question_answers", args=[w.question.pk]))
    for name in ("notification_list", "member_list", "api_tokens", "preferences", "signin_history", "export_job_list"):
        delegate_b.get(reverse(f"consultations:{name}"))
    admin.get(reverse("consultations:audit_log"))
    for model in ("user", "delivery", "notification", "exportjob", "apitoken", "invitation", "proposedamendment"):
        admin.get(f"/admin/consultations/{model}/")
    admin.get(reverse("consultations:export_job_list"))
    official.get(reverse("consultations:export_job_list"))
    readers = [coordinator, official, delegate_b, admin]
    texts += [text for reader in readers for text in reader.pages.values()]
    everything = "\n".join(texts).lower()
    unseen = sorted(f"{canary} ({kind})" for canary, kind in c.where.items() if canary not in everything)
    assert not unseen, f"planted but shown to nobody (the planting or this control is wrong): {unseen}"
