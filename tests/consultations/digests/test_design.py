"""The digest as designed: each red line once, no organisation on both sides of a conflict, every item linked with an
absolute URL, long lists cut with "and N more", a plain-text twin with the same links, the recipient's language,
round label and time zone, and an HTML body whose styles are inline (e-mail clients drop style sheets)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from consultations.models import (
    Briefing,
    CoSignature,
    Notification,
    Priority,
    RoomQuestion,
    Stance,
    User,
)
from consultations.selectors.digests import LIST_LIMIT
from consultations.services import digests
from tests import factories
from tests.consultations.digests.conftest import Room, make_position

pytestmark = pytest.mark.django_db

HREF = re.compile(r'href="([^"]+)"')
URL = re.compile(r"https?://\S+[^\s).,]")


def _render(room: Room, user: User, kind: str = digests.PRE) -> tuple[str, str, str]:
    return digests.render_digest(round=room.round, user=User.objects.get(pk=user.pk), kind=kind)


def _section(text: str, title: str) -> str:
    """One section of the plain-text digest, from its ``== title ==`` line to the next section."""
    return text.split(f"== {title} ==\n", 1)[1].split("\n== ", 1)[0]


@pytest.fixture
def cosigned(room: Room) -> Any:
    """A third organisation co-signs A's red line; a fourth was invited and declined."""
    third = factories.OrganisationFactory(name="Cámara Ficticia C")
    fourth = factories.OrganisationFactory(name="Cámara Ficticia D")
    inviter = room.cast.delegate_a
    CoSignature.objects.create(
        position=room.position_a,
        organisation=third,
        status=CoSignature.Status.ACCEPTED,
        invited_by=inviter,
        responded_at=timezone.now(),
    )
    CoSignature.objects.create(
        position=room.position_a,
        organisation=fourth,
        status=CoSignature.Status.DECLINED,
        invited_by=inviter,
        responded_at=timezone.now(),
    )
    return third


def test_each_red_line_is_listed_once_with_its_organisation_and_co_signers(room: Room, cosigned: Any) -> None:
    User.objects.filter(pk=room.cast.official_of_chapter.pk).update(language="en")
    _subject, text, html = _render(room, room.cast.official_of_chapter)
    title = room.position_a.title
    assert text.count(title) == 1 and html.count(title) == 1
    red_lines = _section(text, "Red lines")
    assert f"- 4. {title}\n  Cámara Ficticia A · co-signed by Cámara Ficticia C · In review\n" in red_lines
    assert "Cámara Ficticia D" not in text  # declined: not a co-signer
    # The chapter's list holds its other positions only.
    chapter = _section(text, f"4. {room.chapter.title_en}")
    assert title not in chapter and room.position_b.title in chapter


def test_an_organisation_on_both_sides_is_named_once_and_marked_never_on_a_side(room: Room) -> None:
    # A is defensive in chapter 4 (its red line) and now offensive too; B is offensive.
    make_position(organisation=room.cast.org_a, chapter=room.chapter, round=room.round, stance=Stance.OFFENSIVE)
    User.objects.filter(pk=room.cast.coordinator.pk).update(language="en")
    _subject, text, html = _render(room, room.cast.coordinator)
    conflicts = _section(text, "Opposing stances")
    chapter_4 = conflicts.split(f"4. {room.chapter.title_en}\n", 1)[1]
    offensive = re.search(r"Offensive: (.*) \(", chapter_4).group(1).split(", ")
    defensive = re.search(r"Defensive: (.*) \(", chapter_4).group(1).split(", ")
    both = re.search(r"On both sides: (.*)\n", chapter_4).group(1).split(", ")
    assert offensive == ["Cámara Ficticia B"]
    assert defensive == ["Cámara Inactiva"]
    assert both == ["Cámara Ficticia A"]
    assert not set(offensive) & set(defensive)
    # The HTML says the same, each organisation once in the chapter's block.
    block = html.split("Opposing stances", 1)[1].split(room.chapter.title_en, 1)[1].split("<h3", 1)[0]
    assert block.count("Cámara Ficticia A") == 1 and "On both sides" in block


def test_every_link_is_absolute_and_every_item_is_linked(room: Room, cosigned: Any) -> None:
    Briefing.objects.create(
        chapter=room.chapter,
        round=room.round,
        author=room.cast.coordinator,
        title="Lectura de la sesión",
        body_markdown="x",
    )
    RoomQuestion.objects.create(
        chapter=room.chapter,
        round=room.round,
        author=room.cast.coordinator,
        text="¿Qué porcentaje de contenido regional es viable?",
        response_deadline=timezone.now() + dt.timedelta(days=2),
    )
    for user in (room.cast.official_of_chapter, room.cast.delegate_a):
        for kind in digests.KINDS:
            _subject, text, html = _render(room, user, kind)
            hrefs = HREF.findall(html)
            assert hrefs and all(href.startswith(settings.SITE_URL + "/") for href in hrefs), hrefs
            assert "¿Qué porcentaje de contenido regional es viable?" in text
    _subject, text, html = _render(room, room.cast.official_of_chapter, digests.POST)
    for position in (room.position_a, room.position_b):
        assert f'href="{settings.SITE_URL}/triage/{position.pk}/"' in html
    briefing = Briefing.objects.get()
    question = RoomQuestion.objects.get()
    assert f'href="{settings.SITE_URL}/briefings/{briefing.pk}/"' in html
    assert f'href="{settings.SITE_URL}/room-questions/{question.pk}/"' in html
    _subject, text, html = _render(room, room.cast.delegate_a)
    for position in (room.position_a, room.position_a_other):
        assert f'href="{settings.SITE_URL}/positions/{position.pk}/"' in html


def test_the_text_alternative_carries_the_same_links_and_items(room: Room, cosigned: Any) -> None:
    Notification.objects.create(
        recipient=room.cast.delegate_a, kind="status", title="Cambio de estado", url="/positions/1/", key="k:1"
    )
    for user in (room.cast.official_of_chapter, room.cast.coordinator, room.cast.delegate_a):
        for kind in digests.KINDS:
            _subject, text, html = _render(room, user, kind)
            html_links = {href.replace("&amp;", "&") for href in HREF.findall(html)}
            text_links = set(URL.findall(text))
            assert html_links == text_links, (user, kind, html_links ^ text_links)
            assert "<a " not in text and "</" not in text  # no markup in the text part


def test_long_lists_stop_with_and_n_more_linking_to_the_filtered_page(room: Room) -> None:
    for number in range(LIST_LIMIT + 3):
        make_position(
            organisation=room.cast.org_b,
            chapter=room.chapter,
            round=room.round,
            title=f"Línea roja número {number}",
            priority=Priority.RED_LINE,
        )
    User.objects.filter(pk=room.cast.official_of_chapter.pk).update(language="en")
    _subject, text, html = _render(room, room.cast.official_of_chapter)
    total = LIST_LIMIT + 4  # A's red line too
    assert len(re.findall(r"Línea roja número \d+|Acumulación regional", html)) == LIST_LIMIT
    more = f"{settings.SITE_URL}/triage/?round={room.round.pk}&red_line=1"
    assert f"… and {total - LIST_LIMIT} more: {more}" in text
    assert f'<a href="{more.replace("&", "&amp;")}"' in re.sub(r' style="[^"]*"', "", html)


def test_the_recipient_reads_their_language_round_label_and_time_zone(room: Room) -> None:
    room.round.label_en = "Fourth Round, Washington"
    room.round.submission_deadline = dt.datetime(2026, 12, 13, 23, 0, tzinfo=dt.UTC)
    room.round.save()
    User.objects.filter(pk=room.cast.delegate_a.pk).update(language="en", time_zone="America/Toronto")
    User.objects.filter(pk=room.cast.delegate_b.pk).update(language="es", time_zone="America/Mexico_City")
    subject, text, html = _render(room, room.cast.delegate_a)
    assert subject == "[Cuarto de Junto] Before Fourth Round, Washington"
    assert "Fourth Round, Washington starts on" in text and "Cuarta Ronda Washington" not in text
    assert "Dec. 13, 2026, 6 p.m. EST" in text and "6 p.m. EST" in html
    assert 'lang="en"' in html and "Your organisation's positions for this round" in html
    subject, text, html = _render(room, room.cast.delegate_b)
    assert subject.startswith("[Cuarto de Junto] Resumen previo a la ronda: Cuarta Ronda Washington")
    assert "Fourth Round" not in text
    assert "17:00 CST" in text
    assert 'lang="es"' in html


def test_the_html_is_one_column_with_inline_styles_and_no_style_sheet(room: Room) -> None:
    _subject, _text, html = _render(room, room.cast.official_of_chapter)
    assert "<link" not in html
    assert re.search(r'class="dg-frame"[^>]*style="[^"]*max-width: 600px', html)
    assert re.search(r'<a class="dg-item-title" href="[^"]+" style="[^"]*font-weight: bold', html)
    assert 'role="presentation"' in html
