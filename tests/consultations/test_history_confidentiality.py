"""Confidentiality through history: a reader sees only what they could see when it was written.

A canary sentence is filed *government only*; an amendment drops it and shares the position with the room. The
canary must never reach a delegate of another organisation (a room reader) through any history surface: "Last
change" on the position page, the revisions page, the diffs, digests and e-mails. The organisation itself, its
co-signers and the officials of the chapter still read the whole record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consultations.models import Confidentiality, CoSignature, Position, PositionStatus, Round, User
from consultations.selectors.positions import (
    revision_last_change,
    revision_list_visible_to,
    revision_list_with_diffs,
)
from consultations.services import cosignatures as cosignature_services
from consultations.services import digests as digest_services
from consultations.services import positions as position_services
from consultations.services import triage as triage_services
from consultations.services.briefings import briefing_post
from tests import factories
from tests.conftest import Cast
from tests.consultations.services.helpers import filed

pytestmark = pytest.mark.django_db

CANARY = "CANARIO-SOLO-GOBIERNO-4411"
PUBLIC = "Mantener el valor de contenido regional en 75 %."


@dataclass
class History:
    position: Position
    cosigner: User  # a delegate of organisation C, invited to co-sign while the position was government only


def _amend(position: Position, by: User, **data) -> Position:
    return position_services.position_amend(by=by, position=position, data=data, reason="Compartir con el cuarto")


@pytest.fixture
def gov_then_shared(cast: Cast, chapter, open_round) -> History:
    """Revision 1 government only with the canary; revision 2 drops it and shares the position with the room."""
    position = filed(
        organisation=cast.org_a,
        by=cast.delegate_a,
        chapter=chapter,
        round=open_round,
        title=f"Autopartes {CANARY}",
        summary=f"{PUBLIC}\n{CANARY} es nuestra verdadera línea roja.",
        body=f"Texto completo.\n{CANARY}",
        confidentiality=Confidentiality.GOVERNMENT,
    )
    org_c = factories.OrganisationFactory(name="Cámara Ficticia C", acronym="CFC")
    cosigner = factories.MembershipFactory(organisation=org_c).user
    cosignature_services.cosignature_invite(by=cast.delegate_a, position=position, organisation=org_c)
    position = _amend(
        position,
        cast.delegate_a,
        title="Autopartes",
        summary=PUBLIC,
        body="Texto completo.",
        confidentiality=Confidentiality.ROOM,
    )
    return History(position=position, cosigner=cosigner)


@pytest.fixture
def shared_secret_shared(cast: Cast, chapter, open_round) -> Position:
    """Revision 1 shared with the room, revision 2 back to government only with the canary added, revision 3
    shared again without it: the room's diff goes from 1 to 3."""
    position = filed(
        organisation=cast.org_a,
        by=cast.delegate_a,
        chapter=chapter,
        round=open_round,
        title="Autopartes",
        summary=PUBLIC,
        confidentiality=Confidentiality.ROOM,
    )
    position = _amend(
        position, cast.delegate_a, summary=f"{PUBLIC}\n{CANARY}", confidentiality=Confidentiality.GOVERNMENT
    )
    return _amend(position, cast.delegate_a, summary=f"{PUBLIC}\nAcumulación regional.", confidentiality="room")


def page(user: User, name: str, position: Position) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse(f"consultations:{name}", args=[position.pk]))
    assert response.status_code == 200
    return response.content.decode()


# Last change on the position page ----------------------------------------------------------------------------


def test_room_reader_never_reads_the_government_only_sentence_in_last_change(cast, gov_then_shared):
    html = page(cast.delegate_b, "position_detail", gov_then_shared.position)

    assert PUBLIC in html  # the shared text is there
    assert CANARY not in html
    assert 'id="last-change"' not in html  # the first revision the room may see has nothing to compare with


def test_author_reads_the_dropped_sentence_in_last_change(cast, gov_then_shared):
    html = page(cast.delegate_a, "position_detail", gov_then_shared.position)

    assert 'id="last-change"' in html
    assert CANARY in html


def test_last_change_for_the_room_compares_with_the_previous_revision_shared_with_the_room(cast, shared_secret_shared):
    html = page(cast.delegate_b, "position_detail", shared_secret_shared)

    assert 'id="last-change"' in html
    assert "Acumulación regional." in html
    assert CANARY not in html
    entry = revision_last_change(user=cast.delegate_b, position=shared_secret_shared)
    assert (entry.previous.number, entry.revision.number) == (1, 3)
    assert entry.skips_revisions


# The revisions page --------------------------------------------------------------------------------------------


def test_room_reader_sees_only_revisions_shared_with_the_room_on_the_revisions_page(cast, gov_then_shared):
    html = page(cast.delegate_b, "position_revisions", gov_then_shared.position)

    assert CANARY not in html
    assert 'id="revision-2"' in html
    assert 'id="revision-1"' not in html
    assert "Compartir con el cuarto" in html  # the reason given when it was shared


@pytest.mark.parametrize("reader", ["delegate_a", "coordinator_a", "official_of_chapter", "coordinator", "admin"])
def test_the_organisation_and_the_government_read_every_revision(cast, gov_then_shared, reader):
    html = page(getattr(cast, reader), "position_revisions", gov_then_shared.position)

    assert 'id="revision-1"' in html and 'id="revision-2"' in html
    assert CANARY in html


def test_an_invited_cosigner_reads_every_revision_as_it_reads_the_position(gov_then_shared):
    """Co-signers (invited or accepted) read the position whatever its confidentiality: its history too."""
    html = page(gov_then_shared.cosigner, "position_revisions", gov_then_shared.position)

    assert CANARY in html


def test_a_declined_cosigner_is_a_room_reader_again(gov_then_shared):
    cosignature = CoSignature.objects.get(position=gov_then_shared.position)
    cosignature_services.cosignature_respond(by=gov_then_shared.cosigner, cosignature=cosignature, accept=False)

    html = page(gov_then_shared.cosigner, "position_revisions", gov_then_shared.position)

    assert CANARY not in html


def test_official_of_another_chapter_gets_404_for_the_history(cast, gov_then_shared):
    client = Client()
    client.force_login(cast.official_of_other_chapter)
    url = reverse("consultations:position_revisions", args=[gov_then_shared.position.pk])
    assert client.get(url).status_code == 404


def test_room_reader_loses_the_history_when_the_position_goes_back_to_government_only(cast, gov_then_shared):
    _amend(gov_then_shared.position, cast.delegate_a, confidentiality=Confidentiality.GOVERNMENT)

    assert not revision_list_visible_to(user=cast.delegate_b, position=gov_then_shared.position).exists()
    client = Client()
    client.force_login(cast.delegate_b)
    url = reverse("consultations:position_revisions", args=[gov_then_shared.position.pk])
    assert client.get(url).status_code == 404


# Diffs ---------------------------------------------------------------------------------------------------------


def test_room_diffs_are_between_revisions_shared_with_the_room_only(cast, shared_secret_shared):
    entries = revision_list_with_diffs(user=cast.delegate_b, position=shared_secret_shared)

    assert [(e.revision.number, e.previous.number if e.previous else None) for e in entries] == [(3, 1), (1, None)]
    lines = [text for entry in entries for diff in entry.diff for _, text in diff.lines]
    assert "Acumulación regional." in lines
    assert not any(CANARY in line for line in lines)
    html = page(cast.delegate_b, "position_revisions", shared_secret_shared)
    assert CANARY not in html
    assert 'id="revision-2"' not in html


def test_author_diffs_cover_every_revision_and_show_the_canary(cast, shared_secret_shared):
    entries = revision_list_with_diffs(user=cast.delegate_a, position=shared_secret_shared)

    assert [(e.revision.number, e.previous.number if e.previous else None) for e in entries] == [
        (3, 2),
        (2, 1),
        (1, None),
    ]
    assert ("+", CANARY) in entries[1].diff[0].lines
    assert ("-", CANARY) in entries[0].diff[0].lines


def test_room_reader_content_of_every_visible_revision_is_free_of_the_canary(cast, gov_then_shared):
    for position in (gov_then_shared.position,):
        revisions = revision_list_visible_to(user=cast.delegate_b, position=position)
        assert [r.number for r in revisions] == [2]
        assert CANARY not in str(revisions[0].content)


def test_revision_list_costs_one_query_whatever_the_history_length(cast, gov_then_shared, django_assert_num_queries):
    for number in range(5):
        _amend(gov_then_shared.position, cast.delegate_a, body=f"Versión {number}")
    reader = User.objects.get(pk=cast.delegate_b.pk)
    reader._organisation_ids = frozenset([cast.org_b.pk])  # roles come from the request's user cache
    reader._official_profile_cache = None
    reader._official_chapter_ids = frozenset()

    with django_assert_num_queries(1):
        entries = revision_list_with_diffs(user=reader, position=gov_then_shared.position)
    assert len(entries) == 6


# Digests and e-mails -------------------------------------------------------------------------------------------


def _mail_text(message) -> str:
    parts = [message.subject, message.body]
    parts += [content for content, _ in getattr(message, "alternatives", [])]
    return "\n".join(str(part) for part in parts)


def test_digests_and_emails_never_carry_the_government_only_sentence_to_the_room(
    cast, chapter, open_round, eager_celery, mailoutbox, django_capture_on_commit_callbacks
):
    """Everything that e-mails, before and after the amendment: a status change while government only, the
    co-sign invitation, status changes after sharing, a briefing to the room, the digests before and after the
    round. The canary reaches the organisation (its own history) and never organisation B."""
    cast.org_b.followed_chapters.add(chapter)
    factories.PositionFactory(organisation=cast.org_b, chapter=chapter, round=open_round)  # B is in the room
    position = filed(
        organisation=cast.org_a,
        by=cast.delegate_a,
        chapter=chapter,
        round=open_round,
        title=f"Autopartes {CANARY}",
        summary=f"{PUBLIC}\n{CANARY}",
        confidentiality=Confidentiality.GOVERNMENT,
    )
    with django_capture_on_commit_callbacks(execute=True):
        triage_services.position_set_status(
            by=cast.official_of_chapter, position=position, status=PositionStatus.IN_REVIEW
        )
    position = _amend(
        Position.objects.get(pk=position.pk),
        cast.delegate_a,
        title="Autopartes",
        summary=PUBLIC,
        confidentiality=Confidentiality.ROOM,
    )
    negotiator = factories.official(chapters=[chapter], negotiator=True)
    Round.objects.filter(pk=open_round.pk).update(digest_at=timezone.now() - dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        triage_services.position_set_status(
            by=cast.official_of_chapter,
            position=Position.objects.get(pk=position.pk),
            status=PositionStatus.NOTED,
            response="Tomamos nota.",
        )
        briefing_post(
            by=negotiator, chapter=chapter, round=open_round, title="Lectura de la sesión", body_markdown="Hoy."
        )
        digest_services.digests_dispatch_due()

    to_b = [m for m in mailoutbox if cast.delegate_b.email in m.to]
    to_a = [m for m in mailoutbox if cast.delegate_a.email in m.to]
    assert {"digest", "briefing"} <= {_kind(m) for m in to_b}, [m.subject for m in to_b]
    assert to_a
    for message in to_b:
        assert CANARY not in _mail_text(message)
    # The organisation heard about its own position while it carried the canary.
    assert any(CANARY in _mail_text(message) for message in to_a)
    # The debrief and the preview page, rendered for every recipient of the round.
    for user in digest_services.digest_recipients(round=open_round):
        for kind in digest_services.KINDS:
            subject, text, html = digest_services.render_digest(round=open_round, user=user, kind=kind)
            if user.pk == cast.delegate_b.pk:
                assert CANARY not in subject + text + html
    client = Client()
    client.force_login(cast.delegate_b)
    preview = client.get(reverse("consultations:digest_preview", args=[open_round.pk]))
    assert preview.status_code == 200
    assert CANARY not in preview.content.decode()
    assert mail.outbox is mailoutbox


def _kind(message) -> str:
    """What an e-mail is, from its Spanish subject (every user of the cast reads Spanish)."""
    subject = message.subject
    if "informe de sesión" in subject:
        return "briefing"
    if "Resumen previo" in subject:
        return "digest"
    return subject
