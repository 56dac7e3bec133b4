"""What the web fuzzing (tests/consultations/test_fuzz_forms.py) sends, and how it checks what comes back.

``SPECS`` maps every URL pattern of the site that reads input (a form, a query string, an htmx request) to a role
that may use it, the methods it answers and the valid form it starts from; Hypothesis then replaces, drops, repeats
or adds fields with hostile text. ``EXEMPT`` names, with the reason, the patterns that read no input. A pattern in
neither fails ``test_every_url_pattern_has_a_fuzz_strategy``.

Payloads carry the marker ``zq7x`` in every tag and attribute they try to smuggle in, so the checker can tell markup
the user made from the site's own: any element or attribute whose name holds the marker, any ``on*`` attribute
(the site has none: CSP without ``unsafe-inline``), any ``hx-*`` attribute whose value starts with the marker, any
``javascript:`` URL and any script that holds the marker is a failure.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from hypothesis import strategies as st

from consultations import models
from tests.consultations import permission_cases as pc

MARK = "zq7x"

HTML_PAYLOADS = [
    f"<script>{MARK}()</script>",
    f"<SCRIPT src=//{MARK}.example/x.js></SCRIPT>",
    f"<img src=x onerror={MARK}() data-{MARK}>",
    f'"><svg onload={MARK}() data-{MARK}>',
    f"'><{MARK}-tag onclick=alert(1)>",
    f'" data-{MARK}=1 onmouseover="{MARK}()',
    f"' data-{MARK}=1 onfocus='{MARK}()",
    f"{MARK} data-{MARK}=1 autofocus onfocus={MARK}()",
    f'<a href="javascript:{MARK}()" data-{MARK}>x</a>',
    f'<a href="&#106;avascript:{MARK}()" data-{MARK}>x</a>',
    f"<iframe srcdoc='<script>{MARK}()</script>' data-{MARK}></iframe>",
    f"</textarea><script>{MARK}()</script>",
    f"</title><{MARK}-x>",
    f"<!--<script>{MARK}()</script>-->",
    f"<style>@import '//{MARK}.example';</style><{MARK}-style>",
    f"{{{{ {MARK} }}}}{{% now 'Y' %}}",
]
HX_PAYLOADS = [
    f'<div hx-get="{MARK}-hx" hx-trigger="load" data-{MARK}>x</div>',
    f'<button hx-post="{MARK}-hx" hx-target="body" hx-swap="outerHTML" data-{MARK}>x</button>',
    f"<form hx-on::before-request=\"{MARK}()\" hx-vals='js:{{a:{MARK}()}}' data-{MARK}></form>",
    f'" hx-get="{MARK}-hx" hx-trigger="load" data-{MARK}="',
    f"' hx-post='{MARK}-hx' hx-trigger='load' data-{MARK}='",
    f'<div hx-headers=\'{{"X":"{MARK}"}}\' hx-boost="true" data-{MARK}><a href="{MARK}-hx">x</a></div>',
    f'<div data-hx-get="{MARK}-hx" data-hx-trigger="load" data-{MARK}></div>',
]
MARKDOWN_PAYLOADS = [
    f"[clic](javascript:{MARK}())",
    f"[clic](JaVaScRiPt:{MARK}())",
    f"[clic]( javascript:{MARK}() )",
    f"[clic](&#x6A;avascript:{MARK}())",
    f"![img](javascript:{MARK}())",
    f"<javascript:{MARK}()>",
    f"[ref]\n\n[ref]: javascript:{MARK}()",
    f'# Título\n\n<div hx-get="{MARK}-hx" data-{MARK}>*x*</div>\n\n'
    f"| a | b |\n|---|---|\n| <script>{MARK}</script> | 1 |",
    f"```html\n<script>{MARK}()</script>\n```",
    f"**negrita** _cursiva_ `<b data-{MARK}>`\n- uno\n- dos\n\n> cita <img src=x onerror={MARK}()>",
    f'[x](https://example.mx "a\\" onmouseover=\\"{MARK}()")',
    f"<details open ontoggle={MARK}() data-{MARK}>",
    f"[x](data:text/html;base64,PHNjcmlwdD4=)\n[y](vbscript:{MARK})",
]
SQL_PAYLOADS = [
    "' OR '1'='1",
    "'; DROP TABLE consultations_position; --",
    "1; SELECT pg_sleep(0)--",
    '" OR 1=1 --',
    "1' UNION SELECT NULL, current_user --",
    "%' AND 1=0 UNION SELECT email, password FROM consultations_user --",
    "\\'; COMMIT; --",
    "$$; SELECT 1; $$",
    "0x7fffffff",
    "-1",
    "9223372036854775808",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "1.5",
    "٣",  # an Arabic-Indic digit: str.isdigit() is true, int() accepts it
    "²",  # a superscript two: isdigit() is true, int() refuses it
    "",
    " ",
]
WEIRD_TEXT = [
    "\x00",
    "a\x00b",
    "\r\n\r\n",
    "\x1b[31mrojo\x1b[0m",
    "\u202eesrever\u202c",
    "\ufeff\u200b\u200d",
    "\ud7ff\ue000\uffff",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀👩‍👩‍👧",
    "Ａ" * 300,
    "e\u0301" * 200,
    "%00%0d%0a",
    "../../../../etc/passwd",
    "{{7*7}}${7*7}<%= 7*7 %>",
    "null",
    "None",
    "[]",
    "{}",
    "true",
]
ALL_PAYLOADS = HTML_PAYLOADS + HX_PAYLOADS + MARKDOWN_PAYLOADS + SQL_PAYLOADS + WEIRD_TEXT


def _long(seed: str) -> str:
    """About 100 kB of text built from a payload."""
    return (seed * (100_000 // max(len(seed), 1) + 1))[:100_000]


payload = st.sampled_from(ALL_PAYLOADS)
text = st.one_of(
    payload,
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8", max_codepoint=0x1F), max_size=20),
    st.builds(lambda a, b, c: a + b + c, st.text(max_size=10), payload, st.text(max_size=10)),
    st.builds(_long, payload),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
# Ready-made hostile file uploads: names and content.
FILE_NAMES = st.one_of(st.sampled_from(["anexo.pdf", "a.exe", ".pdf", "x" * 300 + ".pdf"]), text)
FILE_BYTES = st.one_of(
    st.sampled_from([pc.PDF_BYTES, b"", b"%PDF", b"PK\x03\x04", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"]),
    st.binary(max_size=200),
    st.builds(lambda b: pc.PDF_BYTES + b, st.binary(max_size=200)),
)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


files = st.builds(upload, FILE_NAMES, FILE_BYTES)

ABSENT = object()


def field_value(valid: Any) -> st.SearchStrategy[Any]:
    """A field's value: the valid one, hostile text, several values, or none at all."""
    return st.one_of(
        st.just(valid),
        text,
        st.lists(text, min_size=2, max_size=3),
        st.just(ABSENT),
    )


def form_data(base: dict[str, Any], extra: tuple[str, ...] = ()) -> st.SearchStrategy[dict[str, Any]]:
    """The valid form with each field kept, replaced, repeated or dropped, and hostile extra fields."""
    names = list(base) + [name for name in extra if name not in base]

    def value(name: str) -> st.SearchStrategy[Any]:
        valid = base.get(name, ABSENT)
        if name == "file":
            return st.one_of(st.just(valid), files, text, st.just(ABSENT))
        return field_value(valid)

    def clean(data: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in data.items() if value is not ABSENT}

    kept = st.fixed_dictionaries({name: value(name) for name in names})
    extras = st.dictionaries(st.one_of(text, st.sampled_from(["csrfmiddlewaretoken", "_validate", "hx-get"])), text)
    return st.builds(lambda a, b: clean(b | a), kept, extras)


MALFORMED_MULTIPART = st.one_of(
    st.sampled_from(
        [
            b'--B\r\nContent-Disposition: form-data; name="title"\r\n\r\nx',  # no closing boundary
            b"--B\r\nContent-Disposition: form-data\r\n\r\nx\r\n--B--\r\n",  # no name
            b'--B\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF\r\n--B',
            b'--B\r\nContent-Disposition: form-data; name="t\xff\xfe"\r\n\r\n\xff\xfe\r\n--B--\r\n',
            b'--B\r\nContent-Disposition: form-data; name="title"\r\n'
            b"Content-Transfer-Encoding: base64\r\n\r\n!!!\r\n--B--\r\n",
            b"--B\r\n\r\n\r\n--B--\r\n",
            b'--X\r\nContent-Disposition: form-data; name="title"\r\n\r\nx\r\n--X--\r\n',  # another boundary
            b"",
            b"--B--",
        ]
    ),
    st.binary(max_size=300),
    st.builds(lambda b: b"--B\r\n" + b, st.binary(max_size=300)),
)
MULTIPART_TYPES = st.sampled_from(
    [
        "multipart/form-data; boundary=B",
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=" + "B" * 100,
        "multipart/form-data; boundary=\x00",
        "multipart/form-data; charset=utf-99; boundary=B",
    ]
)


@dataclass
class FuzzRequest:
    method: str
    path: str
    # A dict (multipart or url-encoded) or raw bytes (sent as they are with ``content_type``).
    data: Any
    encoding: str  # "multipart", "urlencoded", "raw" or "query"
    content_type: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def size(self) -> int:
        """About how many bytes the request carries."""
        if not isinstance(self.data, dict):
            return len(self.data)

        def one(value: Any) -> int:
            if hasattr(value, "size"):
                return value.size
            if isinstance(value, list):
                return sum(one(item) for item in value)
            return len(str(value).encode())

        return sum(len(str(key)) + one(value) for key, value in self.data.items())

    def __repr__(self) -> str:
        # Falsifying examples print readably: 100 kB values shortened, files by name and size.
        def short(value: Any) -> Any:
            if hasattr(value, "read"):
                return f"<file {value.name!r}, {value.size} bytes>"
            if isinstance(value, list):
                return [short(item) for item in value]
            if isinstance(value, (str, bytes)) and len(value) > 200:
                return f"{value[:80]!r}… ({len(value)} long)"
            return value

        data = (
            {key: short(value) for key, value in self.data.items()} if isinstance(self.data, dict) else short(self.data)
        )
        return (
            f"FuzzRequest({self.method!r}, {self.path!r}, {data!r}, {self.encoding!r}, "
            f"content_type={self.content_type!r}, headers={self.headers!r})"
        )


HX_HEADERS = st.one_of(
    st.just({}),
    st.just({"HX-Request": "true"}),
    st.fixed_dictionaries(
        {"HX-Request": st.just("true")},
        optional={
            "HX-Target": st.sampled_from(HX_PAYLOADS + HTML_PAYLOADS),
            "HX-Trigger": st.sampled_from(HX_PAYLOADS),
            "HX-Current-URL": st.sampled_from([f"javascript:{MARK}()", "/triage/?q=x", f'/"><script>{MARK}']),
            "HX-Boosted": st.sampled_from(["true", "1", f"<{MARK}>"]),
        },
    ),
)


def header_safe(headers: dict[str, str]) -> dict[str, str]:
    """Header values a WSGI client can carry (no line breaks, Latin-1)."""
    return {
        key: value.replace("\r", " ").replace("\n", " ").encode("latin-1", "replace").decode("latin-1")
        for key, value in headers.items()
    }


def requests_for(spec: Spec, path: str, base: dict[str, Any]) -> st.SearchStrategy[FuzzRequest]:
    data = form_data(base, spec.extra)
    options = []
    if "get" in spec.methods:
        options.append(st.builds(lambda d, h: FuzzRequest("get", path, d, "query", headers=h), data, HX_HEADERS))
    if "post" in spec.methods:
        options += [
            st.builds(lambda d, h: FuzzRequest("post", path, d, "multipart", headers=h), data, HX_HEADERS),
            st.builds(lambda d, h: FuzzRequest("post", path, d, "urlencoded", headers=h), data, HX_HEADERS),
            st.builds(
                lambda body, ctype, h: FuzzRequest("post", path, body, "raw", content_type=ctype, headers=h),
                MALFORMED_MULTIPART,
                MULTIPART_TYPES,
                HX_HEADERS,
            ),
        ]
    return st.one_of(*options)


# --- The checker ------------------------------------------------------------------------------------------------

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset", "background"}
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\xa0\u200b-\u200f\ufeff]+")


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if MARK in tag:
            self.problems.append(f"injected element <{tag}>")
        for name, raw in attrs:
            value = raw or ""
            if MARK in name:
                self.problems.append(f"injected attribute {name!r} on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"event handler attribute {name}={value[:80]!r} on <{tag}>")
            if (name.startswith(("hx-", "data-hx-"))) and value.strip().startswith(MARK):
                self.problems.append(f"user-originated {name}={value[:80]!r} on <{tag}>")
            if name in URL_ATTRIBUTES or name.startswith(("hx-", "data-hx-")):
                flat = _INVISIBLE.sub("", value).lower()
                if flat.startswith(("javascript:", "vbscript:", "data:text/html")):
                    self.problems.append(f"script URL {name}={value[:80]!r} on <{tag}>")
        if tag == "script":
            self._script = dict(attrs)
            if MARK in (self._script.get("src") or ""):
                self.problems.append("user-originated script src")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is None:
            return
        if (self._script.get("type") or "").endswith("json"):
            if "<" in data:
                self.problems.append(f"unescaped '<' in a JSON script: {data[:120]!r}")
        elif MARK in data:
            self.problems.append(f"user text inside a script: {data[:120]!r}")


def html_problems(body: str) -> list[str]:
    checker = _Checker()
    checker.feed(body)
    checker.close()
    return checker.problems


# --- The endpoints ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    role: str
    methods: tuple[str, ...]
    url: Callable[[Any], str]
    base: Callable[[Any], dict[str, Any]] = field(default=lambda w: {})
    # Hostile fields the view reads that the valid form does not carry.
    extra: tuple[str, ...] = ()
    # Pages that show what this endpoint stores, visited (and checked) after the run.
    shows: Callable[[Any], list[str]] = field(default=lambda w: [])


def _u(name: str, *args: Any) -> Callable[[Any], str]:
    return lambda w: reverse(f"consultations:{name}", args=args)


def _pos(name: str, key: str) -> Callable[[Any], str]:
    return lambda w: reverse(f"consultations:{name}", args=[w.positions[key].pk])


def _fresh(obj: Any) -> Any:
    return type(obj).objects.get(pk=obj.pk)


def _content(position: models.Position) -> dict[str, Any]:
    return pc._content(_fresh(position))


def _position_pages(key: str) -> Callable[[Any], list[str]]:
    return lambda w: [
        reverse("consultations:position_detail", args=[w.positions[key].pk]),
        reverse("consultations:position_list"),
        reverse("consultations:position_revisions", args=[w.positions[key].pk]),
    ]


def _triage(**fields: Any) -> Callable[[Any], dict[str, Any]]:
    def data(w: Any) -> dict[str, Any]:
        target = _fresh(w.positions[pc.TRIAGE_TARGET])
        values = {key: value(w) if callable(value) else value for key, value in fields.items()}
        return {"triage_version": target.triage_version, "next_query": ""} | values

    return data


def _triage_pages(w: Any) -> list[str]:
    pk = w.positions[pc.TRIAGE_TARGET].pk
    return [reverse("consultations:triage_detail", args=[pk]), f"{reverse('consultations:triage_queue')}?position={pk}"]


TRIAGE_FILTERS = {
    "q": "acero",
    "round": "",
    "chapter": "",
    "status": "submitted",
    "priority": "",
    "red_flag": "",
    "red_line": "",
    "stance": "",
    "organisation": "",
    "sector": "",
    "assignee": "",
    "late": "",
    "age": "",
    "sort": "",
    "position": "",
    "similar_to": "",
    "page": "1",
    "refresh": "",
}


def _round_form(w: Any) -> dict[str, Any]:
    starts = timezone.localdate() + dt.timedelta(days=120)
    return {
        "label": "Ronda fuzz",
        "label_en": "Fuzz round",
        "kind": models.Round.Kind.FORMAL,
        "format": models.Round.Format.TRILATERAL,
        "city": "Ottawa",
        "country": "CA",
        "time_zone": "America/Toronto",
        "starts_on": starts.isoformat(),
        "ends_on": (starts + dt.timedelta(days=3)).isoformat(),
        "takes_positions": "on",
        "input_opens_at": "",
        "submission_deadline": "",
        "digest_at": "",
        "early_digest": "",
        "notes": "",
        "previewed": "",
    }


def _issue_form(w: Any) -> dict[str, Any]:
    return pc._issue_data(type("W", (), {"round": w.round, "positions": w.positions, "issue": _fresh(w.issue)})())


def _note_form(w: Any) -> dict[str, Any]:
    note = _fresh(w.intelligence_note)
    return {
        "title": note.title,
        "body_markdown": note.body_markdown,
        "tags": ", ".join(note.tags),
        "rounds": [w.round.pk],
        "position_ids": str(w.positions["gov_a"].pk),
        "hs_lines": "",
        "version": note.version,
    }


def _deadline() -> str:
    return (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")


SPECS: dict[str, Spec] = {
    # Positions (delegate A's organisation).
    "position_list": Spec(
        "delegate_a",
        ("get",),
        _u("position_list"),
        lambda w: {"round": w.round.pk, "status": "draft", "q": "x", "signoff": "on", "page": "1"},
    ),
    "position_create": Spec(
        "delegate_a",
        ("get", "post"),
        _u("position_create"),
        lambda w: pc._create_data(w) | {"body": "", "requested_outcome": "", "fallback_position": "", "version": ""},
        extra=("client_token", "_validate", "chapter", "exports_usd", "jobs", "red_flag"),
        shows=lambda w: [reverse("consultations:position_list")],
    ),
    "position_edit": Spec(
        "delegate_a",
        ("get", "post"),
        _pos("position_edit", "draft_a"),
        lambda w: (
            _content(w.positions["draft_a"])
            | {"chapter": w.positions["draft_a"].chapter_id, "round": w.positions["draft_a"].round_id}
        ),
        extra=("_validate", "red_flag"),
        shows=_position_pages("draft_a"),
    ),
    "position_file": Spec("delegate_a", ("post",), _pos("position_file", "draft_a"), extra=("version",)),
    "position_sign_off": Spec(
        "coordinator_a",
        ("post",),
        _pos("position_sign_off", "awaiting_a"),
        lambda w: {"decision": "return", "version": str(_fresh(w.positions["awaiting_a"]).version), "comment": "x"},
        extra=("proposal", "reason"),
        shows=_position_pages("awaiting_a"),
    ),
    "position_amend": Spec(
        "delegate_a",
        ("get", "post"),
        _pos("position_amend", "gov_a"),
        lambda w: _content(w.positions["gov_a"]) | {"reason": "Precisión."},
        extra=("red_flag",),
        shows=_position_pages("gov_a"),
    ),
    "position_withdraw": Spec(
        "delegate_a",
        ("get", "post"),
        _pos("position_withdraw", "room_a"),
        lambda w: {"reason": "Ya no aplica."},
        shows=_position_pages("room_a"),
    ),
    "attachment_upload": Spec(
        "delegate_a",
        ("post",),
        _pos("attachment_upload", "draft_a"),
        lambda w: {"file": upload("anexo.pdf", pc.PDF_BYTES)},
        shows=_position_pages("draft_a"),
    ),
    "attachment_delete": Spec(
        "delegate_a",
        ("get", "post"),
        lambda w: reverse("consultations:attachment_delete", args=[w.draft_attachment.pk]),
    ),
    "cosignature_invite": Spec(
        "delegate_a",
        ("post",),
        _pos("cosignature_invite", "gov_a"),
        lambda w: {"organisation": w.cast.org_b.pk},
        shows=_position_pages("gov_a"),
    ),
    "cosignature_respond": Spec(
        "delegate_b",
        ("post",),
        lambda w: reverse("consultations:cosignature_respond", args=[w.pending_cosignature.pk]),
        lambda w: {"decision": "decline"},
    ),
    # Accounts.
    "invitation_accept": Spec(
        "anonymous",
        ("get", "post"),
        lambda w: reverse("consultations:invitation_accept", args=[w.invitation_token]),
        lambda w: {"full_name": "Nadie", "password1": "correct-horse-99", "password2": "correct-horse-99"},
    ),
    "member_list": Spec(
        "coordinator_a",
        ("get", "post"),
        _u("member_list"),
        lambda w: {"email": "nueva@example.mx", "role": models.Invitation.Role.DELEGATE},
        extra=("organisation",),
    ),
    "organisation_chapters": Spec(
        "coordinator_a",
        ("get", "post"),
        _u("organisation_chapters"),
        lambda w: {"chapters": [w.chapter.pk, w.other_chapter.pk]},
        extra=("organisation",),
    ),
    "member_remove": Spec(
        "coordinator_a",
        ("get", "post"),
        lambda w: reverse("consultations:member_remove", args=[w.membership_delegate_a.pk]),
        extra=("next",),
    ),
    "invitation_revoke": Spec(
        "coordinator_a",
        ("get", "post"),
        lambda w: reverse("consultations:invitation_revoke", args=[w.member_invitation.pk]),
        extra=("next",),
    ),
    "official_invite": Spec(
        "admin",
        ("get", "post"),
        _u("official_invite"),
        lambda w: {"email": "nuevo.oficial@example.mx", "ministry": models.OfficialProfile.Ministry.ECONOMIA},
        extra=("chapters", "is_negotiator", "is_coordinator"),
    ),
    "preferences": Spec(
        "delegate_a", ("get", "post"), _u("preferences"), lambda w: {"language": "es", "time_zone": "America/Tijuana"}
    ),
    "api_tokens": Spec(
        "delegate_a",
        ("get", "post"),
        _u("api_tokens"),
        lambda w: {"name": "Mi CRM", "scope": "read", "lifetime": "30"},
    ),
    "api_token_revoke": Spec(
        "delegate_a", ("get", "post"), lambda w: reverse("consultations:api_token_revoke", args=[w.api_token.pk])
    ),
    # Triage.
    "triage_queue": Spec("official_of_chapter", ("get",), _u("triage_queue"), lambda w: dict(TRIAGE_FILTERS)),
    "triage_bulk": Spec(
        "official_of_chapter",
        ("post",),
        _u("triage_bulk"),
        lambda w: {
            "ids": [w.positions[pc.TRIAGE_TARGET].pk],
            "action": "tag",
            "tag": "etiqueta",
            "status": "",
            "assignee": "",
            "response": "",
            "next_query": "",
        },
        shows=_triage_pages,
    ),
    "triage_detail": Spec(
        "official_of_chapter",
        ("get",),
        _pos("triage_detail", pc.TRIAGE_TARGET),
        lambda w: dict(TRIAGE_FILTERS),
    ),
    "triage_assign": Spec(
        "official_of_chapter", ("post",), _pos("triage_assign", pc.TRIAGE_TARGET), _triage(assignee="me")
    ),
    "triage_status": Spec(
        "official_of_chapter",
        ("post",),
        _pos("triage_status", pc.TRIAGE_TARGET),
        _triage(status=models.PositionStatus.NOTED, response="Respuesta."),
        shows=lambda w: _triage_pages(w) + _position_pages(pc.TRIAGE_TARGET)(w),
    ),
    "triage_note": Spec(
        "official_of_chapter",
        ("post",),
        _pos("triage_note", pc.TRIAGE_TARGET),
        _triage(body="Nota."),
        shows=_triage_pages,
    ),
    "triage_tag": Spec(
        "official_of_chapter",
        ("post",),
        _pos("triage_tag", pc.TRIAGE_TARGET),
        _triage(tag="etiqueta"),
        extra=("remove",),
        shows=_triage_pages,
    ),
    "triage_merge": Spec(
        "official_of_chapter",
        ("get", "post"),
        _pos("triage_merge", pc.TRIAGE_TARGET),
        _triage(original=lambda w: w.positions["room_a"].pk, response="Duplicada.", confirm="on"),
        shows=lambda w: _triage_pages(w) + _position_pages("room_a")(w),
    ),
    # Dashboards.
    "dashboard": Spec("coordinator", ("get",), _u("dashboard"), lambda w: {"round": w.round.pk}),
    "dashboard_round": Spec(
        "coordinator",
        ("get",),
        lambda w: reverse("consultations:dashboard_round", args=[w.round.pk]),
        lambda w: {"round": w.round.pk},
    ),
    # Rounds (admin).
    "round_timeline": Spec("delegate_a", ("get",), _u("round_timeline"), lambda w: {"year": "2026", "page": "1"}),
    "round_manage_list": Spec("admin", ("get",), _u("round_manage_list"), lambda w: {"show": "all", "page": "1"}),
    "round_manage_create": Spec(
        "admin",
        ("get", "post"),
        _u("round_manage_create"),
        _round_form,
        shows=lambda w: [reverse("consultations:round_manage_list"), reverse("consultations:round_timeline")],
    ),
    "round_manage_edit": Spec(
        "admin",
        ("get", "post"),
        lambda w: reverse("consultations:round_manage_edit", args=[w.round.pk]),
        _round_form,
        shows=lambda w: [reverse("consultations:round_manage_list"), reverse("consultations:round_list")],
    ),
    "round_manage_clone": Spec(
        "admin",
        ("get", "post"),
        lambda w: reverse("consultations:round_manage_clone", args=[w.round.pk]),
        lambda w: {
            "starts_on": (timezone.localdate() + dt.timedelta(days=200)).isoformat(),
            "label": "Clon",
            "label_en": "Clone",
        },
        shows=lambda w: [reverse("consultations:round_manage_list")],
    ),
    "round_manage_cancel": Spec(
        "admin",
        ("get", "post"),
        lambda w: reverse("consultations:round_manage_cancel", args=[w.spare_round.pk]),
        lambda w: {"reason": "Se pospone."},
        extra=("confirm",),
        shows=lambda w: [reverse("consultations:round_manage_list"), reverse("consultations:round_timeline")],
    ),
    "round_manage_input": Spec(
        "admin",
        ("get", "post"),
        lambda w: reverse("consultations:round_manage_input", args=[w.spare_round.pk]),
        lambda w: {"action": "open"},
    ),
    # Digests and deliveries (admin).
    "digest_preview": Spec(
        "admin",
        ("get",),
        lambda w: reverse("consultations:digest_preview", args=[w.round.pk]),
        lambda w: {"kind": "pre", "user": w.cast.delegate_a.pk},
    ),
    "round_deliveries": Spec(
        "admin",
        ("get",),
        lambda w: reverse("consultations:round_deliveries", args=[w.round.pk]),
        lambda w: {"status": "failed", "page": "1"},
    ),
    "notification_deliveries": Spec(
        "admin", ("get",), _u("notification_deliveries"), lambda w: {"status": "failed", "kind": "position-update"}
    ),
    "deliveries_resend_bulk": Spec(
        "admin",
        ("get", "post"),
        _u("deliveries_resend_bulk"),
        lambda w: {"kind": "digest-pre", "status": "failed", "round": w.round.pk, "confirm_unknown": "1"},
    ),
    "delivery_resend": Spec(
        "admin",
        ("get", "post"),
        lambda w: reverse("consultations:delivery_resend", args=[w.delivery.pk]),
        lambda w: {"confirm_unknown": "1"},
    ),
    # Notifications.
    "notification_list": Spec("delegate_a", ("get",), _u("notification_list"), lambda w: {"page": "1"}),
    "notification_read": Spec(
        "delegate_a",
        ("post",),
        _u("notification_read"),
        lambda w: {"id": str(w.notification.pk), "next": reverse("consultations:position_list")},
    ),
    "notification_preferences": Spec(
        "delegate_a",
        ("get", "post"),
        _u("notification_preferences"),
        lambda w: {f"channel-{kind}": "digest" for kind in models.NotificationKind.values},
    ),
    # The room: briefings and questions (the negotiator of the chapter), answers (delegate A).
    "briefing_list": Spec(
        "delegate_a", ("get",), _u("briefing_list"), lambda w: {"chapter": w.chapter.pk, "round": w.round.pk}
    ),
    "briefing_create": Spec(
        "negotiator",
        ("get", "post"),
        _u("briefing_create"),
        lambda w: {
            "chapter": w.chapter.pk,
            "round": w.round.pk,
            "format": "",
            "title": "Sesión",
            "body_markdown": "**Avances**",
        },
        shows=lambda w: [reverse("consultations:briefing_list")],
    ),
    "briefing_edit": Spec(
        "negotiator",
        ("get", "post"),
        lambda w: reverse("consultations:briefing_edit", args=[w.briefing.pk]),
        lambda w: {"format": "", "title": "Sesión", "body_markdown": "**Avances**"},
        extra=("version",),
        shows=lambda w: [
            reverse("consultations:briefing_detail", args=[w.briefing.pk]),
            reverse("consultations:briefing_list"),
            reverse("consultations:search") + "?q=Sesi%C3%B3n",
        ],
    ),
    "room_question_list": Spec(
        "delegate_a", ("get",), _u("room_question_list"), lambda w: {"chapter": w.chapter.pk, "page": "1"}
    ),
    "room_question_create": Spec(
        "negotiator",
        ("get", "post"),
        _u("room_question_create"),
        lambda w: {
            "chapter": w.chapter.pk,
            "round": w.round.pk,
            "text": "¿Pregunta?",
            "response_deadline": _deadline(),
        },
        shows=lambda w: [reverse("consultations:room_question_list")],
    ),
    "room_answer_save": Spec(
        "delegate_a",
        ("post",),
        lambda w: reverse("consultations:room_answer_save", args=[w.question.pk]),
        lambda w: {"organisation": w.cast.org_a.pk, f"org{w.cast.org_a.pk}-text": "Respuesta."},
        shows=lambda w: [reverse("consultations:room_question_detail", args=[w.question.pk])],
    ),
    "room_question_close": Spec(
        "negotiator",
        ("get", "post"),
        lambda w: reverse("consultations:room_question_close", args=[w.question.pk]),
        extra=("confirm",),
    ),
    "room_question_reopen": Spec(
        "negotiator",
        ("get", "post"),
        lambda w: reverse("consultations:room_question_reopen", args=[w.question.pk]),
        extra=("confirm",),
    ),
    "room_question_answers": Spec(
        "negotiator",
        ("get",),
        lambda w: reverse("consultations:room_question_answers", args=[w.question.pk]),
        lambda w: {"page": "1", "sort": "organisation"},
    ),
    # Exports.
    "position_export": Spec(
        "delegate_a",
        ("get",),
        _u("position_export", "csv"),
        lambda w: {"round": w.round.pk, "status": "draft", "q": "x", "signoff": "on"},
    ),
    "handover": Spec("coordinator", ("get", "post"), _u("handover"), lambda w: {"chapter": w.chapter.pk}),
    "export_job_list": Spec("official_of_chapter", ("get",), _u("export_job_list"), lambda w: {"page": "1"}),
    "export_job_detail": Spec(
        "official_of_chapter",
        ("get",),
        lambda w: reverse("consultations:export_job_detail", args=[w.export_done.pk]),
        lambda w: {"poll": "1"},
    ),
    "export_job_retry": Spec(
        "official_of_chapter",
        ("post",),
        lambda w: reverse("consultations:export_job_retry", args=[w.export_failed.pk]),
    ),
    # Consultations between ministries.
    "consultation_queue": Spec(
        "official_of_other_chapter",
        ("get",),
        _u("consultation_queue"),
        lambda w: {"box": "received", "status": "open", "page": "1"},
    ),
    "consultation_detail": Spec(
        "official_of_other_chapter",
        ("get", "post"),
        lambda w: reverse("consultations:consultation_detail", args=[w.consultations["addressed"].pk]),
        lambda w: {"answer": "Respuesta."},
        shows=lambda w: [
            reverse("consultations:consultation_detail", args=[w.consultations["addressed"].pk]),
            reverse("consultations:consultation_queue"),
        ],
    ),
    "consultation_create": Spec(
        "official_of_chapter",
        ("get", "post"),
        _pos("consultation_create", pc.TRIAGE_TARGET),
        pc._consult_data,
        shows=lambda w: [reverse("consultations:consultation_queue") + "?box=sent"],
    ),
    "consultation_create_issue": Spec(
        "official_of_chapter",
        ("get", "post"),
        lambda w: reverse("consultations:consultation_create_issue", args=[w.issue.pk]),
        pc._consult_data,
    ),
    # Workload.
    "workload": Spec("coordinator", ("get",), _u("workload"), lambda w: {"round": w.round.pk, "chapter": ""}),
    "workload_official": Spec(
        "coordinator",
        ("get", "post"),
        lambda w: reverse("consultations:workload_official", args=[w.cast.official_of_chapter.pk]),
        pc._rebalance_data,
    ),
    # State of play (the coordinator records it).
    "board": Spec("coordinator", ("get",), _u("board"), lambda w: {"format": "mx_us", "round": w.round.pk}),
    "chapter_state": Spec(
        "coordinator",
        ("get",),
        lambda w: reverse("consultations:chapter_state", args=[w.chapter.number]),
        lambda w: {"round": w.round.pk, "format": "trilateral"},
    ),
    "chapter_status": Spec(
        "coordinator",
        ("get", "post"),
        lambda w: reverse("consultations:chapter_status", args=[w.chapter.number]),
        lambda w: {"round": w.round.pk, "status": models.ChapterStatus.ADVANCED, "note": "Avanza.", "reason": ""},
        shows=lambda w: [
            reverse("consultations:chapter_state", args=[w.chapter.number]),
            reverse("consultations:board"),
        ],
    ),
    "chapter_share": Spec(
        "coordinator",
        ("post",),
        lambda w: reverse("consultations:chapter_share", args=[w.chapter.number]),
        lambda w: {"shared": "1"},
    ),
    "issue_create": Spec(
        "coordinator",
        ("get", "post"),
        lambda w: reverse("consultations:issue_create", args=[w.chapter.number]),
        _issue_form,
        shows=lambda w: [reverse("consultations:chapter_state", args=[w.chapter.number])],
    ),
    "issue_edit": Spec(
        "coordinator",
        ("get", "post"),
        lambda w: reverse("consultations:issue_edit", args=[w.issue.pk]),
        _issue_form,
        shows=lambda w: [
            reverse("consultations:chapter_state", args=[w.chapter.number]),
            reverse("consultations:position_detail", args=[w.positions["gov_a"].pk]),
        ],
    ),
    "issue_status": Spec(
        "coordinator",
        ("get", "post"),
        lambda w: reverse("consultations:issue_status", args=[w.issue.pk]),
        lambda w: {
            "status": models.OpenIssue.Status.CONVERGING,
            "round": w.round.pk,
            "note": "",
            "confirm": "",
            "version": _fresh(w.issue).version,
        },
        shows=lambda w: [reverse("consultations:chapter_state", args=[w.chapter.number])],
    ),
    # Intelligence (officials of the chapter).
    "intelligence_note_list": Spec(
        "official_of_chapter",
        ("get",),
        _u("intelligence_note_list"),
        lambda w: {"chapter": w.chapter.pk, "round": w.round.pk, "tag": "acero", "q": "x", "page": "1"},
    ),
    "intelligence_note_create": Spec(
        "official_of_chapter",
        ("get", "post"),
        _u("intelligence_note_create"),
        lambda w: {"chapter": w.chapter.pk, "title": "Nota", "body_markdown": "Texto", "tags": "acero", "hs_lines": ""},
        extra=("rounds", "position_ids"),
        shows=lambda w: [reverse("consultations:intelligence_note_list")],
    ),
    "intelligence_note_edit": Spec(
        "official_of_chapter",
        ("get", "post"),
        lambda w: reverse("consultations:intelligence_note_edit", args=[w.intelligence_note.pk]),
        _note_form,
        shows=lambda w: [
            reverse("consultations:intelligence_note_detail", args=[w.intelligence_note.pk]),
            reverse("consultations:intelligence_note_list"),
            reverse("consultations:search") + f"?q={pc.INTELLIGENCE_TITLE}&kind=intelligence",
        ],
    ),
    "intelligence_attachment_upload": Spec(
        "official_of_chapter",
        ("post",),
        lambda w: reverse("consultations:intelligence_attachment_upload", args=[w.intelligence_note.pk]),
        lambda w: {"file": upload("estudio.pdf", pc.OTHER_PDF_BYTES)},
        shows=lambda w: [reverse("consultations:intelligence_note_detail", args=[w.intelligence_note.pk])],
    ),
    # Search, as a delegate and as an official (the header's live preview is an htmx GET).
    # The audit log (platform staff): its filters and their CSV; one's own sign-in history (a page number).
    "audit_log": Spec(
        "admin",
        ("get",),
        _u("audit_log"),
        lambda w: {
            "actor": w.cast.delegate_a.email,
            "organisation": w.cast.org_a.pk,
            "action": "signin.success",
            "target_type": "",
            "since": "2026-01-01",
            "until": "2026-12-31",
            "page": "1",
        },
    ),
    "audit_log_export": Spec(
        "admin",
        ("get",),
        _u("audit_log_export"),
        lambda w: {"actor": w.cast.delegate_a.email, "organisation": w.cast.org_a.pk, "since": "2026-01-01"},
    ),
    "signin_history": Spec("delegate_a", ("get",), _u("signin_history"), lambda w: {"page": "1"}),
    # Two-step sign-in for organisation A's members (its coordinator); an admin's reset of an official's app.
    "organisation_second_factor": Spec(
        "coordinator_a",
        ("get", "post"),
        lambda w: f"{reverse('consultations:organisation_second_factor')}?organisation={w.cast.org_a.pk}",
        lambda w: {"required": "on"},
        extra=("organisation",),
    ),
    "mfa_reset": Spec(
        "admin",
        ("get", "post"),
        lambda w: reverse("consultations:mfa_reset", args=[w.cast.official_of_other_chapter.pk]),
        lambda w: {"confirm": "on"},
    ),
    "search": Spec(
        "delegate_a",
        ("get",),
        _u("search"),
        lambda w: {"q": "TITULO", "kind": "", "chapter": "", "round": "", "preview": "1", "page": "1"},
    ),
}

# Patterns that read no input: no form, no query string; a path argument that is not an object is a 404 before
# anything else (the access matrix, tests/consultations/test_permissions.py, covers who reads them).
EXEMPT: dict[str, str] = {
    "home": "redirects each role to its landing page",
    "round_list": "the round calendar: no form, no filter",
    "chapter_list": "the chapter list: no form, no filter",
    "position_detail": "a page of one position: no form of its own (its forms post to the endpoints above)",
    "position_revisions": "a page of one position's revisions: reads no input",
    "attachment_download": "a file download: reads no input",
    "cosignature_list": "a list without filters (its forms post to cosignature_respond)",
    "chapter_evolution": "a chart page: reads no input",
    "briefing_detail": "reads no input; it shows the Markdown fuzzed through briefing_create and briefing_edit",
    "room_question_detail": "reads no input; it shows the answers fuzzed through room_answer_save",
    "room_question_export": "a CSV download: reads no input",
    "book_round": "a file download: reads no input",
    "book_chapter": "a file download: reads no input",
    "position_pdf": "a PDF download: reads no input",
    "export_job_download": "a file download: reads no input",
    "intelligence_note_detail": "reads no input; it shows the Markdown fuzzed through intelligence_note_edit",
    "intelligence_attachment_download": "a file download: reads no input",
}
