"""Failed passwords are throttled per (account, client address) on every password form, without locking out the
right password from elsewhere or everyone behind one address."""

from __future__ import annotations

import os
import re
import threading
import time
import uuid

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from consultations.services import signin_throttle
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # the factories' password
WRONG = "not-the-password-at-all"
NAT = "198.51.100.7"  # a chamber's NAT
ELSEWHERE = "203.0.113.20"


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, moved by hand."""

    class Clock:
        now = 1_900_000_000.0

        def advance(self, seconds: float) -> None:
            self.now += seconds

    clock = Clock()
    monkeypatch.setattr(signin_throttle, "_now", lambda: clock.now)
    return clock


@pytest.fixture
def victim(db):
    return factories.UserFactory(email="ana.ruiz@example.mx")


def sign_in(login: str, password: str, *, ip: str = NAT, admin: bool = False, **headers) -> tuple[Client, str]:
    """One sign-in from ``ip``; returns the client and the page's text (empty after a redirect)."""
    client = Client(REMOTE_ADDR=ip, **headers)
    if admin:
        response = client.post(reverse("admin:login"), {"username": login, "password": password, "next": "/admin/"})
    else:
        response = client.post(reverse("account_login"), {"login": login, "password": password})
    assert response.status_code in (200, 302)
    return client, response.content.decode() if response.status_code == 200 else ""


def signed_in(client: Client) -> bool:
    return client.session.get("_auth_user_id") is not None


def fail(times: int, login: str = "ana.ruiz@example.mx", **kwargs) -> None:
    for _ in range(times):
        client, _page = sign_in(login, WRONG, **kwargs)
        assert not signed_in(client)


THROTTLED = "Demasiados intentos fallidos"


def test_brute_force_from_one_address_waits_longer_after_each_failure(victim, clock):
    fail(5)  # typos are free

    client, page = sign_in(victim.email, PASSWORD)
    assert not signed_in(client), "the right password is refused during the wait: a guesser learns nothing"
    assert THROTTLED in page and "2 segundos" in page

    waits = []
    for _ in range(6):
        clock.advance(1)
        assert THROTTLED in sign_in(victim.email, WRONG)[1]
        retry = signin_throttle.delay_after(signin_throttle.cache.get(_pair(victim.email)).get("failures"))
        clock.advance(retry)
        assert THROTTLED not in sign_in(victim.email, WRONG)[1]
        waits.append(retry)
    assert waits == [2, 4, 8, 16, 32, 64]
    # A guesser now gets one try every few minutes, at most one every 15.
    assert signin_throttle.delay_after(30) == 15 * 60


def _pair(login: str, ip: str = NAT) -> str:
    return signin_throttle._pair_key(login, signin_throttle._address(ip))


def test_the_right_password_from_another_address_signs_in_at_once(victim, clock):
    fail(20)

    client, _page = sign_in(victim.email, PASSWORD, ip=ELSEWHERE)

    assert signed_in(client)


def test_one_accounts_failures_do_not_lock_out_others_behind_the_same_address(victim, clock):
    colleagues = [factories.UserFactory() for _ in range(12)]
    fail(20)  # an attacker behind the chamber's NAT hammers one account

    for colleague in colleagues:
        fail(2, login=colleague.email)  # and everyone mistypes twice
        client, _page = sign_in(colleague.email, PASSWORD)
        assert signed_in(client), colleague.email


def test_after_the_wait_the_right_password_works_and_forgets_the_failures(victim, clock):
    fail(6)
    clock.advance(signin_throttle.delay_after(6))

    client, _page = sign_in(victim.email, PASSWORD)

    assert signed_in(client)
    assert signin_throttle.cache.get(_pair(victim.email)) is None
    fail(4)  # the free failures are there again
    assert THROTTLED not in sign_in(victim.email, WRONG)[1]


def test_admin_sign_in_is_throttled_like_the_sign_in_page(victim, clock):
    admin = factories.UserFactory(email="root@example.mx", is_staff=True, is_superuser=True)

    fail(20, login=admin.email, admin=True)
    client, page = sign_in(admin.email, PASSWORD, admin=True)

    assert not signed_in(client), "20 wrong passwords, then the right one, must not sign in as the superuser"
    assert THROTTLED in page
    # One throttle for both doors: failures on the admin's form hold back the sign-in page too, and back.
    assert THROTTLED in sign_in(admin.email, PASSWORD)[1]
    fail(5, login=victim.email)
    assert THROTTLED in sign_in(victim.email, PASSWORD, admin=True)[1]
    # The right password from another address passes the admin's throttle; the admin's door asks no second
    # factor, so an admin who has one is sent to the site's sign-in page, which does.
    client, page = sign_in(admin.email, PASSWORD, ip=ELSEWHERE, admin=True)
    assert THROTTLED not in page
    assert not signed_in(client)
    assert "aplicación de autenticación" in page


def test_extreme_volume_from_one_address_meets_the_ceiling(settings, victim, clock):
    settings.SIGNIN_THROTTLE = {**settings.SIGNIN_THROTTLE, "FAILURES_PER_ADDRESS_PER_HOUR": 30}
    for number in range(30):
        fail(1, login=f"nadie{number}@example.mx")  # credential stuffing over many accounts

    client, page = sign_in(victim.email, PASSWORD)
    assert not signed_in(client) and THROTTLED in page
    client, _page = sign_in(victim.email, PASSWORD, ip=ELSEWHERE)
    assert signed_in(client)
    clock.advance(3600)
    client, _page = sign_in(victim.email, PASSWORD)
    assert signed_in(client)


def test_a_spoofed_forwarded_for_header_does_not_rotate_the_address(victim, clock):
    for number in range(5):
        fail(1, HTTP_X_FORWARDED_FOR=f"10.0.0.{number}")

    assert THROTTLED in sign_in(victim.email, WRONG, HTTP_X_FORWARDED_FOR="10.0.0.99")[1]


def test_a_configured_proxy_header_gives_each_client_its_own_address(settings, victim, clock):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    fail(5, HTTP_X_FORWARDED_FOR="192.0.2.1")

    assert THROTTLED in sign_in(victim.email, WRONG, HTTP_X_FORWARDED_FOR="192.0.2.1")[1]
    client, _page = sign_in(victim.email, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.2")
    assert signed_in(client)


def test_password_change_guesses_of_the_current_password_are_throttled(settings, victim, clock):
    # allauth also limits password changes to 5 a minute per user; off here, to see the throttle itself.
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "change_password": None}
    client = Client(REMOTE_ADDR=NAT)
    client.force_login(victim)
    url = reverse("account_change_password")
    data = {"oldpassword": WRONG, "password1": "Tamarindo-con-chile-2026", "password2": "Tamarindo-con-chile-2026"}
    for _ in range(5):
        assert THROTTLED not in client.post(url, data).content.decode()

    response = client.post(url, {**data, "oldpassword": PASSWORD})

    assert THROTTLED in response.content.decode()
    victim.refresh_from_db()
    assert victim.check_password(PASSWORD)


def test_admin_password_change_is_throttled(victim, clock):
    admin = factories.UserFactory(email="root@example.mx", is_staff=True, is_superuser=True)
    client = Client(REMOTE_ADDR=NAT)
    client.force_login(admin)
    url = reverse("admin:password_change")
    new = "Tamarindo-con-chile-2026"
    for _ in range(5):
        client.post(url, {"old_password": WRONG, "new_password1": new, "new_password2": new})

    response = client.post(url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})

    assert response.status_code == 200
    assert THROTTLED in response.content.decode()
    admin.refresh_from_db()
    assert admin.check_password(PASSWORD)


def test_sign_in_still_works_when_the_cache_is_down(settings, victim):
    """The throttle steps aside rather than answering 500 (nothing listens on port 9 of loopback)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
    }

    client, _page = sign_in(victim.email, PASSWORD)

    assert signed_in(client)


def test_parallel_guesses_take_turns_and_cannot_outrun_the_back_off(settings, clock):
    """Twenty guesses at once on one (account, address), against the suite's Redis when there is one (the cache
    production uses): only the free failures reach the password check, the rest are refused."""
    if os.environ.get("REDIS_URL"):
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
        }
    login = f"objetivo-{uuid.uuid4().hex}@example.mx"  # a key of its own in a shared Redis
    checked = []
    refused = []
    start = threading.Barrier(20)

    def guess() -> None:
        def verify() -> bool:
            checked.append(1)
            time.sleep(0.05)  # a password hash takes a while: the window a race would use
            return False

        start.wait()
        try:
            signin_throttle.password_attempt(login=login, ip=NAT, verify=verify)
        except signin_throttle.SigninThrottled:
            refused.append(1)

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(checked) == settings.SIGNIN_THROTTLE["FREE_FAILURES"]
    assert len(refused) == 20 - len(checked)
    cache.delete(_pair(login))


def test_a_password_reset_from_the_e_mail_link_lifts_the_wait(victim, clock, mailoutbox):
    fail(10)  # a user who forgot the password; the next try would wait a minute
    client = Client(REMOTE_ADDR=NAT)
    client.post(reverse("account_reset_password"), {"email": victim.email})
    link = re.search(r"https?://testserver(/accounts/password/reset/key/\S+/)", mailoutbox[0].body).group(1)
    response = client.get(link, follow=True)
    new = "Tamarindo-con-chile-2026"
    client.post(response.redirect_chain[-1][0], {"password1": new, "password2": new})

    client, page = sign_in(victim.email, new)

    assert signed_in(client), page
