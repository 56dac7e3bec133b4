"""Coordinators hear about drafts and amendments awaiting their sign-off: an in-app entry and (per their
preferences) one e-mail each, a count on their landing page linking to the filtered list, and the entry leaves
their unread list once the draft or the amendment is decided."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from consultations.models import Delivery, Membership, Notification, NotificationKind, Position
from consultations.services import notifications as notification_services
from consultations.services.positions import (
    amendment_return,
    amendment_sign_off,
    position_amend,
    position_file,
    position_return_to_draft,
    position_sign_off,
)
from tests import factories
from tests.consultations.services.helpers import draft, filed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]

Channel = notification_services.Channel


@pytest.fixture
def signoff_org(cast):
    cast.org_a.requires_signoff = True
    cast.org_a.save()
    return cast.org_a


@pytest.fixture
def second_coordinator(cast, signoff_org):
    return factories.MembershipFactory(organisation=cast.org_a, role=Membership.Role.COORDINATOR).user


def _send_for_signoff(cast, chapter, open_round, callbacks_capture) -> Position:
    position = draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    with callbacks_capture(execute=True):
        return position_file(by=cast.delegate_a, position=position)


def _propose_amendment(cast, chapter, open_round, callbacks_capture):
    """A position filed before its organisation required sign-off, then amended by a delegate: a proposal."""
    position = filed(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    cast.org_a.requires_signoff = True
    cast.org_a.save()
    with callbacks_capture(execute=True):
        return position_amend(
            by=cast.delegate_a, position=position, data={"title": "Nuevo título"}, expected_version=position.version
        )


def _signoff_entries(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=NotificationKind.SIGNOFF))


def test_a_draft_sent_for_signoff_notifies_and_mails_each_coordinator_once(
    cast, chapter, open_round, signoff_org, second_coordinator, django_capture_on_commit_callbacks, mailoutbox
):
    position = _send_for_signoff(cast, chapter, open_round, django_capture_on_commit_callbacks)

    for coordinator in (cast.coordinator_a, second_coordinator):
        (entry,) = _signoff_entries(coordinator)
        assert entry.read_at is None and entry.title == position.title
        assert entry.url == reverse("consultations:position_detail", args=[position.pk])
    # Neither the delegate who asked nor the other organisation hears about it.
    assert not _signoff_entries(cast.delegate_a) and not _signoff_entries(cast.delegate_b)
    deliveries = Delivery.objects.filter(kind="signoff-request")
    assert sorted(d.recipient_id for d in deliveries) == sorted([cast.coordinator_a.pk, second_coordinator.pk])
    assert {d.status for d in deliveries} == {Delivery.Status.SENT}
    assert sorted(m.to[0] for m in mailoutbox) == sorted([cast.coordinator_a.email, second_coordinator.email])
    message = mailoutbox[0]
    assert position.title in message.body and f"/positions/{position.pk}/" in message.body

    # The task run again (a redelivered message) adds and sends nothing.
    notification_services.signoff_request_notify(position_id=position.pk, version=position.version)
    assert Notification.objects.filter(kind=NotificationKind.SIGNOFF).count() == 2
    assert Delivery.objects.filter(kind="signoff-request").count() == 2 and len(mailoutbox) == 2


def test_a_proposed_amendment_notifies_the_coordinators(
    cast, chapter, open_round, django_capture_on_commit_callbacks, mailoutbox
):
    proposal = _propose_amendment(cast, chapter, open_round, django_capture_on_commit_callbacks)
    position = proposal.position
    (entry,) = _signoff_entries(cast.coordinator_a)
    assert entry.key == f"signoff:{position.pk}:amendment-{proposal.pk}"
    assert [m.to[0] for m in mailoutbox] == [cast.coordinator_a.email]


@pytest.mark.parametrize("channel", [Channel.OFF, Channel.DIGEST])
def test_the_coordinators_preference_is_respected(
    cast, chapter, open_round, signoff_org, channel, django_capture_on_commit_callbacks, mailoutbox
):
    notification_services.preferences_update(user=cast.coordinator_a, channels={NotificationKind.SIGNOFF: channel})
    _send_for_signoff(cast, chapter, open_round, django_capture_on_commit_callbacks)

    assert len(_signoff_entries(cast.coordinator_a)) == (0 if channel == Channel.OFF else 1)
    assert not Delivery.objects.filter(kind="signoff-request").exists() and not mailoutbox


def test_a_task_that_runs_after_the_decision_says_nothing(cast, chapter, open_round, signoff_org, mailoutbox):
    position = draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    position = position_file(by=cast.delegate_a, position=position)  # the outbox message is not published yet
    requested_version = position.version
    position_return_to_draft(by=cast.coordinator_a, position=position)

    assert notification_services.signoff_request_notify(position_id=position.pk, version=requested_version) == 0
    assert not _signoff_entries(cast.coordinator_a) and not mailoutbox


def _unread(user) -> int:
    return Notification.objects.filter(recipient=user, kind=NotificationKind.SIGNOFF, read_at__isnull=True).count()


@pytest.mark.parametrize("decision", ["sign_off", "return"])
def test_the_entry_is_cleared_when_the_draft_is_decided(
    cast, chapter, open_round, signoff_org, second_coordinator, decision, django_capture_on_commit_callbacks
):
    position = _send_for_signoff(cast, chapter, open_round, django_capture_on_commit_callbacks)
    assert _unread(cast.coordinator_a) == 1 and _unread(second_coordinator) == 1

    if decision == "sign_off":
        position_sign_off(by=cast.coordinator_a, position=position, expected_version=position.version)
    else:
        position_return_to_draft(by=cast.coordinator_a, position=position)

    # Cleared for every coordinator: whoever decided, it no longer waits for anyone.
    assert _unread(cast.coordinator_a) == 0 and _unread(second_coordinator) == 0


@pytest.mark.parametrize("decision", ["sign_off", "return"])
def test_the_entry_is_cleared_when_the_amendment_is_decided(
    cast, chapter, open_round, decision, django_capture_on_commit_callbacks
):
    proposal = _propose_amendment(cast, chapter, open_round, django_capture_on_commit_callbacks)
    assert _unread(cast.coordinator_a) == 1

    if decision == "sign_off":
        amendment_sign_off(by=cast.coordinator_a, proposal=proposal)
    else:
        amendment_return(by=cast.coordinator_a, proposal=proposal)
    assert _unread(cast.coordinator_a) == 0


def test_the_landing_page_counts_what_awaits_the_coordinator_and_links_to_it(
    cast, chapter, open_round, signoff_org, django_capture_on_commit_callbacks
):
    waiting = [_send_for_signoff(cast, chapter, open_round, django_capture_on_commit_callbacks) for _ in range(2)]
    plain_draft = draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    other_org = factories.PositionFactory(organisation=cast.org_b, created_by=cast.delegate_b, chapter=chapter)
    client = Client()
    client.force_login(cast.coordinator_a)

    landing = client.get(reverse("consultations:home"), follow=True)
    text = landing.content.decode()
    assert landing.request["PATH_INFO"] == reverse("consultations:position_list")
    assert landing.context["signoff_count"] == 2
    link = f"{reverse('consultations:position_list')}?signoff=on"
    assert f'href="{link}"' in text and ("2 awaiting your sign-off" in text or "2 esperan su visto bueno" in text)

    listed = {p.pk for p in client.get(link).context["page"].object_list}
    assert listed == {p.pk for p in waiting}
    assert plain_draft.pk not in listed and other_org.pk not in listed

    # Once signed off it leaves the count.
    position_sign_off(by=cast.coordinator_a, position=waiting[0], expected_version=waiting[0].version)
    assert client.get(reverse("consultations:position_list")).context["signoff_count"] == 1


def test_a_delegate_sees_no_count_and_no_filter(
    cast, chapter, open_round, signoff_org, django_capture_on_commit_callbacks
):
    _send_for_signoff(cast, chapter, open_round, django_capture_on_commit_callbacks)
    client = Client()
    client.force_login(cast.delegate_a)
    response = client.get(reverse("consultations:position_list"))
    assert response.context["signoff_count"] == 0
    assert "signoff" not in response.context["filter_form"].fields
    assert 'id="awaiting-signoff"' not in response.content.decode()
