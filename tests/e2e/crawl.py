"""A crawl of every page each role can reach, for the page-wide checks: no sideways scroll at 360 px and axe-core.

The crawl starts at a role's home and follows the links of the site (GET only, bounded), then visits the seeds:
pages with arguments that no link of the crawl reached, filled from the fixture's objects. ``url_patterns`` reads
the consultations URL patterns from the resolver, so a new page is either reached here or listed in
``EXCLUDED`` with its reason; tests/e2e/test_browser_pages.py fails otherwise.
"""

from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from axe_playwright_python.base import AXE_FILE_PATH
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from playwright.sync_api import Page

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 360, "height": 740}
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PHONE_RULES = ["scrollable-region-focusable", "target-size"]
MAX_PAGES_PER_ROLE = 45
MAX_URLS_PER_VIEW = 1  # one URL per view and role (seeds aside): every number of the dashboard opens the same page
NAMESPACE = "consultations"

ACTION = "POST only: an action, sent by a form of a page the crawl checks"
# Every URL pattern of the consultations namespace that the crawl does not visit, with the reason.
EXCLUDED: dict[str, str] = {
    "position_file": ACTION,
    "position_sign_off": ACTION,
    "attachment_upload": ACTION,
    "cosignature_invite": ACTION,
    "cosignature_respond": ACTION,
    "notification_read": ACTION,
    "triage_bulk": ACTION,
    "triage_assign": ACTION,
    "triage_status": ACTION,
    "triage_note": ACTION,
    "triage_tag": ACTION,
    "room_answer_save": ACTION + " (its htmx answer is checked by test_htmx_states_pass_axe)",
    "room_question_reopen": ACTION,
    "delivery_resend": ACTION,
    "chapter_share": ACTION,
    "attachment_download": "a file download (Content-Disposition: attachment), not a page",
    "room_question_export": "a CSV download, not a page",
    "audit_log_export": "a CSV download of the filtered audit log (tests/consultations/audit)",
    "intelligence_attachment_upload": ACTION,
    "intelligence_attachment_download": "a file download (Content-Disposition: attachment), not a page",
    "book_round": "a briefing-book download (PDF, XLSX, CSV; tests/consultations/exports), linked from the dashboard",
    "book_chapter": "a briefing-book download, linked from the chapter across rounds",
    "position_export": "a CSV/XLSX download, linked from our positions",
    "position_pdf": "a PDF download, linked from the position page",
    "export_job_download": "a file download, linked from the export job page",
    "export_job_retry": ACTION,
}
# Outside the namespace, so not crawled: the REST API (JSON, tests/consultations/api/) and its docs page
# /api/v1/docs/, which is Swagger UI's own markup; tests/e2e/test_browser_api_docs.py checks it renders under the
# CSP with nothing fetched from elsewhere. The API tokens page (Preferences) is crawled like every other page.
# Pages whose body is the same whoever reads them: axe checks them once, for the first role that reaches them (the
# header around them, which differs by role, is checked on every other page). Sideways scroll is checked for each.
SAME_FOR_EVERY_ROLE = {
    "account_change_password",
    "account_reset_password",
    "account_login",
    "consultations:preferences",
    "consultations:notification_preferences",
    "consultations:chapter_list",
    "consultations:round_list",
    "consultations:round_timeline",
}
# Links never followed: outside the app's own pages, or they end the session.
# /api/ is JSON, and its docs page is Swagger UI's markup (see above).
SKIPPED_PREFIXES = ("/admin/", "/static/", "/dev/", "/accounts/logout/", "/i18n/", "/api/")


@dataclass
class PageResult:
    role: str
    url: str
    view_name: str  # of the page shown, after any redirect
    requested: str  # of the URL asked for
    status: int
    overflow: str = ""  # at 360 px: "" when the page fits, else what sticks out
    seconds: tuple[float, float, float] = (0.0, 0.0, 0.0)  # load, axe, phone check
    violations: list[dict] = field(default_factory=list)


def url_patterns() -> dict[str, str]:
    """name → route of every URL pattern in the consultations namespace, read from the resolver."""
    found: dict[str, str] = {}

    def walk(patterns: list, prefix: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern) and entry.name:
                found[entry.name] = prefix + str(entry.pattern)

    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == NAMESPACE:
            walk(entry.url_patterns, str(entry.pattern))
    return found


def view_name(path: str) -> str:
    try:
        return resolve(path).view_name
    except Resolver404:
        return ""


def overflow_report(page: Page) -> str:
    """ "" when nothing scrolls sideways; otherwise the widths and the elements that stick out the most."""
    return str(
        page.evaluate(
            """() => {
  const root = document.documentElement;
  if (root.scrollWidth <= window.innerWidth) { return ""; }
  const clipped = (e) => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") { return true; }
    }
    return false;
  };
  const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
    + (typeof e.className === "string" && e.className.trim() ? "." + e.className.trim().split(/\\s+/).join(".") : "");
  const wide = [...document.body.querySelectorAll("*")]
    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5 && !clipped(e))
    .map((e) => [Math.round(e.getBoundingClientRect().right), name(e)]);
  wide.sort((a, b) => b[0] - a[0]);
  const top = wide.slice(0, 4).map((w) => w.join(" ")).join(", ");
  return `scrollWidth ${root.scrollWidth} > ${window.innerWidth}: ${top}`;
}"""
        )
    )


def axe_violations(page: Page, *, rules: list[str] | None = None) -> list[dict]:
    """axe-core (shipped in the axe-playwright-python wheel, run from the local file) at WCAG 2.2 AA, or only
    ``rules``."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_FILE_PATH.read_text(encoding="utf-8"))
    run_only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": WCAG_22_AA}
    options = {"runOnly": run_only, "resultTypes": ["violations"]}
    result = page.evaluate(f"() => axe.run(document, {json.dumps(options)})")
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [" ".join(node["target"]) + " " + node["html"][:160] for node in violation["nodes"][:5]],
        }
        for violation in result["violations"]
    ]


def same_site_links(page: Page, base_url: str) -> list[str]:
    hrefs = page.evaluate("() => [...document.querySelectorAll('a[href]')].map((a) => a.href)")
    links = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != base_url or parts.path.startswith(SKIPPED_PREFIXES):
            continue
        links.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return links


class Crawler:
    """Visits pages in one browser page: each is checked at 1366 px (axe) and at 360 px (sideways scroll)."""

    def __init__(self, page: Page, base_url: str, *, shots: Path) -> None:
        self.page = page
        self.base_url = base_url
        self.shots = shots
        self.results: list[PageResult] = []
        self.axe_checked: set[str] = set()
        self.checked: set[tuple[str, str]] = set()

    def check(self, role: str, path: str) -> PageResult | None:
        page = self.page
        page.set_viewport_size(DESKTOP)
        started = time.monotonic()
        response = page.goto(self.base_url + path)
        loaded = time.monotonic()
        final = urlsplit(page.url)
        name = view_name(final.path)
        status = response.status if response else 0
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            return None
        shown = final.path + (f"?{final.query}" if final.query else "")
        result = PageResult(
            role=role, url=path, view_name=name, requested=view_name(urlsplit(path).path), status=status
        )
        if (role, shown) in self.checked:  # a redirect to a page this role has already had checked
            self.results.append(result)
            return None
        self.checked.add((role, shown))
        if status == 200:
            if name not in SAME_FOR_EVERY_ROLE or name not in self.axe_checked:
                result.violations = axe_violations(page)
                self.axe_checked.add(name)
            checked = time.monotonic()
            page.set_viewport_size(PHONE)
            result.overflow = overflow_report(page)
            # What only a narrow screen shows: regions that now scroll, targets that now crowd each other.
            result.violations += [
                {**violation, "id": f"{violation['id']} (at 360 px)"}
                for violation in axe_violations(page, rules=PHONE_RULES)
            ]
            page.set_viewport_size(DESKTOP)
            result.seconds = (loaded - started, checked - loaded, time.monotonic() - checked)
        self.results.append(result)
        return result

    def crawl(self, role: str, start: list[str]) -> None:
        """Breadth-first from ``start``: every link within the site, at most MAX_URLS_PER_VIEW per view."""
        queue = deque(start)
        seen: set[str] = set()
        per_view: dict[str, int] = {}
        visited = 0
        while queue and visited < MAX_PAGES_PER_ROLE:
            path = queue.popleft().split("#")[0]
            name = view_name(urlsplit(path).path)
            if path in seen or not name or name.split(":")[-1] in EXCLUDED:
                continue
            seen.add(path)
            if per_view.get(name, 0) >= MAX_URLS_PER_VIEW and path not in start:
                continue
            per_view[name] = per_view.get(name, 0) + 1
            result = self.check(role, path)
            visited += 1
            if result is not None and result.status == 200:
                queue.extend(same_site_links(self.page, self.base_url))

    def screenshot(self, name: str, viewport: dict[str, int]) -> None:
        self.page.set_viewport_size(viewport)
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True, caret="initial")
        self.page.set_viewport_size(DESKTOP)
