"""Two-step sign-in (allauth.mfa, TOTP): through the real sign-in form with codes computed here, recovery codes,
wrong codes, who must enrol (staff; members of organisations that require it), the organisation's switch, an
admin's audited reset, the audit row of each change, and the API-token hook."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from consultations.models import AuditEvent, OfficialProfile, User
from consultations.rules.api_tokens import has_second_factor
from tests import factories
from tests.factories import PASSWORD, enrol_totp, totp_code

pytestmark = pytest.mark.django_db

THROTTLED = "Demasiados intentos fallidos"
SETUP = "mfa_activate_totp"


def password_step(email: str, password: str = PASSWORD) -> tuple[Client, object]:
    client = Client(REMOTE_ADDR="198.51.100.7")
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    return client, response


def signed_in(client: Client) -> bool:
    return client.session.get("_auth_user_id") is not None


def recovery_codes(user) -> list[str]:
    return Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES).wrap().get_unused_codes()


def bare_official(chapter):
    """An official as an invitation makes one: no authenticator yet."""
    user = factories.UserFactory()
    OfficialProfile.objects.create(user=user).chapters.set([chapter])
    return user


# Signing in --------------------------------------------------------------------------------------------------------


def test_official_signs_in_with_password_then_the_code_of_the_app(chapter):
    user = factories.UserFactory()
    OfficialProfile.objects.create(user=user).chapters.set([chapter])
    secret = enrol_totp(user)

    client, response = password_step(user.email)

    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert not signed_in(client), "the password alone must not sign in an account with an authenticator"
    page = client.get(reverse("mfa_authenticate"))
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.content.decode()

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})

    assert response.status_code == 302
    assert signed_in(client)
    assert client.get(reverse("consultations:home")).status_code in (200, 302)
    assert client.get(reverse("consultations:triage_queue")).status_code == 200


def test_a_wrong_code_is_refused_and_the_same_code_cannot_be_used_twice(cast):
    secret = enrol_totp(cast.delegate_a)
    client, _ = password_step(cast.delegate_a.email)

    response = client.post(
        reverse("mfa_authenticate"), {"code": "000000" if totp_code(secret) != "000000" else "111111"}
    )

    assert response.status_code == 200 and not signed_in(client)
    assert "incorrecto" in response.content.decode().lower()
    code = totp_code(secret)
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert signed_in(client)
    replay, _ = password_step(cast.delegate_a.email)
    replay.post(reverse("mfa_authenticate"), {"code": code})
    assert not signed_in(replay), "a code seen once (shoulder-surfed, phished) must not sign in again"


def test_guessing_codes_meets_the_sign_in_throttle(cast):
    secret = enrol_totp(cast.delegate_a)
    client, _ = password_step(cast.delegate_a.email)
    wrong = f"{(int(totp_code(secret)) + 500_000) % 1_000_000:06d}"
    for _ in range(6):
        client.post(reverse("mfa_authenticate"), {"code": wrong})

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})

    assert THROTTLED in response.content.decode()
    assert not signed_in(client)


def test_a_recovery_code_signs_in_once(cast):
    enrol_totp(cast.delegate_a)
    code = recovery_codes(cast.delegate_a)[0]
    client, _ = password_step(cast.delegate_a.email)

    client.post(reverse("mfa_authenticate"), {"code": code})

    assert signed_in(client)
    assert code not in recovery_codes(cast.delegate_a)
    again, _ = password_step(cast.delegate_a.email)
    again.post(reverse("mfa_authenticate"), {"code": code})
    assert not signed_in(again)


# Who must enrol ------------------------------------------------------------------------------------------------


def test_staff_without_an_authenticator_are_sent_to_set_one_up_from_any_page(chapter, open_round):
    official = bare_official(chapter)
    client = Client()
    client.force_login(official)

    for url in (reverse("consultations:home"), reverse("consultations:triage_queue"), "/admin/", "/api/v1/docs/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse(SETUP), url
    htmx = client.get(reverse("consultations:triage_queue"), headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and htmx["HX-Redirect"] == reverse(SETUP)
    # Signing out, the set-up itself and the static files stay reachable.
    assert client.get(reverse("account_logout")).status_code == 200
    assert client.get("/static/css/app.css").status_code in (200, 404)  # not a redirect
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("consultations:preferences")).status_code == 200  # the language switcher


def test_admin_without_an_authenticator_is_sent_to_set_one_up(db):
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    Authenticator.objects.filter(user=admin).delete()
    client = Client()
    client.force_login(admin)

    response = client.get(reverse("consultations:round_manage_list"))

    assert response.status_code == 302 and response["Location"] == reverse(SETUP)


def test_new_official_sets_up_the_app_at_first_sign_in_and_lands_on_their_page(
    chapter, django_capture_on_commit_callbacks
):
    official = bare_official(chapter)
    client, response = password_step(official.email)
    assert signed_in(client)
    assert client.get(response["Location"])["Location"] == reverse(SETUP)

    page = client.get(reverse(SETUP))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'src="data:image/svg+xml;base64,' in body
    secret = client.session["mfa.totp.secret"]
    assert secret in body, "the key must be there to type in when the QR code cannot be scanned"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(SETUP), {"code": totp_code(secret)})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=official, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=official, type=Authenticator.Type.RECOVERY_CODES).exists()
    assert client.get(reverse("consultations:triage_queue")).status_code == 200
    assert list(
        AuditEvent.objects.filter(actor=official, action__startswith="mfa.").values_list("action", flat=True)
    ) == ["mfa.totp_added"]


def test_delegates_may_sign_in_without_a_second_factor_and_may_set_one_up(cast):
    client, response = password_step(cast.delegate_a.email)

    assert signed_in(client)
    assert client.get(reverse("consultations:position_list")).status_code == 200
    assert client.get(reverse(SETUP)).status_code == 200


def test_an_organisation_requiring_it_sends_its_delegates_to_set_up_and_others_not(cast):
    coordinator = Client()
    coordinator.force_login(cast.coordinator_a)
    url = reverse("consultations:organisation_second_factor") + f"?organisation={cast.org_a.pk}"
    delegate_a, delegate_b = Client(), Client()
    delegate_a.force_login(cast.delegate_a)
    delegate_b.force_login(cast.delegate_b)
    assert delegate_a.get(reverse("consultations:position_list")).status_code == 200

    response = coordinator.post(url, {"required": "on"})

    assert response.status_code == 302
    cast.org_a.refresh_from_db()
    assert cast.org_a.requires_second_factor
    assert delegate_a.get(reverse("consultations:position_list"))["Location"] == reverse(SETUP)
    assert delegate_b.get(reverse("consultations:position_list")).status_code == 200
    assert AuditEvent.objects.filter(action="organisation.second_factor_required", target_id=cast.org_a.pk).count() == 1
    # The coordinator is a member too: they set up their own app before anything else.
    assert coordinator.get(reverse("consultations:member_list"))["Location"] == reverse(SETUP)


def test_only_the_organisations_coordinator_or_an_admin_sets_the_rule(cast):
    url = reverse("consultations:organisation_second_factor") + f"?organisation={cast.org_a.pk}"
    for user in (cast.delegate_a, cast.delegate_b, cast.official_of_chapter, cast.coordinator):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == 404, user
        assert client.post(url, {"required": "on"}).status_code == 404, user
    cast.org_a.refresh_from_db()
    assert not cast.org_a.requires_second_factor

    admin = Client()
    admin.force_login(cast.admin)
    assert admin.get(url).status_code == 200
    admin.post(url, {"required": "on"})
    cast.org_a.refresh_from_db()
    assert cast.org_a.requires_second_factor


# Changes by the user, and the admin's reset ------------------------------------------------------------------


def test_each_change_to_the_second_factor_writes_one_audit_row(cast, django_capture_on_commit_callbacks):
    secret = enrol_totp(cast.delegate_a)
    client, _ = password_step(cast.delegate_a.email)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert signed_in(client)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mfa_generate_recovery_codes"))
        client.post(reverse("mfa_deactivate_totp"))

    assert not Authenticator.objects.filter(user=cast.delegate_a).exists()
    actions = AuditEvent.objects.filter(actor=cast.delegate_a, action__startswith="mfa.").values_list(
        "action", flat=True
    )
    assert sorted(actions) == ["mfa.recovery_codes_reset", "mfa.totp_removed"]


def test_admin_resets_a_lost_authenticator_after_confirming_and_it_is_audited(cast):
    official = cast.official_of_chapter
    url = reverse("consultations:mfa_reset", args=[official.pk])
    admin = Client()
    admin.force_login(cast.admin)

    page = admin.get(url)
    assert page.status_code == 200 and official.email in page.content.decode()
    unconfirmed = admin.post(url, {})
    assert unconfirmed.status_code == 200
    assert Authenticator.objects.filter(user=official).count() == 2

    response = admin.post(url, {"confirm": "on"})

    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=official).exists()
    event = AuditEvent.objects.get(action="mfa.reset_by_admin")
    assert (event.actor, event.target_type, event.target_id) == (cast.admin, "user", official.pk)
    assert event.data["removed"] == ["recovery_codes", "totp"]
    # The official's next page is the set-up of a new app.
    client = Client()
    client.force_login(official)
    assert client.get(reverse("consultations:triage_queue"))["Location"] == reverse(SETUP)


def test_only_admins_reach_the_reset(cast):
    url = reverse("consultations:mfa_reset", args=[cast.official_of_chapter.pk])
    for user in (cast.delegate_a, cast.coordinator_a, cast.official_of_other_chapter, cast.coordinator):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"confirm": "on"}).status_code == 404
    assert Authenticator.objects.filter(user=cast.official_of_chapter).count() == 2
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and reverse("account_login") in anonymous["Location"]


# API tokens ----------------------------------------------------------------------------------------------------


def test_has_second_factor_answers_whether_an_app_is_enrolled(cast, chapter):
    official = bare_official(chapter)
    assert not has_second_factor(official)
    assert not official.has_perm("consultations.hold_api_token")
    assert has_second_factor(User.objects.get(pk=cast.official_of_chapter.pk))
    assert cast.official_of_chapter.has_perm("consultations.hold_api_token")
    # Delegates need none for a token; recovery codes alone are not a factor.
    assert cast.delegate_a.has_perm("consultations.hold_api_token")
    Authenticator.objects.filter(user=cast.official_of_chapter, type=Authenticator.Type.TOTP).delete()
    fresh = User.objects.get(pk=cast.official_of_chapter.pk)
    assert not has_second_factor(fresh)
