"""Every page of every role, present and future: reachable, no sideways scroll on a phone, zero axe-core violations.

One crawl per module (one live server, one Chromium) signs in as each role of the demo data (``seed_demo`` plus a
briefing, a room question and its answer, an attachment, invitations and a co-signature), follows the links from the
role's home and visits the seeds (pages with arguments, filled from those objects). Each page is checked with
axe-core at WCAG 2.2 AA at 1366 × 900 and for horizontal scroll at 360 × 740. The URL patterns come from the
resolver: a new page that no role reaches, and that is not listed in ``crawl.EXCLUDED`` with a reason, fails
``test_every_url_pattern_is_crawled_or_excluded``.

Screenshots of each role's home at 1366 and 360 px in Spanish and English go to
``test-artifacts/screenshots/pages/`` (git-ignored).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.e2e.support import SCREENSHOT_DIR, require_chromium

require_chromium()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402

from consultations import models  # noqa: E402
from consultations.management.commands.seed_demo import seed_demo  # noqa: E402
from consultations.models.positions import UNFILED_STATUSES  # noqa: E402
from consultations.reference.demo import demo_email  # noqa: E402
from consultations.services import api_tokens as api_token_services  # noqa: E402
from consultations.services import attachments as attachment_services  # noqa: E402
from consultations.services import briefings as briefing_services  # noqa: E402
from consultations.services import cosignatures as cosignature_services  # noqa: E402
from consultations.services import intelligence as intelligence_services  # noqa: E402
from consultations.services import invitations as invitation_services  # noqa: E402
from consultations.services import positions as position_services  # noqa: E402
from consultations.services import room_questions as question_services  # noqa: E402
from consultations.services import state_of_play as state_of_play_services  # noqa: E402
from tests.e2e import crawl  # noqa: E402
from tests.e2e.browser import TIMEOUT_MS, sign_in  # noqa: E402
from tests.e2e.support import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

# The crawl's world (demo data, then every role's pages in two browsers) takes minutes, more on a busy machine: it gets
# its own time limit rather than the suite's 300 s per test.
pytestmark = [pytest.mark.browser, pytest.mark.heavy, pytest.mark.timeout(1500)]

ROLES = {
    "delegate": demo_email("delegada.a"),
    "org_coordinator": demo_email("coordinador.a"),
    "official": demo_email("funcionario.origen"),
    "negotiator": demo_email("negociador.autos"),
    "coordinator": demo_email("coordinacion"),
    "admin": demo_email("admin"),
}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SHOTS = SCREENSHOT_DIR / "pages"


@dataclass
class World:
    users: dict[str, models.User]
    seeds: dict[str, list[str]]  # role → URLs with arguments, filled from the objects below
    anonymous: list[str]
    triage_position: models.Position
    question: models.RoomQuestion


@dataclass
class Crawl:
    world: World
    results: list[crawl.PageResult] = field(default_factory=list)
    seconds: float = 0.0
    htmx_problems: list[str] = field(default_factory=list)
    base_url: str = ""


def build_world(media: Path) -> World:
    seed_demo()
    users = {role: models.User.objects.get(email=email) for role, email in ROLES.items()}
    delegate, org_coordinator, negotiator = users["delegate"], users["org_coordinator"], users["negotiator"]
    organisation = models.Organisation.objects.get(memberships__user=delegate)
    other = models.Organisation.objects.get(memberships__user__email=demo_email("coordinadora.b"))
    chapter = models.Chapter.objects.get(number=4)
    organisation.followed_chapters.add(chapter)
    open_round = (
        models.Round.objects.filter(submission_deadline__gt=timezone.now()).order_by("submission_deadline").first()
    )
    ours = models.Position.objects.filter(organisation=organisation)
    draft = position_services.position_create(
        by=delegate,
        organisation=organisation,
        data={
            "chapter": chapter,
            "round": open_round,
            "title": "Borrador con anexo para revisar la página",
            "summary": "Resumen del borrador.",
            "stance": models.Stance.DEFENSIVE,
            "priority": models.Priority.HIGH,
            "exports_usd": 1_500_000_000,
            "jobs": 120_000,
            "hs_lines": ["8708.29"],
        },
    )
    attachment = attachment_services.attachment_add(
        by=delegate, position=draft, upload=SimpleUploadedFile("anexo.pdf", PDF, content_type="application/pdf")
    )
    filed = ours.filter(status=models.PositionStatus.SUBMITTED, round=open_round).first()
    # Where the organisation requires sign-off this is a proposed amendment; the position's pages are the same.
    position_services.position_amend(
        by=delegate,
        position=filed,
        data={"summary": filed.summary + " Con un periodo de transición."},
        reason="Ajuste",
        expected_version=filed.version,
    )
    amended = filed
    theirs = models.Position.objects.filter(organisation=other, status=models.PositionStatus.SUBMITTED).first()
    cosignature_services.cosignature_invite(by=theirs.created_by, position=theirs, organisation=organisation)
    briefing = briefing_services.briefing_post(
        by=negotiator, chapter=chapter, round=open_round, title="Sesión del martes", body_markdown="**Avances**."
    )
    question = question_services.room_question_ask(
        by=negotiator,
        chapter=chapter,
        round=open_round,
        text="¿Cuánto contenido regional de acero pueden acreditar hoy?",
        response_deadline=timezone.now() + dt.timedelta(days=2),
    )
    note = intelligence_services.intelligence_note_create(
        by=negotiator,
        chapter=chapter,
        title="Capacidad instalada del acero",
        body_markdown="## Hallazgos\n\n- **Aceros planos**: 70 % de utilización.\n- Cuotas en revisión.",
        tags=["acero", "cuotas"],
        hs_lines=["7208.10"],
        rounds=[open_round],
        position_ids=[filed.pk] if filed.chapter_id == chapter.pk else [],
    )
    intelligence_services.intelligence_attachment_add(
        by=negotiator, note=note, upload=SimpleUploadedFile("estudio.pdf", PDF, content_type="application/pdf")
    )
    question_services.room_answer_submit(by=delegate, question=question, text="Alrededor del 60 %.")
    invitation, _token = invitation_services.invitation_create(
        by=org_coordinator, email="nuevo.delegado@example.mx", role="delegate", organisation=organisation
    )
    _official_invitation, token = invitation_services.invitation_create(
        by=users["admin"], email="nueva.funcionaria@example.mx", role="official", ministry="economia"
    )
    # A digest the mail server refused: the delivery pages offer to resend it.
    models.Delivery.objects.create(
        kind=models.deliveries.DIGEST_PRE,
        key=models.deliveries.digest_delivery_key(open_round),
        recipient=delegate,
        status=models.Delivery.Status.FAILED,
        last_error="550 mailbox unavailable",
    )
    triage_position = (
        models.Position.objects.filter(chapter__number=4, status=models.PositionStatus.SUBMITTED).order_by("pk").first()
    )
    # The state of play of chapter 4: a status shared with the room and an open issue linked to a position.
    state_of_play_services.chapter_status_set(
        chapter=chapter, round=open_round, by=negotiator, status=models.ChapterStatus.ADVANCED, note="Avanza."
    )
    state_of_play_services.chapter_status_share(chapter=chapter, by=negotiator, shared=True)
    issue = state_of_play_services.open_issue_create(
        chapter=chapter,
        round=open_round,
        by=negotiator,
        text="Valor de contenido regional: 75 % frente a 85 %",
        parties=["MX", "US"],
        format=models.Round.Format.MX_US,
        positions=[triage_position],
    )
    merge_original = (
        models.Position.objects.filter(chapter_id=triage_position.chapter_id, round_id=triage_position.round_id)
        .exclude(pk=triage_position.pk)
        .exclude(status__in=(*UNFILED_STATUSES, models.PositionStatus.WITHDRAWN))
        .order_by("pk")
        .first()
    )
    # Export jobs: the coordinator's failed one (its Retry button), the negotiator's one being prepared (progress).
    failed_export = models.ExportJob.objects.create(
        requester=users["coordinator"],
        kind=models.ExportKind.HANDOVER,
        status=models.ExportJob.Status.FAILED,
        error="No se pudo generar.",
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    running_export = models.ExportJob.objects.create(
        requester=negotiator,
        kind=models.ExportKind.BOOK_PDF,
        parameters={"round_id": open_round.pk},
        status=models.ExportJob.Status.RUNNING,
        progress=40,
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    api_token, _secret = api_token_services.api_token_create(
        by=delegate, name="Hoja de socios", scope="read", expires_at=timezone.now() + dt.timedelta(days=30)
    )
    # Consultations between ministries (seed_demo asks Agricultura about positions of chapter 4).
    consultation = models.ConsultationRequest.objects.order_by("pk").first()
    seeds = {
        "delegate": [
            reverse("consultations:api_tokens"),
            reverse("consultations:api_token_revoke", args=[api_token.pk]),
            reverse("consultations:position_create"),
            reverse("consultations:position_detail", args=[draft.pk]),
            reverse("consultations:position_edit", args=[draft.pk]),
            reverse("consultations:attachment_delete", args=[attachment.pk]),
            reverse("consultations:position_amend", args=[amended.pk]),
            reverse("consultations:position_revisions", args=[amended.pk]),
            reverse("consultations:position_withdraw", args=[amended.pk]),
            reverse("consultations:room_question_detail", args=[question.pk]),
            reverse("consultations:digest_preview", args=[open_round.pk]),
            reverse("consultations:search") + "?q=acero",
        ],
        "org_coordinator": [
            reverse("consultations:member_list"),
            reverse("consultations:invitation_revoke", args=[invitation.pk]),
        ],
        "official": [
            reverse("consultations:triage_detail", args=[triage_position.pk]),
            # The comparison shown before a merge: any other position of the same chapter and round.
            reverse("consultations:triage_merge", args=[triage_position.pk]) + f"?original={merge_original.pk}",
            reverse("consultations:consultation_create", args=[triage_position.pk]),
            reverse("consultations:consultation_create_issue", args=[issue.pk]),
            reverse("consultations:consultation_queue") + "?box=sent",
            reverse("consultations:consultation_detail", args=[consultation.pk]),
        ],
        "negotiator": [
            reverse("consultations:briefing_create"),
            reverse("consultations:briefing_edit", args=[briefing.pk]),
            reverse("consultations:room_question_create"),
            reverse("consultations:room_question_answers", args=[question.pk]),
            reverse("consultations:room_question_close", args=[question.pk]),
            reverse("consultations:dashboard_round", args=[open_round.pk]),
            reverse("consultations:chapter_evolution", args=[4]),
            reverse("consultations:intelligence_note_list"),
            reverse("consultations:intelligence_note_create"),
            reverse("consultations:intelligence_note_detail", args=[note.pk]),
            reverse("consultations:intelligence_note_edit", args=[note.pk]),
            reverse("consultations:export_job_detail", args=[running_export.pk]),
            reverse("consultations:board") + "?format=mx_us",
            reverse("consultations:chapter_state", args=[4]),
            reverse("consultations:chapter_status", args=[4]),
            reverse("consultations:issue_create", args=[4]),
            reverse("consultations:issue_edit", args=[issue.pk]),
            reverse("consultations:issue_status", args=[issue.pk]),
        ],
        "coordinator": [
            reverse("consultations:dashboard"),
            reverse("consultations:board"),
            reverse("consultations:search") + "?q=acero+cuotas",
            reverse("consultations:handover"),
            reverse("consultations:export_job_detail", args=[failed_export.pk]),
            reverse("consultations:workload"),
            reverse("consultations:workload_official", args=[users["official"].pk]),
        ],
        "admin": [
            reverse("consultations:round_manage_create"),
            reverse("consultations:round_manage_edit", args=[open_round.pk]),
            reverse("consultations:round_manage_clone", args=[open_round.pk]),
            reverse("consultations:round_manage_cancel", args=[open_round.pk]),
            reverse("consultations:round_manage_input", args=[open_round.pk]),
            reverse("consultations:round_deliveries", args=[open_round.pk]),
            reverse("consultations:deliveries_resend_bulk")
            + f"?kind={models.deliveries.DIGEST_PRE}&status=failed&round={open_round.pk}",
            reverse("consultations:official_invite"),
            reverse("consultations:audit_log"),
            # Linked from the Django admin's user page (outside the crawl): the confirmation before a reset.
            reverse("consultations:mfa_reset", args=[users["official"].pk]),
        ],
    }
    anonymous = ["/accounts/login/", "/accounts/password/reset/", f"/invitations/{token}/"]
    return World(users=users, seeds=seeds, anonymous=anonymous, triage_position=triage_position, question=question)


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, live_server, tmp_path_factory) -> Iterator[Crawl]:
    """The demo world, committed for the live server, and the crawl of every role over it (done once)."""
    from usmca.celery import app

    media = tmp_path_factory.mktemp("private-media")
    storage = override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        CELERY_TASK_ALWAYS_EAGER=True,
    )
    storage.enable()
    eager = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    previous_async = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API keeps a loop in this thread
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    try:
        with django_db_blocker.unblock():
            world = build_world(media)
            result = Crawl(world=world, base_url=live_server.url)
            with sync_playwright() as playwright:
                chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
                try:
                    context = chromium.new_context(viewport=crawl.DESKTOP, locale="es-MX")
                    context.set_default_timeout(TIMEOUT_MS)
                    page = context.new_page()
                    crawler = crawl.Crawler(page, live_server.url, shots=SHOTS)
                    started = time.monotonic()
                    for path in world.anonymous:
                        crawler.check("anonymous", path)
                    crawler.screenshot("anonymous-login-es-1366", crawl.DESKTOP)
                    for role, user in world.users.items():
                        sign_in(context, live_server.url, user)
                        crawler.crawl(role, ["/", *world.seeds.get(role, [])])
                        take_home_screenshots(crawler, role, user)
                    result.seconds = time.monotonic() - started
                    (SHOTS / "crawl.txt").write_text(
                        f"{len(crawler.results)} pages in {result.seconds:.0f} s\n"
                        + "\n".join(
                            f"{r.role}\t{r.url}\t{r.view_name}\t{r.status}\t" + " ".join(f"{t:.2f}" for t in r.seconds)
                            for r in crawler.results
                        )
                        + "\n",
                        encoding="utf-8",
                    )
                    result.results = crawler.results
                    # Browse the htmx states now: pytest-django empties the database after each test that uses the
                    # live server, so the tests below only read what was found here.
                    result.htmx_problems = check_htmx_states(page, live_server.url, world)
                    yield result
                finally:
                    chromium.close()
    finally:
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)
            from django.db import connections

            connections.close_all()
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        if previous_async is not None:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous_async
        app.conf.task_always_eager, app.conf.task_eager_propagates = eager
        storage.disable()


def take_home_screenshots(crawler: crawl.Crawler, role: str, user: models.User) -> None:
    """The role's home at 1366 and 360 px, in Spanish and in English (the user's language, switched and back)."""
    for language in ("es", "en"):
        models.User.objects.filter(pk=user.pk).update(language=language)
        crawler.page.goto(crawler.base_url + "/")
        for viewport in (crawl.DESKTOP, crawl.PHONE):
            crawler.screenshot(f"{role}-home-{language}-{viewport['width']}", viewport)
        if language == "en":
            crawler.page.set_viewport_size(crawl.PHONE)
            overflow = crawl.overflow_report(crawler.page)
            crawler.page.set_viewport_size(crawl.DESKTOP)
            crawler.results.append(
                crawl.PageResult(
                    role=f"{role} (en)", url="/", view_name="home (en)", requested="", status=200, overflow=overflow
                )
            )
    models.User.objects.filter(pk=user.pk).update(language=user.language)


def describe(results: list[crawl.PageResult]) -> str:
    return "\n".join(f"  {r.role:16} {r.url}" for r in results)


def test_every_url_pattern_is_crawled_or_excluded(site: Crawl) -> None:
    visited = {r.view_name for r in site.results if r.status == 200} | {
        r.requested for r in site.results if r.status in (200, 302)
    }
    patterns = crawl.url_patterns()
    missing = sorted(
        f"{name} ({route})"
        for name, route in patterns.items()
        if f"{crawl.NAMESPACE}:{name}" not in visited and name not in crawl.EXCLUDED
    )
    assert not missing, (
        "Pages no role reached and not excluded: add a seed in test_browser_pages.build_world or a reason in "
        "crawl.EXCLUDED:\n  " + "\n  ".join(missing)
    )
    stale = sorted(set(crawl.EXCLUDED) - set(patterns))
    assert not stale, f"crawl.EXCLUDED names patterns that no longer exist: {stale}"
    failed = [r for r in site.results if r.status != 200]
    assert not failed, "Pages that did not answer 200:\n" + "\n".join(
        f"  {r.role:16} {r.url} → {r.status}" for r in failed
    )


def test_no_page_scrolls_sideways_at_phone_width(site: Crawl) -> None:
    wide = [r for r in site.results if r.overflow]
    assert not wide, f"{len(wide)} of {len(site.results)} pages scroll sideways at 360 px:\n" + "\n".join(
        f"  {r.role:16} {r.url}: {r.overflow}" for r in wide
    )


def test_every_page_passes_axe_wcag22_aa(site: Crawl) -> None:
    failing = [r for r in site.results if r.violations]
    report = []
    for r in failing:
        report.append(f"  {r.role} {r.url}")
        for violation in r.violations:
            report.append(f"    {violation['id']} ({violation['impact']}): {violation['help']}")
            report.extend(f"      {node}" for node in violation["nodes"])
    assert not failing, f"{len(failing)} of {len(site.results)} pages have axe violations:\n" + "\n".join(report)


def test_the_crawl_is_wide(site: Crawl) -> None:
    """Every role was crawled, over enough pages to mean something. (Its duration is written to crawl.txt, not
    asserted: tests check correctness, and CI machines differ in speed.)"""
    roles = {r.role for r in site.results}
    assert set(ROLES) | {"anonymous"} <= roles
    assert len(site.results) >= 60, describe(site.results)


def axe_report(where: str, violations: list[dict]) -> list[str]:
    lines = []
    for violation in violations:
        lines.append(f"  {where}: {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"      {node}" for node in violation["nodes"])
    return lines


def check_htmx_states(page: Page, base: str, world: World) -> list[str]:
    """axe on the states htmx swaps in: the triage pane and its merge comparison, the draft form with an inline
    error, the header search's preview, a saved room answer."""
    problems: list[str] = []
    page.set_viewport_size(crawl.DESKTOP)

    sign_in(page.context, base, world.users["official"])
    page.goto(base + "/triage/")
    row = page.locator("#queue-list a.row-link").first
    title = row.inner_text()
    with page.expect_response(lambda response: "/triage/" in response.url and response.request.method == "GET"):
        row.click()
    page.locator("#triage-pane h2, #triage-pane h1").filter(has_text=title).first.wait_for()
    problems += axe_report("triage pane", crawl.axe_violations(page))
    # The comparison before a merge, swapped into the pane as its "Compare … and merge" link does.
    compare = next(url for url in world.seeds["official"] if "/merge/" in url)
    page.goto(base + reverse("consultations:triage_queue") + f"?position={world.triage_position.pk}")
    page.evaluate("(url) => htmx.ajax('GET', url, {target: '#triage-pane', swap: 'outerHTML'})", compare)
    page.locator("#triage-pane #compare-heading").wait_for()
    problems += axe_report("merge comparison in the pane", crawl.axe_violations(page))

    sign_in(page.context, base, world.users["delegate"])
    page.goto(base + reverse("consultations:position_create"))
    page.locator("#id_hs_lines").fill("72AB")
    page.keyboard.press("Tab")
    page.locator("#id_hs_lines_errors .errorlist").wait_for()
    problems += axe_report("draft form with an inline error", crawl.axe_violations(page))
    page.locator("#position-form button[type='submit']").click()
    page.locator(".error-summary").wait_for()
    assert page.evaluate("() => document.activeElement.id") == "error-summary-title"
    problems += axe_report("draft form after a failed submit", crawl.axe_violations(page))

    # The header search's live preview, as a delegate types (the briefing of chapter 4 reaches its room).
    page.goto(base + reverse("consultations:chapter_list"))
    with page.expect_response(lambda response: "preview=1" in response.url and response.ok):
        page.locator("#header-search-q").press_sequentially("martes", delay=30)
    page.locator("#search-preview li").first.wait_for()
    problems += axe_report("header search preview", crawl.axe_violations(page))

    page.goto(base + reverse("consultations:room_question_detail", args=[world.question.pk]))
    answer = page.locator("section.room-answer")
    answer.locator("textarea").fill("Alrededor del 65 %, con datos de 2025.")
    with page.expect_response(lambda response: "/answer/" in response.url):
        answer.locator("button[type='submit']").click()
    page.locator("section.room-answer .alert-success").wait_for()
    problems += axe_report("saved room answer", crawl.axe_violations(page))

    return problems


def test_htmx_states_pass_axe(site: Crawl) -> None:
    assert not site.htmx_problems, "axe violations in htmx states:\n" + "\n".join(site.htmx_problems)
