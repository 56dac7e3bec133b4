"""The digest e-mail as a phone shows it: Debian's Chromium renders the HTML that goes out, at 360 px.

No server: the message is rendered by ``render_digest`` and loaded with ``set_content``, with the network blocked
(an e-mail carries everything it needs). Screenshots go to ``test-artifacts/screenshots/digest_mail/``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.e2e.support import require_chromium

require_chromium()

from django.utils import timezone  # noqa: E402
from playwright.sync_api import Browser  # noqa: E402

from consultations.models import CoSignature, Priority, Stance, User  # noqa: E402
from consultations.services import digests  # noqa: E402
from tests import factories  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Long words and long names: what pushes a careless e-mail sideways on a phone.
LONG_TITLE = "Reconocimiento-mutuo-de-certificaciones-fitosanitarias-electrónicas-para-exportaciones-agroalimentarias"
LONG_ORG = "Confederación Ficticia de Cámaras Industriales de los Estados Unidos Mexicanos y Asociados"


@pytest.fixture
def people() -> dict[str, User]:
    chapter = factories.ChapterFactory(number=4, title_en="Rules of Origin", title_es="Reglas de Origen")
    round = factories.RoundFactory(
        label="Quinta Ronda, Ciudad de México",
        label_en="Fifth Round, Mexico City",
        notes="Sesión plenaria de reglas de origen.",
        digest_at=timezone.now() - dt.timedelta(hours=1),
    )
    big = factories.OrganisationFactory(name=LONG_ORG)
    small = factories.OrganisationFactory(name="Consejo Ficticio Agropecuario")
    delegate = factories.MembershipFactory(organisation=big).user
    for index in range(14):
        position = factories.PositionFactory(
            organisation=big if index % 2 else small,
            chapter=chapter,
            round=round,
            title=f"{LONG_TITLE}-{index}",
            priority=Priority.RED_LINE if index < 12 else Priority.HIGH,
            stance=Stance.OFFENSIVE if index % 2 else Stance.DEFENSIVE,
            status="in_review",
            filed_at=timezone.now() - dt.timedelta(hours=index),
            official_response="Respuesta oficial " + "muy-larga-" * 20,
        )
        if index == 3:
            CoSignature.objects.create(
                position=position,
                organisation=small,
                status=CoSignature.Status.ACCEPTED,
                invited_by=delegate,
                responded_at=timezone.now(),
            )
    official = factories.official(chapters=[chapter])
    return {"round": round, "official": official, "delegate": delegate}


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_digest_e_mail_reads_on_a_phone_without_sideways_scroll(
    browser: Browser, people: dict, screenshot_dir: Path, language: str
) -> None:
    shots = screenshot_dir / "digest_mail"
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    context.route("**/*", lambda route: route.abort())  # an e-mail fetches nothing
    page = context.new_page()
    try:
        for who in ("official", "delegate"):
            user = people[who]
            User.objects.filter(pk=user.pk).update(language=language)
            user.refresh_from_db()
            _subject, _text, html = digests.render_digest(round=people["round"], user=user, kind=digests.PRE)
            for width in (360, 1366):
                page.set_viewport_size({"width": width, "height": 740})
                page.set_content(html)
                scroll_width = page.evaluate("document.documentElement.scrollWidth")
                assert scroll_width <= width, f"{who} {language} at {width}px scrolls sideways: {scroll_width}"
                frame = page.locator(".dg-frame").bounding_box()
                assert frame is not None and frame["width"] <= 600
                page.screenshot(path=str(shots / f"{who}-{language}-{width}.png"), full_page=True)
            # Every link's box stays inside the screen at 360 px, however long its words.
            page.set_viewport_size({"width": 360, "height": 740})
            page.set_content(html)
            overflowing = page.evaluate(
                "[...document.querySelectorAll('a, li, p, h1, h2, h3')]"
                ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5).map(e => e.textContent)"
            )
            assert overflowing == [], overflowing
            assert (
                page.locator("h1")
                .inner_text()
                .endswith("Fifth Round, Mexico City" if language == "en" else "Quinta Ronda, Ciudad de México")
            )
    finally:
        context.close()
