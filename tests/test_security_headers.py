"""Every answer carries the security headers (issue 13, point 7): a CSP whose scripts need this request's nonce and
that never allows 'unsafe-inline', frame-ancestors 'none', nosniff, a Referrer-Policy; HSTS on HTTPS answers in
production; the session and CSRF cookies HttpOnly (the session's) and SameSite. Production's values of the cookie
flags are read from the settings in tests/test_settings.py."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def _csp(response) -> dict[str, list[str]]:  # noqa: ANN001 - a test client response
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


def _assert_secure_headers(response) -> None:  # noqa: ANN001
    csp = _csp(response)
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("signed_in", [False, True], ids=["sign-in page", "signed in"])
def test_pages_carry_the_security_headers_and_every_script_the_nonce(cast, signed_in) -> None:  # noqa: ANN001
    client = Client()
    if signed_in:
        client.force_login(cast.delegate_a)
    urls = [reverse("account_login")] if not signed_in else [
        reverse("consultations:position_list"), reverse("consultations:search") + "?q=acero",
        reverse("consultations:notification_list"),
    ]  # fmt: skip
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_secure_headers(response)
        nonces = [s.removeprefix("'nonce-").removesuffix("'") for s in _csp(response)["script-src"] if "nonce-" in s]
        assert len(nonces) == 1, "script-src needs a per-request nonce"
        body = response.content.decode()
        scripts = re.findall(r"<script\b[^>]*>", body)
        assert scripts, "no script on the page: the nonce check is vacuous"
        for tag in scripts:
            assert f'nonce="{nonces[0]}"' in tag or "src=" in tag, tag
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", body), "an inline event handler needs 'unsafe-inline'"


def test_the_nonce_changes_on_every_request(cast) -> None:  # noqa: ANN001
    client = Client()
    first, second = (_csp(client.get(reverse("account_login")))["script-src"] for _ in range(2))
    assert first != second


def test_error_and_download_answers_carry_the_headers_too(cast) -> None:  # noqa: ANN001
    client = Client()
    client.force_login(cast.delegate_b)
    _assert_secure_headers(client.get("/positions/999999999/"))
    _assert_secure_headers(client.get(reverse("consultations:position_export", args=["csv"])))


def test_hsts_on_https_answers_when_configured(cast, settings) -> None:  # noqa: ANN001
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = Client().get(reverse("account_login"), secure=True)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "Strict-Transport-Security" not in Client().get(reverse("account_login")).headers


def test_the_session_cookie_is_http_only_and_same_site(cast, settings) -> None:  # noqa: ANN001
    settings.SESSION_COOKIE_SECURE = True
    client = Client()
    user = factories.UserFactory(email="cookie@example.mx")
    user.set_password("correct-horse-battery-staple-9")
    user.save()
    response = client.post(
        reverse("account_login"), {"login": "cookie@example.mx", "password": "correct-horse-battery-staple-9"}
    )
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value
    assert cookie["httponly"] and cookie["secure"]
    assert cookie["samesite"] == "Lax"
