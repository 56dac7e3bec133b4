"""Sign-in, password reset, invitations, members and preferences."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consultations.models import AuditEvent, Invitation, Membership, OfficialProfile, User
from consultations.services import invitations as services
from consultations.services.accounts import user_update_preferences
from tests import factories

PASSWORD = "correct-horse-battery"  # the factories' password
NEW_PASSWORD = "Tamarindo-con-chile-2026"
INVITATION_LINK = re.compile(r"https?://[^/\s]+/invitations/([A-Za-z0-9_-]+)/")


@pytest.fixture(autouse=True)
def _fast_and_private(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # allauth counts failed sign-ins in the cache: keep the count per test, not in the shared file cache.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "accounts"}}
    from django.core.cache import cache

    cache.clear()


def signed_in_user_id(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


def invite(by: User, *, email: str, role: str = Invitation.Role.DELEGATE, **kwargs) -> tuple[Invitation, str]:
    return services.invitation_create(by=by, email=email, role=role, **kwargs)


def accept_data(full_name: str = "Lucía Hernández", password: str = NEW_PASSWORD) -> dict[str, str]:
    return {"full_name": full_name, "password1": password, "password2": password}


# Sign-in and password reset -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sign_in_page_is_spanish_by_default_and_offers_no_sign_up(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert 'name="login"' in html and 'type="email"' in html
    assert reverse("account_signup") not in html


@pytest.mark.django_db
def test_sign_in_by_email_works(client):
    user = factories.UserFactory(email="ana.ruiz@example.mx")
    response = client.post(reverse("account_login"), {"login": "Ana.Ruiz@example.mx", "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in_user_id(client) == user.pk


@pytest.mark.django_db
def test_sign_in_with_wrong_password_shows_an_error(client):
    factories.UserFactory(email="ana.ruiz@example.mx")
    response = client.post(reverse("account_login"), {"login": "ana.ruiz@example.mx", "password": "not-it-at-all"})
    assert response.status_code == 200
    assert 'class="error-summary"' in response.content.decode()  # the non-field error, in the summary
    assert signed_in_user_id(client) is None


@pytest.mark.django_db
def test_public_sign_up_is_closed(client):
    response = client.post(
        reverse("account_signup"), {"email": "x@example.mx", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="x@example.mx").exists()


@pytest.mark.django_db
def test_password_reset_mails_a_link_that_sets_a_new_password(client, mailoutbox):
    user = factories.UserFactory(email="ana.ruiz@example.mx")
    response = client.post(reverse("account_reset_password"), {"email": "ana.ruiz@example.mx"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["ana.ruiz@example.mx"]
    link = re.search(r"https?://testserver(/accounts/password/reset/key/\S+/)", mailoutbox[0].body).group(1)

    # allauth moves the key into the session and redirects to a key-less URL before showing the form.
    response = client.get(link, follow=True)
    assert response.status_code == 200
    assert 'name="password1"' in response.content.decode()
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_from_key_done")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    response = client.post(reverse("account_login"), {"login": user.email, "password": NEW_PASSWORD})
    assert signed_in_user_id(client) == user.pk


@pytest.mark.django_db
def test_password_reset_link_works_once(client, mailoutbox):
    factories.UserFactory(email="ana.ruiz@example.mx")
    client.post(reverse("account_reset_password"), {"email": "ana.ruiz@example.mx"})
    link = re.search(r"https?://testserver(/accounts/password/reset/key/\S+/)", mailoutbox[0].body).group(1)
    response = client.get(link, follow=True)
    client.post(response.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    response = Client().get(link, follow=True)
    assert 'name="password1"' not in response.content.decode()


# Invitations ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_coordinator_invites_and_the_invitee_joins_and_is_signed_in(
    cast, client, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(cast.coordinator_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{reverse('consultations:member_list')}?organisation={cast.org_a.pk}",
            {"email": "Lucia.Hernandez@Example.mx", "role": "delegate"},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "lucia.hernandez@example.mx"
    assert invitation.organisation == cast.org_a
    assert invitation.expires_at > timezone.now() + dt.timedelta(days=6)
    assert AuditEvent.objects.filter(action="invitation.create", target_id=invitation.pk, actor=cast.coordinator_a)

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["lucia.hernandez@example.mx"]
    token = INVITATION_LINK.search(message.body).group(1)
    assert f"/invitations/{token}/" in message.alternatives[0].content
    assert "Cuarto de Junto" in message.subject
    # Only the hash is stored.
    assert token not in invitation.token_hash and invitation.token_hash == services.token_hash(token)

    invitee = Client()
    page = invitee.get(f"/invitations/{token}/")
    assert page.status_code == 200
    assert 'name="password1"' in page.content.decode()
    response = invitee.post(f"/invitations/{token}/", accept_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("consultations:home")

    user = User.objects.get(email="lucia.hernandez@example.mx")
    assert user.full_name == "Lucía Hernández"
    assert user.check_password(NEW_PASSWORD)
    assert Membership.objects.get(user=user).organisation == cast.org_a
    assert Membership.objects.get(user=user).role == Membership.Role.DELEGATE
    assert signed_in_user_id(invitee) == user.pk
    invitation.refresh_from_db()
    assert invitation.accepted_by == user and invitation.accepted_at is not None
    assert AuditEvent.objects.filter(action="invitation.accept", target_id=invitation.pk, actor=user).exists()


@pytest.mark.django_db
def test_invitation_page_validates_the_password(cast, client):
    _invitation, token = invite(cast.coordinator_a, email="lucia@example.mx", organisation=cast.org_a)
    response = client.post(f"/invitations/{token}/", accept_data(password="12345"))
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    mismatch = accept_data() | {"password2": "something-else-entirely"}
    response = client.post(f"/invitations/{token}/", mismatch)
    assert response.status_code == 200
    assert not User.objects.filter(email="lucia@example.mx").exists()
    assert signed_in_user_id(client) is None


@pytest.mark.django_db
def test_invitation_token_is_single_use(cast, client):
    _invitation, token = invite(cast.coordinator_a, email="lucia@example.mx", organisation=cast.org_a)
    services.invitation_accept(token=token, full_name="Lucía", password=NEW_PASSWORD)

    with pytest.raises(ValidationError) as error:
        services.invitation_accept(token=token, full_name="Otra", password=NEW_PASSWORD)
    assert error.value.code == "used"
    for response in (client.get(f"/invitations/{token}/"), client.post(f"/invitations/{token}/", accept_data())):
        assert response.status_code == 410
        assert 'name="password1"' not in response.content.decode()
    assert signed_in_user_id(client) is None


@pytest.mark.django_db
def test_expired_invitation_is_refused(cast, client):
    invitation, token = invite(cast.coordinator_a, email="lucia@example.mx", organisation=cast.org_a)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = client.get(f"/invitations/{token}/")
    assert response.status_code == 410
    assert 'name="password1"' not in response.content.decode()
    with pytest.raises(ValidationError) as error:
        services.invitation_accept(token=token, full_name="Lucía", password=NEW_PASSWORD)
    assert error.value.code == "expired"
    assert not User.objects.filter(email="lucia@example.mx").exists()


@pytest.mark.django_db
def test_revoked_invitation_is_refused(cast, client):
    invitation, token = invite(cast.coordinator_a, email="lucia@example.mx", organisation=cast.org_a)
    client.force_login(cast.coordinator_a)
    assert client.get(reverse("consultations:invitation_revoke", args=[invitation.pk])).status_code == 200
    response = client.post(reverse("consultations:invitation_revoke", args=[invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert AuditEvent.objects.filter(action="invitation.revoke", target_id=invitation.pk).exists()

    response = Client().post(f"/invitations/{token}/", accept_data())
    assert response.status_code == 410
    assert not User.objects.filter(email="lucia@example.mx").exists()


@pytest.mark.django_db
def test_tampered_invitation_token_is_refused(cast, client):
    _invitation, token = invite(cast.coordinator_a, email="lucia@example.mx", organisation=cast.org_a)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(f"/invitations/{tampered}/").status_code == 404
    response = client.post(f"/invitations/{tampered}/", accept_data())
    assert response.status_code == 404
    assert not User.objects.filter(email="lucia@example.mx").exists()


@pytest.mark.django_db
def test_inviting_again_replaces_the_pending_invitation(cast):
    first, first_token = invite(cast.coordinator_a, email="lucia@example.mx", organisation=cast.org_a)
    _second, second_token = invite(cast.coordinator_a, email="lucia@example.mx", organisation=cast.org_a)
    first.refresh_from_db()
    assert first.revoked_at is not None
    with pytest.raises(ValidationError):
        services.invitation_accept(token=first_token, full_name="Lucía", password=NEW_PASSWORD)
    services.invitation_accept(token=second_token, full_name="Lucía", password=NEW_PASSWORD)


@pytest.mark.django_db
def test_coordinator_cannot_invite_to_another_organisation(cast, client):
    with pytest.raises(ValidationError) as error:
        invite(cast.coordinator_a, email="lucia@example.mx", organisation=cast.org_b)
    assert error.value.code == "forbidden"
    client.force_login(cast.coordinator_a)
    url = f"{reverse('consultations:member_list')}?organisation={cast.org_b.pk}"
    assert client.get(url).status_code == 404
    assert client.post(url, {"email": "lucia@example.mx", "role": "delegate"}).status_code == 404
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_delegate_cannot_invite(cast, client):
    with pytest.raises(ValidationError):
        invite(cast.delegate_a, email="lucia@example.mx", organisation=cast.org_a)
    client.force_login(cast.delegate_a)
    assert client.get(reverse("consultations:member_list")).status_code == 404
    response = client.post(reverse("consultations:member_list"), {"email": "lucia@example.mx", "role": "delegate"})
    assert response.status_code == 404
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_member_pages_require_sign_in(cast, client):
    membership = Membership.objects.get(user=cast.delegate_a)
    for url in (
        reverse("consultations:member_list"),
        reverse("consultations:member_remove", args=[membership.pk]),
        reverse("consultations:official_invite"),
        reverse("consultations:preferences"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_an_existing_member_cannot_be_invited_again(cast, client):
    with pytest.raises(ValidationError) as error:
        invite(cast.coordinator_a, email=cast.delegate_a.email.upper(), organisation=cast.org_a)
    assert error.value.code == "exists"
    client.force_login(cast.coordinator_a)
    response = client.post(reverse("consultations:member_list"), {"email": cast.delegate_a.email, "role": "delegate"})
    assert response.status_code == 200
    assert 'class="error-summary"' in response.content.decode()  # the non-field error, in the summary


@pytest.mark.django_db
def test_invitation_for_an_existing_account_needs_its_password_and_keeps_it(cast, client):
    _invitation, token = invite(cast.coordinator_a, email=cast.delegate_b.email, organisation=cast.org_a)
    page = client.get(f"/invitations/{token}/")
    assert 'name="full_name"' not in page.content.decode()

    response = client.post(f"/invitations/{token}/", {"password1": "a-wrong-password"})
    assert response.status_code == 200
    assert signed_in_user_id(client) is None
    assert not Membership.objects.filter(user=cast.delegate_b, organisation=cast.org_a).exists()

    response = client.post(f"/invitations/{token}/", {"password1": PASSWORD})
    assert response.status_code == 302
    assert signed_in_user_id(client) == cast.delegate_b.pk
    assert Membership.objects.filter(user=cast.delegate_b, organisation=cast.org_a).exists()
    assert Membership.objects.filter(user=cast.delegate_b, organisation=cast.org_b).exists()
    cast.delegate_b.refresh_from_db()
    assert cast.delegate_b.check_password(PASSWORD)


# Officials --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_non_staff_cannot_invite_officials(cast, client):
    for user in (cast.coordinator_a, cast.delegate_a, cast.official_of_chapter):
        with pytest.raises(ValidationError) as error:
            invite(user, email="analista@economia.gob.mx", role=Invitation.Role.OFFICIAL, ministry="economia")
        assert error.value.code == "forbidden"
        client.force_login(user)
        assert client.get(reverse("consultations:official_invite")).status_code == 404
        response = client.post(
            reverse("consultations:official_invite"), {"email": "analista@economia.gob.mx", "ministry": "economia"}
        )
        assert response.status_code == 404
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_staff_invites_an_official_who_joins_with_the_ministry(
    cast, client, mailoutbox, django_capture_on_commit_callbacks
):
    staff = factories.UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("consultations:official_invite")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("consultations:official_invite"),
            {"email": "analista@agricultura.gob.mx", "ministry": "agricultura"},
        )
    assert response.status_code == 302
    token = INVITATION_LINK.search(mailoutbox[0].body).group(1)
    invitee = Client()
    response = invitee.post(f"/invitations/{token}/", accept_data(full_name="Mario Analista"))
    assert response.status_code == 302
    profile = OfficialProfile.objects.get(user__email="analista@agricultura.gob.mx")
    assert profile.ministry == OfficialProfile.Ministry.AGRICULTURA
    assert not Membership.objects.filter(user=profile.user).exists()
    # Staff sign in in two steps: the new official goes on to set up the app, without typing the password again.
    assert invitee.get(response["Location"])["Location"] == reverse("mfa_activate_totp")
    assert invitee.get(reverse("mfa_activate_totp")).status_code == 200


# Members ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_coordinator_sees_members_and_pending_invitations(cast, client):
    invite(cast.coordinator_a, email="pendiente@example.mx", organisation=cast.org_a)
    client.force_login(cast.coordinator_a)
    response = client.get(reverse("consultations:member_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert cast.delegate_a.email in html and cast.coordinator_a.email in html
    assert "pendiente@example.mx" in html
    assert cast.delegate_b.email not in html


@pytest.mark.django_db
def test_coordinator_removes_a_delegate_after_confirming(cast, client):
    membership = Membership.objects.get(user=cast.delegate_a, organisation=cast.org_a)
    client.force_login(cast.coordinator_a)
    url = reverse("consultations:member_remove", args=[membership.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert Membership.objects.filter(pk=membership.pk).exists()
    response = client.post(url)
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEvent.objects.filter(action="membership.remove", target_id=membership.pk).exists()


@pytest.mark.django_db
def test_member_removal_by_coordinator_of_another_organisation_is_404(cast, client):
    coordinator_b = factories.MembershipFactory(organisation=cast.org_b, role=Membership.Role.COORDINATOR).user
    membership = Membership.objects.get(user=cast.delegate_a, organisation=cast.org_a)
    client.force_login(coordinator_b)
    url = reverse("consultations:member_remove", args=[membership.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()
    with pytest.raises(ValidationError):
        services.membership_remove(by=coordinator_b, membership=membership)


@pytest.mark.django_db
def test_delegate_cannot_remove_members(cast, client):
    membership = Membership.objects.get(user=cast.coordinator_a, organisation=cast.org_a)
    client.force_login(cast.delegate_a)
    assert client.post(reverse("consultations:member_remove", args=[membership.pk])).status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.django_db
def test_last_coordinator_cannot_be_removed(cast, client):
    membership = Membership.objects.get(user=cast.coordinator_a, organisation=cast.org_a)
    with pytest.raises(ValidationError) as error:
        services.membership_remove(by=cast.coordinator_a, membership=membership)
    assert error.value.code == "last_coordinator"

    client.force_login(cast.coordinator_a)
    response = client.post(reverse("consultations:member_remove", args=[membership.pk]), follow=True)
    assert response.status_code == 200
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert "message-error" in response.content.decode()

    # With a second coordinator, one may step down.
    factories.MembershipFactory(organisation=cast.org_a, role=Membership.Role.COORDINATOR)
    services.membership_remove(by=cast.coordinator_a, membership=membership)
    assert not Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.django_db
def test_coordinator_cannot_revoke_another_organisations_invitation(cast, client):
    coordinator_b = factories.MembershipFactory(organisation=cast.org_b, role=Membership.Role.COORDINATOR).user
    invitation, _token = invite(coordinator_b, email="lucia@example.mx", organisation=cast.org_b)
    client.force_login(cast.coordinator_a)
    assert client.post(reverse("consultations:invitation_revoke", args=[invitation.pk])).status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


# Layout and preferences -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_navigation_shows_members_only_to_coordinators(cast, client):
    members_url = reverse("consultations:member_list")
    client.force_login(cast.coordinator_a)
    assert members_url in client.get(reverse("consultations:preferences")).content.decode()
    client.force_login(cast.delegate_a)
    html = client.get(reverse("consultations:preferences")).content.decode()
    assert members_url not in html
    assert reverse("consultations:position_list") in html
    assert reverse("admin:index") not in html


@pytest.mark.django_db
def test_preferences_switch_to_english_and_the_next_page_is_english(cast, client):
    client.force_login(cast.delegate_a)
    assert '<html lang="es">' in client.get(reverse("consultations:preferences")).content.decode()
    response = client.post(
        reverse("consultations:preferences"),
        {"language": "en", "time_zone": "America/Tijuana", "next": reverse("consultations:chapter_list")},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("consultations:chapter_list")
    cast.delegate_a.refresh_from_db()
    assert (cast.delegate_a.language, cast.delegate_a.time_zone) == ("en", "America/Tijuana")
    assert '<html lang="en">' in client.get(reverse("consultations:preferences")).content.decode()


@pytest.mark.django_db
def test_header_language_switcher_saves_the_language_alone(cast, client):
    client.force_login(cast.delegate_a)
    response = client.post(reverse("consultations:preferences"), {"language": "en", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("consultations:preferences")
    cast.delegate_a.refresh_from_db()
    assert (cast.delegate_a.language, cast.delegate_a.time_zone) == ("en", "America/Mexico_City")


@pytest.mark.django_db
def test_anonymous_language_switch_uses_set_language(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("account_login")})
    assert response.status_code == 302
    assert '<html lang="en">' in client.get(reverse("account_login")).content.decode()


@pytest.mark.django_db
def test_preferences_refuse_an_unknown_time_zone(cast):
    with pytest.raises(ValidationError):
        user_update_preferences(user=cast.delegate_a, language="en", time_zone="Mars/Olympus_Mons")


@pytest.mark.django_db
def test_invitation_email_is_in_spanish_and_english(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(cast.coordinator_a, email="lucia@example.mx", organisation=cast.org_a)
    (message,) = mail.outbox
    assert " / " in message.subject
    assert message.body.count("/invitations/") == 2


@pytest.mark.django_db
def test_layout_is_accessible_and_script_safe(cast, client):
    client.force_login(cast.delegate_a)
    response = client.get(reverse("consultations:preferences"))
    html = response.content.decode()
    assert 'href="#main"' in html and '<main id="main"' in html
    assert 'role="status"' in html
    assert '"allowEval": false' in html and '"includeIndicatorStyles": false' in html
    assert 'hx-headers=\'{"X-CSRFToken": ' in html
    assert "/static/django_htmx/htmx-2.min.js" in html
    assert "style=" not in html and "<style" not in html
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]


@pytest.mark.django_db
def test_sign_out_from_the_header(cast, client):
    client.force_login(cast.delegate_a)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert signed_in_user_id(client) is None


def test_the_members_page_marks_your_own_row_and_offers_no_remove_on_it(client, cast) -> None:
    client.force_login(cast.coordinator_a)
    page = client.get(reverse("consultations:member_list"), {"organisation": cast.org_a.pk}).content.decode()
    own = Membership.objects.get(user=cast.coordinator_a, organisation=cast.org_a)
    other = Membership.objects.get(user=cast.delegate_a, organisation=cast.org_a)
    assert reverse("consultations:member_remove", args=[own.pk]) not in page
    assert reverse("consultations:member_remove", args=[other.pk]) in page
    assert "badge-you" in page


def test_the_signed_in_message_speaks_the_users_language_not_the_browsers(client, cast) -> None:
    cast.delegate_a.language = "es"
    cast.delegate_a.set_password("Clave-de-prueba-2026!")
    cast.delegate_a.save()

    response = client.post(
        reverse("account_login"),
        {"login": cast.delegate_a.email, "password": "Clave-de-prueba-2026!"},
        headers={"Accept-Language": "en"},
        follow=True,
    )

    texts = [str(message) for message in response.context["messages"]]
    assert texts, "no sign-in message"
    assert not any("Successfully signed in" in text for text in texts), texts
    assert client.cookies["django_language"].value == "es"


def error_summary(content: str) -> str:
    assert 'class="error-summary"' in content, "no error summary on the page"
    summary = content.split('class="error-summary"')[1].split("</div>")[0]
    assert "data-autofocus" in summary
    return summary


@pytest.mark.django_db
def test_a_failed_sign_in_opens_on_an_error_summary(client):
    factories.UserFactory(email="ana.ruiz@example.mx")
    content = client.post(reverse("account_login"), {"login": "ana.ruiz@example.mx", "password": "no"}).content
    summary = error_summary(content.decode())
    assert "Revise lo siguiente" in summary
    content = client.post(reverse("account_login"), {"login": "", "password": ""}).content.decode()
    summary = error_summary(content)
    assert 'href="#id_login"' in summary and 'href="#id_password"' in summary


@pytest.mark.django_db
def test_a_failed_password_change_links_each_field_from_the_summary(client):
    user = factories.UserFactory(email="ana.ruiz@example.mx")
    client.force_login(user)
    data = {"oldpassword": "wrong-one", "password1": NEW_PASSWORD, "password2": "something-else-entirely"}
    content = client.post(reverse("account_change_password"), data).content.decode()
    summary = error_summary(content)
    assert 'href="#id_oldpassword"' in summary
    assert 'href="#id_password2"' in summary


@pytest.mark.django_db
def test_a_failed_invitation_acceptance_links_each_field_from_the_summary(cast, client):
    _invitation, token = invite(cast.coordinator_a, email="lucia@example.mx", organisation=cast.org_a)
    content = client.post(f"/invitations/{token}/", accept_data(full_name="", password="12345")).content.decode()
    summary = error_summary(content)
    assert 'href="#id_full_name"' in summary
    assert 'href="#id_password1"' in summary or 'href="#id_password2"' in summary
