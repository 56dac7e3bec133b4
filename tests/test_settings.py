"""Production refuses to start half-configured; development needs no configuration at all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


# Strong enough for production: 50+ characters, many distinct ones (never used anywhere else).
STRONG_KEY = "k7R2pQ9xZ4mW1vB8nL3tY6cH0sJ5dF2gA9eU4iO7rT1yP3wQ8zX"
PRODUCTION = {"DJANGO_ENV": "production", "DJANGO_SECRET_KEY": STRONG_KEY, "DJANGO_ALLOWED_HOSTS": "cuarto.example.mx"}


def load_settings(expression: str = "settings.DEBUG", **env: str) -> subprocess.CompletedProcess[str]:
    """Load the settings in a fresh interpreter with ``env`` and print ``expression``."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    # A DATABASE_URL keeps these checks away from the embedded server: nothing connects while loading settings.
    environment.update({"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", **env})
    return subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django; django.setup(); from django.conf import settings; print({expression})",
        ],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "usmca.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"DJANGO_ALLOWED_HOSTS": "cuarto.example.mx"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": STRONG_KEY}, "DJANGO_ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_without_secret_key_and_allowed_hosts(env, missing):
    result = load_settings(DJANGO_ENV="production", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_production_starts_when_configured_and_is_not_in_debug():
    result = load_settings(**PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_development_needs_no_configuration():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


@pytest.mark.parametrize(
    "key",
    [
        "x",  # one character
        "s" * 50,  # long but the same character
        "abcd" * 20,  # long but four distinct characters
        "change-me-to-a-long-random-string",  # .env.example's placeholder: 33 characters
        "django-insecure-" + STRONG_KEY,  # startproject's development key
    ],
)
def test_production_refuses_a_weak_secret_key(key):
    result = load_settings(**{**PRODUCTION, "DJANGO_SECRET_KEY": key})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY is too weak" in result.stderr


def test_forwarded_proto_is_trusted_only_when_configured():
    assert load_settings("settings.SECURE_PROXY_SSL_HEADER", **PRODUCTION).stdout.strip() == "None"
    configured = load_settings("settings.SECURE_PROXY_SSL_HEADER", **PRODUCTION, DJANGO_SECURE_PROXY_SSL_HEADER="1")
    assert configured.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')", configured.stderr


def test_the_client_address_comes_from_remote_addr_unless_a_proxy_is_configured():
    expression = "(settings.ALLAUTH_TRUSTED_PROXY_COUNT, settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER)"
    assert load_settings(expression, **PRODUCTION).stdout.strip() == "(0, None)"
    configured = load_settings(
        expression, **PRODUCTION, DJANGO_TRUSTED_PROXY_COUNT="1", DJANGO_TRUSTED_CLIENT_IP_HEADER="X-Real-IP"
    )
    assert configured.stdout.strip() == "(1, 'X-Real-IP')", configured.stderr


def test_production_settings_pass_check_deploy_clean():
    """HSTS, the HTTPS redirect and secure cookies by default: `check --deploy` has nothing to say. The model
    checks ask the database for its version, so this one reads the suite's own database."""
    from django.db import connection

    params = connection.settings_dict
    credentials = f"{params['USER']}:{params['PASSWORD'] or ''}"
    socket_dir = (params.get("OPTIONS") or {}).get("host", "")
    if not params["HOST"] and socket_dir:  # the embedded PostgreSQL listens on a socket in its data folder
        port = f"&port={params['PORT']}" if params["PORT"] else ""
        database_url = f"postgresql://{credentials}@/{params['NAME']}?host={socket_dir}{port}"
    else:
        database_url = (
            f"postgresql://{credentials}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{params['NAME']}"
        )
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "EMAIL_"))}
    environment.update({**PRODUCTION, "DATABASE_URL": database_url, "EMAIL_HOST": "smtp.example.mx"})
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "usmca.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_cookies_are_secure_http_only_and_same_site():
    expression = (
        "(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY, "
        "settings.SESSION_COOKIE_SAMESITE, settings.CSRF_COOKIE_SAMESITE, settings.SECURE_SSL_REDIRECT, "
        "settings.SECURE_HSTS_SECONDS >= 365 * 24 * 3600)"
    )
    result = load_settings(expression, **PRODUCTION)
    assert result.stdout.strip() == "(True, True, True, 'Lax', 'Lax', True, True)", result.stderr


def test_development_keeps_plain_http_cookies_and_no_hsts():
    """Development serves plain HTTP on 127.0.0.1: a Secure cookie would never come back, HSTS would pin it."""
    result = load_settings("(settings.SESSION_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS)")
    assert result.stdout.strip() == "(False, 0)", result.stderr
