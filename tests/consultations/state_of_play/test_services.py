"""Every write of the state of play, its refusals, and the history it leaves."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from consultations import models
from consultations.models import ChapterStatus, OpenIssue
from consultations.selectors import state_of_play as selectors
from consultations.services import state_of_play as services
from consultations.services.errors import VersionRequired
from tests import factories

pytestmark = pytest.mark.django_db
S = ChapterStatus


def test_status_history_keeps_every_step_with_author_round_and_skips(negotiator, chapter, rounds) -> None:
    r1, r2, r3 = rounds
    services.chapter_status_set(chapter=chapter, round=r1, by=negotiator, status=S.IN_NEGOTIATION, note="Arranque")
    services.chapter_status_set(chapter=chapter, round=r2, by=negotiator, status=S.CLOSED_AD_REFERENDUM)
    services.chapter_status_set(chapter=chapter, round=r3, by=negotiator, status=S.CLOSED)

    history = selectors.chapter_status_history(chapter=chapter)
    assert [(e.round, e.status, e.previous_status, e.recorded_by) for e in reversed(history)] == [
        (r1, S.IN_NEGOTIATION, "", negotiator),
        (r2, S.CLOSED_AD_REFERENDUM, S.IN_NEGOTIATION, negotiator),
        (r3, S.CLOSED, S.CLOSED_AD_REFERENDUM, negotiator),
    ]
    # In negotiation → closed ad referendum skips "advanced": allowed, and recorded.
    assert [e.skipped for e in reversed(history)] == [[], [S.ADVANCED], []]
    assert history[-1].note == "Arranque"
    assert models.AuditEvent.objects.filter(action="chapter_status_set").count() == 3


def test_reopening_a_closed_chapter_needs_a_reason(negotiator, chapter, rounds) -> None:
    r1, r2, _r3 = rounds
    services.chapter_status_set(chapter=chapter, round=r1, by=negotiator, status=S.CLOSED)
    with pytest.raises(ValidationError) as refused:
        services.chapter_status_set(chapter=chapter, round=r2, by=negotiator, status=S.ADVANCED, reason="  ")
    assert "reason" in refused.value.error_dict
    assert models.ChapterStatusEntry.objects.count() == 1

    entry = services.chapter_status_set(
        chapter=chapter, round=r2, by=negotiator, status=S.ADVANCED, reason="EE. UU. reabrió el anexo."
    )
    assert (entry.previous_status, entry.reason) == (S.CLOSED, "EE. UU. reabrió el anexo.")
    # Moving between the two closed states is no reopening.
    services.chapter_status_set(chapter=chapter, round=r2, by=negotiator, status=S.CLOSED_AD_REFERENDUM)
    services.chapter_status_set(chapter=chapter, round=r2, by=negotiator, status=S.CLOSED)


def test_status_refusals_change_nothing(negotiator, chapter, rounds) -> None:
    r1, r2, _r3 = rounds
    services.chapter_status_set(chapter=chapter, round=r2, by=negotiator, status=S.ADVANCED)
    cases = [
        ({"round": r1, "status": S.CLOSED}, "round"),  # history is written forward
        ({"round": r2, "status": S.ADVANCED}, "status"),  # already so in this round
        ({"round": r2, "status": "bogus"}, "status"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as refused:
            services.chapter_status_set(chapter=chapter, by=negotiator, **kwargs)
        assert field in refused.value.error_dict, kwargs
    milestone = factories.RoundFactory(
        kind=models.Round.Kind.MILESTONE, input_opens_at=None, submission_deadline=None, digest_at=None
    )
    with pytest.raises(ValidationError):
        services.chapter_status_set(chapter=chapter, round=milestone, by=negotiator, status=S.CLOSED)
    assert models.ChapterStatusEntry.objects.count() == 1


def test_only_negotiators_of_the_chapter_and_the_coordinator_record(chapter, other_chapter, rounds, cast) -> None:
    r1 = rounds[0]
    other_negotiator = factories.official(chapters=[other_chapter], negotiator=True)
    for user in (cast.official_of_chapter, other_negotiator, cast.delegate_a, cast.coordinator_a, cast.admin):
        with pytest.raises(PermissionDenied):
            services.chapter_status_set(chapter=chapter, round=r1, by=user, status=S.ADVANCED)
        with pytest.raises(PermissionDenied):
            services.open_issue_create(chapter=chapter, round=r1, by=user, text="X", parties=["US"])
    assert not models.ChapterStatusEntry.objects.exists()
    assert not OpenIssue.objects.exists()
    services.chapter_status_set(chapter=chapter, round=r1, by=cast.coordinator, status=S.ADVANCED)


def test_sharing_the_status_line_appends_and_carries_over(negotiator, chapter, rounds) -> None:
    r1, r2, _r3 = rounds
    with pytest.raises(ValidationError):
        services.chapter_status_share(chapter=chapter, by=negotiator, shared=True)  # nothing recorded yet
    services.chapter_status_set(chapter=chapter, round=r1, by=negotiator, status=S.IN_NEGOTIATION)
    assert selectors.chapter_shared_status_lines() == {}
    with pytest.raises(ValidationError):
        services.chapter_status_share(chapter=chapter, by=negotiator, shared=False)  # not shared
    services.chapter_status_share(chapter=chapter, by=negotiator, shared=True)
    with pytest.raises(ValidationError):
        services.chapter_status_share(chapter=chapter, by=negotiator, shared=True)
    assert selectors.chapter_shared_status_lines()[chapter.pk].status == S.IN_NEGOTIATION
    # A later status keeps the line shared: the room sees the new status.
    services.chapter_status_set(chapter=chapter, round=r2, by=negotiator, status=S.CLOSED_AD_REFERENDUM)
    assert selectors.chapter_shared_status_lines()[chapter.pk].status == S.CLOSED_AD_REFERENDUM
    services.chapter_status_share(chapter=chapter, by=negotiator, shared=False)
    assert selectors.chapter_shared_status_lines() == {}
    changes = [e.change for e in reversed(selectors.chapter_status_history(chapter=chapter))]
    assert changes == ["status", "shared", "status", "unshared"]


def test_history_rows_cannot_be_updated_or_deleted(negotiator, chapter, rounds) -> None:
    entry = services.chapter_status_set(chapter=chapter, round=rounds[0], by=negotiator, status=S.ADVANCED)
    issue = services.open_issue_create(chapter=chapter, round=rounds[0], by=negotiator, text="VCR", parties=["US"])
    for sql, pk in (
        ("UPDATE consultations_chapterstatusentry SET status = 'closed' WHERE id = %s", entry.pk),
        ("DELETE FROM consultations_chapterstatusentry WHERE id = %s", entry.pk),
        ("UPDATE consultations_openissuechange SET text = 'x' WHERE issue_id = %s", issue.pk),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [pk])


def _red_line(chapter, round) -> models.Position:
    return factories.PositionFactory(
        chapter=chapter,
        round=round,
        status=models.PositionStatus.SUBMITTED,
        filed_at=round.starts_at,
        priority=models.Priority.RED_LINE,
        is_red_flag=True,
    )


def test_open_issue_history_records_every_change(negotiator, chapter, rounds) -> None:
    r1, r2, r3 = rounds
    red = _red_line(chapter, r1)
    issue = services.open_issue_create(
        chapter=chapter,
        round=r1,
        by=negotiator,
        text="Valor de contenido regional\n75 % vs 85 %",
        parties=["US", "MX"],
        note="EE. UU. pide 85 %.",
        format=models.Round.Format.MX_US,
        positions=[red],
    )
    assert (issue.text, issue.parties, issue.version) == ("Valor de contenido regional 75 % vs 85 %", ["MX", "US"], 1)
    issue = services.open_issue_update(
        issue=issue,
        by=negotiator,
        version=1,
        round=r2,
        text=issue.text,
        parties=["MX", "US", "CA"],
        note="Canadá se suma.",
        format=models.Round.Format.TRILATERAL,
        positions=[red],
    )
    issue = services.open_issue_set_status(
        issue=issue, by=negotiator, version=2, status=OpenIssue.Status.CONVERGING, round=r3
    )
    issue = services.open_issue_set_status(issue=issue, by=negotiator, version=3, status=OpenIssue.Status.RESOLVED)
    changes = list(issue.changes.order_by("version"))
    assert [(c.version, c.action, c.round, c.status, c.previous_status) for c in changes] == [
        (1, "created", r1, "open", ""),
        (2, "edited", r2, "open", ""),
        (3, "status", r3, "converging", "open"),
        (4, "status", r3, "resolved", "converging"),
    ]
    assert [c.parties for c in changes] == [["MX", "US"], ["MX", "US", "CA"], ["MX", "US", "CA"], ["MX", "US", "CA"]]
    assert [c.note for c in changes][:2] == ["EE. UU. pide 85 %.", "Canadá se suma."]
    assert all(c.position_ids == [red.pk] for c in changes)
    assert changes[0].format == "mx_us"


def test_second_saver_of_an_issue_gets_a_conflict_and_nothing_changes(negotiator, chapter, rounds, cast) -> None:
    issue = services.open_issue_create(chapter=chapter, round=rounds[0], by=negotiator, text="Cupos", parties=["CA"])
    services.open_issue_update(
        issue=issue, by=negotiator, version=1, round=rounds[0], text="Cupos de lácteos", parties=["CA"]
    )
    with pytest.raises(services.IssueConflict) as conflict:
        services.open_issue_update(
            issue=issue, by=cast.coordinator, version=1, round=rounds[0], text="Cupos de azúcar", parties=["US"]
        )
    assert conflict.value.current.text == "Cupos de lácteos"
    assert str(negotiator) in conflict.value.messages[0]
    with pytest.raises(services.IssueConflict):
        services.open_issue_set_status(issue=issue, by=cast.coordinator, version=1, status="dropped")
    with pytest.raises(VersionRequired):
        services.open_issue_set_status(issue=issue, by=cast.coordinator, version=None, status="dropped")
    issue.refresh_from_db()
    assert (issue.text, issue.status, issue.version, issue.changes.count()) == ("Cupos de lácteos", "open", 2, 2)


def test_open_issue_bad_input_is_refused_with_field_messages(negotiator, chapter, other_chapter, rounds) -> None:
    r1 = rounds[0]
    elsewhere = _red_line(other_chapter, r1)
    draft = factories.PositionFactory(chapter=chapter, round=r1)
    cases = [
        ({"text": "   ", "parties": ["US"]}, "text"),
        ({"text": "x" * 301, "parties": ["US"]}, "text"),
        ({"text": "Cupos", "parties": []}, "parties"),
        ({"text": "Cupos", "parties": ["FR"]}, "parties"),
        ({"text": "Cupos", "parties": ["US"], "format": "mx_fr"}, "format"),
        ({"text": "Cupos", "parties": ["US"], "positions": [elsewhere]}, "positions"),
        ({"text": "Cupos", "parties": ["US"], "positions": [draft]}, "positions"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as refused:
            services.open_issue_create(chapter=chapter, round=r1, by=negotiator, **kwargs)
        assert field in refused.value.error_dict, kwargs
    issue = services.open_issue_create(chapter=chapter, round=r1, by=negotiator, text="Cupos", parties=["US"])
    with pytest.raises(ValidationError, match="Nothing was changed|No se cambió"):
        services.open_issue_update(issue=issue, by=negotiator, version=1, round=r1, text="Cupos", parties=["US"])
    with pytest.raises(ValidationError):
        services.open_issue_set_status(issue=issue, by=negotiator, version=1, status="open")
    with pytest.raises(ValidationError):
        services.open_issue_set_status(issue=issue, by=negotiator, version=1, status="bogus")
    assert OpenIssue.objects.count() == 1
    assert models.OpenIssueChange.objects.count() == 1


def test_briefings_record_their_format(chapter, rounds, negotiator) -> None:
    from consultations.services import briefings

    bilateral = factories.RoundFactory(format=models.Round.Format.MX_CA)
    briefing = briefings.briefing_post(
        by=negotiator, chapter=chapter, round=bilateral, title="Lectura", body_markdown="Texto"
    )
    assert briefing.format == "mx_ca"  # the round's, by default
    briefing = briefings.briefing_post(
        by=negotiator, chapter=chapter, round=bilateral, title="Lectura", body_markdown="Texto", format="mx_us"
    )
    assert briefing.format == "mx_us"
    briefing = briefings.briefing_update(
        by=negotiator, briefing=briefing, title="Lectura", body_markdown="Texto", format="trilateral"
    )
    briefing.refresh_from_db()
    assert briefing.format == "trilateral"
    with pytest.raises(ValidationError):
        briefings.briefing_post(
            by=negotiator, chapter=chapter, round=bilateral, title="Lectura", body_markdown="Texto", format="mx_fr"
        )
