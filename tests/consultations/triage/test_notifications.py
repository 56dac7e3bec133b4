"""The organisation hears about status changes and responses: after commit, once, in each member's language."""

from __future__ import annotations

from collections import Counter
from smtplib import SMTPException
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from consultations import tasks
from consultations.models import CoSignature, Delivery, Membership, Position, PositionStatus, TriageEvent, User
from consultations.services import deliveries, notifications, triage
from tests import factories
from tests.conftest import Cast

pytestmark = pytest.mark.django_db

S = PositionStatus
RESPONSE = "Agradecemos su aportación; no se incluirá en la propuesta de México."


@pytest.fixture
def in_review(cast: Cast, position: Position) -> Position:
    triage.position_set_status(by=cast.official_of_chapter, position=position, status=S.IN_REVIEW)
    mail.outbox.clear()
    return position


def _cosign(position: Position, organisation: Any, status: str, by: User) -> None:
    CoSignature.objects.create(
        position=position,
        organisation=organisation,
        invited_by=by,
        status=status,
        responded_at=None if status == CoSignature.Status.PENDING else position.filed_at,
    )


def _by_recipient(outbox: list[Any]) -> dict[str, Any]:
    assert all(len(message.to) == 1 for message in outbox), "one e-mail per person, nobody sees the others"
    return {message.to[0]: message for message in outbox}


def test_status_change_with_response_mails_each_member_once_after_commit(
    cast: Cast, in_review: Position, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    _cosign(in_review, cast.org_b, CoSignature.Status.ACCEPTED, cast.delegate_a)
    pending_org = factories.OrganisationFactory()
    pending_member = factories.MembershipFactory(organisation=pending_org).user
    _cosign(in_review, pending_org, CoSignature.Status.PENDING, cast.delegate_a)
    gone = factories.MembershipFactory(organisation=cast.org_a).user
    User.objects.filter(pk=gone.pk).update(is_active=False)

    with django_capture_on_commit_callbacks() as callbacks:
        triage.position_set_status(
            by=cast.official_of_chapter, position=in_review, status=S.DECLINED, response=RESPONSE
        )
    assert len(callbacks) == 1
    assert mailoutbox == []  # nothing leaves before the commit
    callbacks[0]()

    sent = _by_recipient(mailoutbox)
    assert set(sent) == {cast.delegate_a.email, cast.coordinator_a.email, cast.delegate_b.email}
    assert pending_member.email not in sent and gone.email not in sent
    for message in sent.values():
        assert in_review.title in message.subject
        assert RESPONSE in message.body
        html = message.alternatives[0].content
        assert "Agradecemos su aportación" in html
        assert f"/positions/{in_review.pk}/" in message.body
    assert TriageEvent.objects.get(to_status=S.DECLINED).notified_at is not None


def test_each_member_reads_the_mail_in_their_language(
    cast: Cast, in_review: Position, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    User.objects.filter(pk=cast.delegate_a.pk).update(language="en")

    with django_capture_on_commit_callbacks(execute=True):
        triage.position_set_status(
            by=cast.official_of_chapter, position=in_review, status=S.DECLINED, response=RESPONSE
        )

    sent = _by_recipient(mailoutbox)
    english, spanish = sent[cast.delegate_a.email], sent[cast.coordinator_a.email]
    assert "Declined" in english.subject and "Rechazada" not in english.subject
    assert "Rechazada" in spanish.subject and "Declined" not in spanish.subject
    assert "Status:" in english.body and "Estado:" in spanish.body
    for message in (english, spanish):
        assert in_review.title in message.subject and RESPONSE in message.body


def test_notifying_the_same_event_twice_sends_once(
    cast: Cast, in_review: Position, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    with django_capture_on_commit_callbacks():
        triage.position_set_status(by=cast.official_of_chapter, position=in_review, status=S.NOTED, response=RESPONSE)
    event = TriageEvent.objects.get(to_status=S.NOTED)

    first = notifications.position_update_notify(event_id=event.pk)
    second = notifications.position_update_notify(event_id=event.pk)
    third = tasks.position_update_notify.delay(event.pk).get()

    assert (first, second, third) == (2, 0, 0)
    assert len(mailoutbox) == 2


def test_unknown_event_sends_nothing(mailoutbox: list[Any]) -> None:
    assert notifications.position_update_notify(event_id=987654) == 0
    assert mailoutbox == []


def test_rewritten_response_is_notified(
    cast: Cast, in_review: Position, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    triage.position_set_status(by=cast.official_of_chapter, position=in_review, status=S.NOTED, response="Primera.")

    with django_capture_on_commit_callbacks(execute=True):
        triage.position_respond(by=cast.official_of_chapter, position=in_review, response="Respuesta corregida.")

    assert len(mailoutbox) == 2
    assert all("Respuesta corregida." in message.body for message in mailoutbox)


def test_assignment_note_and_tag_send_nothing(
    cast: Cast, in_review: Position, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    official = cast.official_of_chapter

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        triage.position_assign(by=official, position=in_review, assignee=official)
        triage.position_note_add(by=official, position=in_review, body="Revisar con la mesa.")
        triage.position_tag(by=official, position=in_review, tag="autopartes")
        triage.position_assign(by=official, position=in_review, assignee=None)

    assert callbacks == []
    assert mailoutbox == []
    assert not TriageEvent.objects.filter(position=in_review, notified_at__isnull=False).exists()


def test_organisation_without_members_gets_no_mail_but_the_event_is_marked(
    cast: Cast, in_review: Position, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    Membership.objects.filter(organisation=cast.org_a).delete()

    with django_capture_on_commit_callbacks(execute=True):
        triage.position_set_status(by=cast.official_of_chapter, position=in_review, status=S.NOTED, response=RESPONSE)

    assert mailoutbox == []
    assert TriageEvent.objects.get(to_status=S.NOTED).notified_at is not None


def test_spanish_member_reads_no_english_sentence(
    cast: Cast, in_review: Position, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        triage.position_set_status(
            by=cast.official_of_chapter, position=in_review, status=S.DECLINED, response=RESPONSE
        )

    spanish = _by_recipient(mailoutbox)[cast.coordinator_a.email]
    for english in ("Hello", "There is news on the position", "Official response", "Open the position"):
        assert english not in spanish.body


def test_title_is_escaped_in_html_only(
    cast: Cast, in_review: Position, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    Position.objects.filter(pk=in_review.pk).update(title="Autos & <b>partes</b>")

    with django_capture_on_commit_callbacks(execute=True):
        triage.position_set_status(by=cast.official_of_chapter, position=in_review, status=S.NOTED, response="A & B")

    message = mailoutbox[0]
    assert "Autos & <b>partes</b>" in message.subject
    assert "Autos & <b>partes</b>" in message.body and "A & B" in message.body
    html = message.alternatives[0].content
    assert "Autos &amp; &lt;b&gt;partes&lt;/b&gt;" in html and "<b>partes" not in html


def test_html_mail_declares_the_readers_language(
    cast: Cast, in_review: Position, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    User.objects.filter(pk=cast.delegate_a.pk).update(language="en")

    with django_capture_on_commit_callbacks(execute=True):
        triage.position_set_status(by=cast.official_of_chapter, position=in_review, status=S.NOTED, response=RESPONSE)

    sent = _by_recipient(mailoutbox)
    assert '<html lang="es">' in sent[cast.coordinator_a.email].alternatives[0].content
    assert '<html lang="en">' in sent[cast.delegate_a.email].alternatives[0].content


def test_a_retry_after_a_failure_halfway_mails_nobody_twice(
    cast: Cast,
    in_review: Position,
    django_capture_on_commit_callbacks: Any,
    mailoutbox: list[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with django_capture_on_commit_callbacks():
        triage.position_set_status(by=cast.official_of_chapter, position=in_review, status=S.NOTED, response=RESPONSE)
    event = TriageEvent.objects.get(to_status=S.NOTED)
    send = EmailMultiAlternatives.send
    calls = Counter[str]()

    def flaky(self: EmailMultiAlternatives, fail_silently: bool = False) -> int:
        calls["send"] += 1
        if calls["send"] == 2:
            raise SMTPException("421 Service not available, try again later")
        return send(self, fail_silently)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky)
    notifications.position_update_notify(event_id=event.pk)  # the failure is recorded, not raised
    assert sorted(Delivery.objects.values_list("status", flat=True)) == ["pending", "sent"]
    notifications.position_update_notify(event_id=event.pk)  # a redelivered task: no second first attempt
    assert len(mailoutbox) == 1
    retry = Delivery.objects.get(status="pending")
    deliveries.delivery_send(delivery_id=retry.pk, attempt=retry.attempts)  # the reconciler's retry, when due

    received = Counter(message.to[0] for message in mailoutbox)
    assert received == {cast.delegate_a.email: 1, cast.coordinator_a.email: 1}


def test_two_quick_changes_send_two_emails_each_with_its_own_status_and_response(
    cast: Cast, in_review: Position, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    """Both changes commit before the worker gets to the first notification: each e-mail shows its own step."""
    official = cast.official_of_chapter
    with django_capture_on_commit_callbacks() as queued:
        triage.position_set_status(by=official, position=in_review, status=S.DECLINED, response="Primera respuesta.")
        triage.position_respond(by=official, position=in_review, response="Respuesta corregida.")
        triage.position_set_status(by=official, position=in_review, status=S.IN_REVIEW)
    for callback in queued:  # the worker runs the three notifications now, after the last change
        callback()
    mine = [m for m in mailoutbox if m.to == [cast.coordinator_a.email]]
    assert len(mine) == 3
    declined, corrected, reopened = (m.body for m in mine)
    assert "Estado: Rechazada" in declined and "Primera respuesta." in declined
    assert "Estado: Rechazada" in corrected and "Respuesta corregida." in corrected
    assert "Estado: En revisión" in reopened and "respuesta" not in reopened.lower().split("estado")[1]
    assert "Rechazada" in mine[0].subject and "En revisión" in mine[2].subject
