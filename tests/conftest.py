"""Fixtures for the roles of the permission matrix and a round open for input."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from consultations import models
from tests import factories


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """PBKDF2 at full strength costs most of a test's setup; the hasher is not what these tests are about."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def isolated_cache(settings) -> None:
    """A cache per test: the sign-in throttle's counts must not leak from one test (or run) into another."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def notifications_at_once(settings) -> None:
    """Status-change e-mails go out at once in tests, one per change, as with ``NOTIFICATION_BATCH_WINDOW=0``.
    The batching tests (tests/consultations/triage/test_batching.py) and the drills set the window."""
    settings.NOTIFICATION_BATCH_WINDOW = 0


@pytest.fixture
def eager_celery(settings):
    """Run Celery tasks in this process (the outbox too): no test drops a message into the project's broker."""
    from usmca.celery import app

    # Read before the settings change: Celery loads its configuration from the settings on first use.
    previous = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture
def open_round(db) -> models.Round:
    return factories.RoundFactory()


@pytest.fixture
def closed_round(db) -> models.Round:
    return factories.RoundFactory(closed=True)


@pytest.fixture
def chapter(db) -> models.Chapter:
    return factories.ChapterFactory(number=4, title_en="Rules of Origin", title_es="Reglas de Origen")


@pytest.fixture
def other_chapter(db) -> models.Chapter:
    return factories.ChapterFactory(number=3, title_en="Agriculture", title_es="Agricultura")


@dataclass
class Cast:
    """Everyone in the room: two organisations (A and B) and the government side."""

    org_a: models.Organisation
    org_b: models.Organisation
    delegate_a: models.User
    delegate_b: models.User
    coordinator_a: models.User
    official_of_chapter: models.User
    official_of_other_chapter: models.User
    coordinator: models.User  # the chief negotiator's team: reads everything
    admin: models.User


@pytest.fixture
def cast(db, chapter, other_chapter) -> Cast:
    return build_cast(chapter, other_chapter)


def build_cast(chapter: models.Chapter, other_chapter: models.Chapter) -> Cast:
    """The cast, for fixtures of a wider scope than ``cast`` (the permission matrix builds its world once)."""
    org_a = factories.OrganisationFactory(name="Cámara Ficticia A", acronym="CFA")
    org_b = factories.OrganisationFactory(name="Cámara Ficticia B", acronym="CFB")
    delegate_a = factories.MembershipFactory(organisation=org_a).user
    delegate_b = factories.MembershipFactory(organisation=org_b).user
    coordinator_a = factories.MembershipFactory(organisation=org_a, role=models.Membership.Role.COORDINATOR).user
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    return Cast(
        org_a=org_a,
        org_b=org_b,
        delegate_a=delegate_a,
        delegate_b=delegate_b,
        coordinator_a=coordinator_a,
        official_of_chapter=factories.official(chapters=[chapter]),
        official_of_other_chapter=factories.official(chapters=[other_chapter]),
        coordinator=factories.official(chapters=[], coordinator=True),
        admin=admin,
    )


def pytest_sessionfinish(session, exitstatus) -> None:
    """Stop the embedded PostgreSQL if this test run started it (a `make run` server is left alone)."""
    from django.conf import settings

    from usmca import embedded

    if getattr(settings, "EMBEDDED_DATABASE", False) and embedded.started_here:
        from django.db import connections

        connections.close_all()
        embedded.stop(settings.EMBEDDED_PG_DIR)


def pytest_collection_modifyitems(config, items) -> None:
    """The long fuzzing runs (marker ``fuzz``) take the better part of an hour: they run only when a marker expression
    names them (``make fuzz`` is ``-m fuzz``), never in a plain ``make test``."""
    if "fuzz" in (config.getoption("markexpr") or ""):
        return
    deselected = [item for item in items if item.get_closest_marker("fuzz")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("fuzz")]
