"""Per-kind preferences decide between e-mail, the in-app list only, or nothing; the list has an unread count."""

from __future__ import annotations

import pytest
from django.urls import reverse

from consultations.models import Notification, NotificationKind, NotificationPreference
from consultations.services import cosignatures as cosignature_services
from consultations.services import notifications as notification_services
from consultations.services import positions as position_services
from consultations.services import triage as triage_services
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]
Channel = NotificationPreference.Channel


@pytest.fixture
def filed(cast, chapter, open_round):
    position = factories.PositionFactory(organisation=cast.org_a, chapter=chapter, round=open_round)
    return position_services.position_file(by=cast.delegate_a, position=position)


def _decline(cast, position, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        triage_services.position_set_status(by=cast.official_of_chapter, position=position, status="in_review")
        triage_services.position_set_status(
            by=cast.official_of_chapter, position=position, status="declined", response="No procede por ahora."
        )


def test_by_default_members_get_an_email_and_an_inbox_entry(
    cast, filed, mailoutbox, django_capture_on_commit_callbacks
):
    _decline(cast, filed, django_capture_on_commit_callbacks)
    members = {cast.delegate_a.email, cast.coordinator_a.email}
    declined_mail = [m for m in mailoutbox if "No procede por ahora." in m.body]
    assert {m.to[0] for m in declined_mail} == members
    assert (
        set(Notification.objects.filter(kind=NotificationKind.RESPONSE).values_list("recipient__email", flat=True))
        == members
    )


def test_digest_only_keeps_the_inbox_entry_without_email_and_off_keeps_nothing(
    cast, filed, mailoutbox, django_capture_on_commit_callbacks
):
    notification_services.preferences_update(user=cast.delegate_a, channels={"response": Channel.DIGEST})
    notification_services.preferences_update(user=cast.coordinator_a, channels={"response": Channel.OFF})
    _decline(cast, filed, django_capture_on_commit_callbacks)
    assert not [m for m in mailoutbox if "No procede por ahora." in m.body]
    responses = Notification.objects.filter(kind=NotificationKind.RESPONSE)
    assert list(responses.values_list("recipient", flat=True)) == [cast.delegate_a.pk]


def test_a_cosign_invitation_notifies_the_invited_organisation(
    cast, filed, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cosignature_services.cosignature_invite(by=cast.delegate_a, position=filed, organisation=cast.org_b)
    assert [m.to[0] for m in mailoutbox] == [cast.delegate_b.email]
    assert Notification.objects.get(kind=NotificationKind.COSIGN).recipient == cast.delegate_b


def test_inbox_shows_the_unread_count_and_marks_read(client, cast, filed, django_capture_on_commit_callbacks):
    _decline(cast, filed, django_capture_on_commit_callbacks)
    client.force_login(cast.delegate_a)
    unread = Notification.objects.filter(recipient=cast.delegate_a, read_at__isnull=True).count()
    assert unread == 2  # "in review", then "declined" with its response
    page = client.get(reverse("consultations:round_list")).content.decode()
    assert f'class="badge badge-count">{unread}<' in page
    notification = Notification.objects.get(recipient=cast.delegate_a, kind=NotificationKind.RESPONSE)
    response = client.post(
        reverse("consultations:notification_read"), {"id": notification.pk, "next": notification.url}
    )
    assert response["Location"] == notification.url
    notification.refresh_from_db()
    assert notification.read_at is not None
    client.post(reverse("consultations:notification_read"))  # all
    page = client.get(reverse("consultations:round_list")).content.decode()
    assert "badge-count" not in page


def test_nobody_reads_or_marks_another_users_notifications(client, cast, filed, django_capture_on_commit_callbacks):
    _decline(cast, filed, django_capture_on_commit_callbacks)
    client.force_login(cast.delegate_b)
    assert filed.title not in client.get(reverse("consultations:notification_list")).content.decode()
    theirs = Notification.objects.get(recipient=cast.delegate_a, kind=NotificationKind.RESPONSE)
    client.post(reverse("consultations:notification_read"), {"id": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_settings_page_saves_a_channel_per_kind(client, cast):
    client.force_login(cast.delegate_a)
    assert client.get(reverse("consultations:notification_preferences")).status_code == 200
    client.post(
        reverse("consultations:notification_preferences"),
        {"channel-response": "digest", "channel-status": "off", "channel-cosign": "bogus"},
    )
    chosen = dict(NotificationPreference.objects.filter(user=cast.delegate_a).values_list("kind", "channel"))
    assert chosen == {"response": "digest", "status": "off"}


def test_anonymous_users_are_sent_to_sign_in(client):
    for name in ("notification_list", "notification_preferences"):
        response = client.get(reverse(f"consultations:{name}"))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
