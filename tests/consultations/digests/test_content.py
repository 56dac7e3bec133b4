"""What each digest says: multipart, in the recipient's language, links back, and only what the recipient may see."""

from __future__ import annotations

from typing import Any

import polib
import pytest
from django.conf import settings

from consultations.models import User
from consultations.services import digests
from tests.consultations.digests.conftest import AGENDA, SECRET, SECRET_NOTE, Room, by_recipient, full_text

pytestmark = pytest.mark.django_db

# The words of the subject line, per language (the round label itself is not translated).
SUBJECT_WORDS = {"en": "Before", "es": "Resumen previo a la ronda"}
DIGEST_MSGIDS = (
    "Before %(round)s",
    "Debrief: %(round)s",
    "Agenda",
    "Your organisation's positions for this round",
    "Your positions",
    "Opposing stances",
    "Red lines",
    "Triage queue",
)


@pytest.fixture
def sent(room: Room, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]) -> dict[str, Any]:
    """Everyone's digest, read in English (the Spanish wording is checked against the catalogue separately)."""
    User.objects.update(language="en")
    with django_capture_on_commit_callbacks(execute=True):
        digests.digests_dispatch_due()
    return by_recipient(mailoutbox)


def test_every_digest_is_multipart_text_and_html_with_links_back(room: Room, sent: dict[str, Any]) -> None:
    assert set(sent) == room.recipients
    for address, message in sent.items():
        assert message.body.strip(), address
        assert [alternative.mimetype for alternative in message.alternatives] == ["text/html"], address
        html = message.alternatives[0].content
        assert html.lstrip().startswith("<!DOCTYPE html>")
        assert "{%" not in message.body and "{{" not in message.body and "{{" not in html
        assert room.round.label in message.subject
        assert settings.SITE_URL + "/" in message.body, address
        assert f'href="{settings.SITE_URL}/' in html, address
    official = sent[room.cast.official_of_chapter.email]
    assert f"{settings.SITE_URL}/dashboard/{room.round.pk}/" in official.body
    assert f"?round={room.round.pk}" in official.body
    delegate = sent[room.cast.delegate_a.email]
    assert f"{settings.SITE_URL}/positions/?round={room.round.pk}" in delegate.body
    # Every digest links to itself in the app, where it stays current.
    preview = f"{settings.SITE_URL}/rounds/{room.round.pk}/digest/"
    for address, message in sent.items():
        assert preview in message.body, address
        assert f'href="{preview}"' in message.alternatives[0].content, address


def test_an_english_user_reads_english_and_a_spanish_user_spanish_subject_words(
    room: Room, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    User.objects.filter(pk=room.cast.delegate_a.pk).update(language="en")
    User.objects.filter(pk=room.cast.coordinator_a.pk).update(language="es")
    with django_capture_on_commit_callbacks(execute=True):
        digests.digests_dispatch_due()
    sent = by_recipient(mailoutbox)
    english = sent[room.cast.delegate_a.email]
    assert english.subject.startswith("[Cuarto de Junto] Before ")
    assert "Hello " in english.body and "Your organisation's positions for this round" in english.body
    assert 'lang="en"' in english.alternatives[0].content
    spanish = sent[room.cast.coordinator_a.email]
    assert 'lang="es"' in spanish.alternatives[0].content
    assert "Estimado(a) " in spanish.body  # a string the catalogue does translate


def test_the_spanish_catalogue_translates_the_digest() -> None:
    catalogue = polib.pofile(str(settings.BASE_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po"))
    translated = {entry.msgid: entry.msgstr for entry in catalogue if entry.msgstr and not entry.obsolete}
    missing = [msgid for msgid in DIGEST_MSGIDS if msgid not in translated]
    assert missing == [], f"untranslated in Spanish: {missing}"
    assert translated["Before %(round)s"].startswith(SUBJECT_WORDS["es"])


def test_a_spanish_user_gets_a_spanish_subject(
    room: Room, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        digests.digests_dispatch_due()
    spanish = by_recipient(mailoutbox)[room.cast.delegate_b.email]
    assert spanish.subject.startswith(f"[Cuarto de Junto] {SUBJECT_WORDS['es']}"), spanish.subject
    assert "Agenda" in spanish.body  # the same word in both languages
    assert "Your positions" not in spanish.body


def test_an_official_gets_their_chapters_positions_red_lines_untriaged_and_conflicts(
    room: Room, sent: dict[str, Any]
) -> None:
    message = sent[room.cast.official_of_chapter.email]
    text = full_text(message)
    # Chapter 4 only: A's red line, B's position, the inactive organisation's filing.
    assert room.position_a.title in text
    assert room.position_b.title in text
    assert "Posición de una cámara inactiva" in text
    assert room.position_a_other.title not in text and room.position_b_other.title not in text
    assert f"== 4. {room.chapter.title_en} ==" in message.body
    assert room.other_chapter.title_en not in message.body
    # 3 positions filed; untriaged = the one still "submitted"; one red line (A's), open.
    assert "3 positions filed in your chapters" in message.body
    assert "untriaged: 1" in message.body
    assert "red lines: 1" in message.body
    red_lines = message.body.split("== Red lines ==")[1].split("==")[0]
    assert f"- 4. {room.position_a.title}\n  Cámara Ficticia A · In review\n" in red_lines
    # A is defensive and B offensive in chapter 4: a conflict, named by organisation.
    conflicts = message.body.split("== Opposing stances ==")[1]
    assert "Offensive: Cámara Ficticia B (" in conflicts
    assert "Defensive: Cámara Ficticia A, Cámara Inactiva (" in conflicts
    assert AGENDA in message.body
    # Officials never see the organisations' official responses in their digest, nor internal notes.
    assert SECRET_NOTE not in text


def test_the_coordinator_gets_every_chapter(room: Room, sent: dict[str, Any]) -> None:
    text = full_text(sent[room.cast.coordinator.email])
    for position in (room.position_a, room.position_a_other, room.position_b, room.position_b_other):
        assert position.title in text


def test_a_delegate_gets_their_organisations_positions_with_status_response_deadline_and_agenda(
    room: Room, sent: dict[str, Any]
) -> None:
    message = sent[room.cast.delegate_a.email]
    text = full_text(message)
    assert f"- 4. {room.position_a.title}\n  Cámara Ficticia A · In review\n" in message.body
    assert "Official response: Respuesta para la cámara A sobre autopartes." in message.body
    assert f"- 3. {room.position_a_other.title}\n  Submitted · High\n" in message.body
    assert "Submission deadline:" in message.body
    assert "Agenda:\n" + AGENDA in message.body
    assert AGENDA in message.alternatives[0].content
    assert room.position_b_other.title not in text


def test_confidentiality_the_planted_secret_reaches_only_org_b_and_its_chapter(
    room: Room, sent: dict[str, Any]
) -> None:
    """B's government-only title, response and internal note carry a unique string; nobody else may read it."""
    assert room.position_b.confidentiality == "government"
    must_not_see = room.org_a_members | {room.cast.official_of_other_chapter.email}
    for address in must_not_see:
        assert SECRET not in full_text(sent[address]), f"{SECRET} leaked to {address}"
    b_text = full_text(sent[room.cast.delegate_b.email])
    assert room.position_b.title in b_text
    assert room.position_b.official_response in b_text
    # The officials of the chapter and the coordinator may read the title.
    assert room.position_b.title in full_text(sent[room.cast.official_of_chapter.email])
    assert room.position_b.title in full_text(sent[room.cast.coordinator.email])
    for address, message in sent.items():
        assert SECRET_NOTE not in full_text(message), f"an internal note reached {address}"


def test_render_digest_is_what_goes_out(room: Room, sent: dict[str, Any]) -> None:
    user = User.objects.get(pk=room.cast.official_of_chapter.pk)
    subject, text, html = digests.render_digest(round=room.round, user=user, kind=digests.PRE)
    message = sent[user.email]
    assert (subject, text, html) == (message.subject, message.body, message.alternatives[0].content)
