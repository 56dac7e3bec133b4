"""Sessions: a new key at sign-in, the server forgets the session at sign-out (a replayed cookie is anonymous),
staff signed out after the idle timeout, and a removed membership or chapter counts from the next request."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from consultations.middleware import StaffIdleTimeoutMiddleware
from consultations.services import invitations as invitation_services
from consultations.services import positions as position_services
from tests import factories
from tests.factories import PASSWORD, enrol_totp, totp_code

pytestmark = pytest.mark.django_db


def signed_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def test_sign_in_gives_a_new_session_key_and_forgets_the_old_one(cast):
    before = SessionStore()
    before["planted"] = "by someone who set this cookie"
    before.create()
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = before.session_key

    response = client.post(reverse("account_login"), {"login": cast.delegate_a.email, "password": PASSWORD})

    assert response.status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after and after != before.session_key, "session fixation: the key must change at sign-in"
    assert not Session.objects.filter(session_key=before.session_key).exists()
    assert signed_in_user_id(client) == str(cast.delegate_a.pk)


def test_the_key_also_changes_when_the_code_completes_a_two_step_sign_in(cast):
    secret = enrol_totp(cast.delegate_a)
    client = Client()
    client.post(reverse("account_login"), {"login": cast.delegate_a.email, "password": PASSWORD})
    pending = client.cookies[settings.SESSION_COOKIE_NAME].value

    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})

    assert signed_in_user_id(client) == str(cast.delegate_a.pk)
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != pending


def test_sign_out_ends_the_session_on_the_server_and_a_replayed_cookie_is_anonymous(cast):
    client = Client()
    client.post(reverse("account_login"), {"login": cast.delegate_a.email, "password": PASSWORD})
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get(reverse("consultations:position_list")).status_code == 200

    client.post(reverse("account_logout"))

    assert not Session.objects.filter(session_key=stolen).exists()
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = stolen
    response = replay.get(reverse("consultations:position_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


IDLE_KEY = StaffIdleTimeoutMiddleware.SESSION_KEY


def _age_the_session(client: Client, seconds: int) -> None:
    """As if the session's last request was ``seconds`` ago."""
    session = client.session
    session[IDLE_KEY] = int(time.time()) - seconds
    session.save()


def test_staff_idle_past_the_timeout_are_signed_out_and_told_why(settings, cast):
    settings.STAFF_IDLE_TIMEOUT = 30 * 60
    client = Client()
    client.force_login(cast.official_of_chapter)
    url = reverse("consultations:triage_queue")
    assert client.get(url).status_code == 200
    assert IDLE_KEY in client.session, "noted at sign-in"
    _age_the_session(client, 29 * 60)
    assert client.get(url).status_code == 200, "29 idle minutes are within the limit"
    _age_the_session(client, 31 * 60)

    response = client.get(url, follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("account_login"))
    assert signed_in_user_id(client) is None
    assert "sin actividad" in response.content.decode()
    htmx = Client()
    htmx.force_login(cast.coordinator)
    htmx.get(reverse("consultations:dashboard"))
    _age_the_session(htmx, 31 * 60)
    answer = htmx.get(reverse("consultations:dashboard"), headers={"HX-Request": "true"})
    assert answer.status_code == 200 and answer["HX-Redirect"] == reverse("account_login")


def test_staff_pages_do_not_write_the_session_on_every_request(cast):
    client = Client()
    client.force_login(cast.admin)
    url = reverse("consultations:round_manage_list")
    client.get(url)
    stamp = client.session[IDLE_KEY]

    client.get(url)

    assert client.session[IDLE_KEY] == stamp
    _age_the_session(client, StaffIdleTimeoutMiddleware.RESOLUTION + 1)
    client.get(url)
    assert client.session[IDLE_KEY] > stamp - StaffIdleTimeoutMiddleware.RESOLUTION


def test_delegates_are_not_signed_out_for_idling(settings, cast):
    settings.STAFF_IDLE_TIMEOUT = 60
    client = Client()
    client.force_login(cast.delegate_a)
    _age_the_session(client, 3600)

    assert client.get(reverse("consultations:position_list")).status_code == 200
    assert signed_in_user_id(client) == str(cast.delegate_a.pk)


def test_a_removed_membership_counts_from_the_next_request(cast, chapter, open_round):
    position = factories.PositionFactory(
        organisation=cast.org_a, created_by=cast.delegate_a, chapter=chapter, round=open_round
    )
    position_services.position_file(by=cast.delegate_a, position=position)
    client = Client()
    client.force_login(cast.delegate_a)
    url = reverse("consultations:position_detail", args=[position.pk])
    assert client.get(url).status_code == 200

    membership = cast.delegate_a.memberships.get(organisation=cast.org_a)
    invitation_services.membership_remove(by=cast.coordinator_a, membership=membership)

    assert client.get(url).status_code == 404
    assert client.get(reverse("consultations:position_list")).status_code in (200, 404)
    assert position.title not in client.get(reverse("consultations:position_list")).content.decode()


def test_an_officials_removed_chapter_counts_from_the_next_request(cast, chapter, open_round):
    position = factories.PositionFactory(
        organisation=cast.org_a, created_by=cast.delegate_a, chapter=chapter, round=open_round
    )
    position_services.position_file(by=cast.delegate_a, position=position)
    client = Client()
    client.force_login(cast.official_of_chapter)
    url = reverse("consultations:triage_detail", args=[position.pk])
    assert client.get(url).status_code == 200

    cast.official_of_chapter.official_profile.chapters.remove(chapter)

    assert client.get(url).status_code == 404
