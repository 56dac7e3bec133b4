"""Posting and correcting briefings: who may, what is validated, what is recorded, and safe rendering."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from consultations.models import AuditEvent, Briefing, OutboxMessage
from consultations.services import briefings as briefing_services
from consultations.services.briefings import render_markdown

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


def post(by, chapter, round, **changes):
    data = {"title": "Readout", "body_markdown": "We discussed *steel*."} | changes
    return briefing_services.briefing_post(by=by, chapter=chapter, round=round, **data)


def test_negotiator_of_the_chapter_posts_a_briefing_and_it_is_audited(room, chapter, open_round):
    briefing = post(room.negotiator, chapter, open_round, title="  Martes  ")
    assert briefing.title == "Martes"
    assert briefing.author == room.negotiator
    assert OutboxMessage.objects.filter(
        task="consultations.tasks.briefing_notify", kwargs={"briefing_id": briefing.pk}
    ).exists()
    event = AuditEvent.objects.get(action="briefing.post", target_id=briefing.pk)
    assert event.actor == room.negotiator
    assert event.data["chapter"] == chapter.number


def test_coordinator_posts_a_briefing_for_any_chapter(cast, other_chapter, open_round):
    assert post(cast.coordinator, other_chapter, open_round).pk


@pytest.mark.parametrize(
    "who", ["delegate_a", "official_of_chapter", "official_of_other_chapter", "admin", "negotiator_of_other_chapter"]
)
def test_others_cannot_post_a_briefing(room, cast, chapter, open_round, who):
    user = getattr(room, who, None) or getattr(cast, who)
    count = Briefing.objects.count()
    with pytest.raises(PermissionDenied):
        post(user, chapter, open_round)
    assert Briefing.objects.count() == count


def test_briefing_needs_a_title_and_a_body(room, chapter, open_round):
    with pytest.raises(ValidationError) as error:
        post(room.negotiator, chapter, open_round, title="  ", body_markdown="\n")
    assert set(error.value.error_dict) == {"title", "body_markdown"}


def test_briefing_cannot_be_posted_for_a_cancelled_round(room, chapter, open_round):
    open_round.cancelled_at = timezone.now()
    open_round.save()
    with pytest.raises(ValidationError, match="cancelled"):
        post(room.negotiator, chapter, open_round)


def test_update_records_the_changed_fields_and_refuses_others(room, cast):
    briefing = briefing_services.briefing_update(
        by=room.negotiator, briefing=room.briefing, title=room.briefing.title, body_markdown="Corrected text."
    )
    assert briefing.body_markdown == "Corrected text."
    event = AuditEvent.objects.get(action="briefing.update", target_id=briefing.pk)
    assert event.data == {"fields": ["body_markdown"]}
    with pytest.raises(PermissionDenied):
        briefing_services.briefing_update(
            by=cast.official_of_chapter, briefing=briefing, title="Hijacked", body_markdown="x"
        )
    briefing.refresh_from_db()
    assert briefing.title != "Hijacked"


def test_update_without_changes_records_nothing(room):
    briefing_services.briefing_update(
        by=room.negotiator, briefing=room.briefing, title=room.briefing.title, body_markdown=room.briefing.body_markdown
    )
    assert not AuditEvent.objects.filter(action="briefing.update").exists()


# --- Markdown is rendered safely --------------------------------------------------------------------------------

ATTACKS = [
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "<img src=x onerror=alert(1)>",
    '<a href="https://example.com" onclick="alert(1)">x</a>',
    "[x](JaVaScRiPt:alert(1))",
    '<iframe src="javascript:alert(1)"></iframe>',
    "<svg onload=alert(1)>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<p style="background:url(javascript:alert(1))">styled</p>',
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_markdown_never_renders_anything_executable(attack):
    html = str(render_markdown(f"Intro\n\n{attack}\n\nOutro")).lower()
    for executable in (
        "<script",
        "javascript:",
        "onerror",
        "onclick",
        "onload",
        "<img",
        "<iframe",
        "<svg",
        "style=",
        "data:",
    ):
        assert executable not in html, (attack, html)
    assert "intro" in html and "outro" in html


def test_markdown_keeps_formatting_and_links_get_rel_noopener():
    text = "\n\n".join(
        [
            "# Sesión",
            "**acero** y *aluminio*",
            "- uno\n- dos",
            "[USTR](https://ustr.gov)",
            "| a | b |\n|---|---|\n| 1 | 2 |",
        ]
    )
    html = str(render_markdown(text))
    assert "<h3" in html and "Sesión</h3>" in html  # a heading of the readout sits under the page's h1 and h2
    assert "<strong>acero</strong>" in html and "<em>aluminio</em>" in html
    assert "<li>uno</li>" in html
    assert '<a href="https://ustr.gov" rel="noopener noreferrer">USTR</a>' in html
    assert "<table>" in html and "<td>1</td>" in html


def test_script_text_is_dropped_not_shown(room, chapter, open_round):
    briefing = post(room.negotiator, chapter, open_round, body_markdown="Antes <script>alert('x')</script> después")
    html = str(render_markdown(briefing.body_markdown))
    assert "alert" not in html
    assert "Antes" in html and "después" in html
