"""No state change on GET (issue 13, point 7): every GET of the matrix, by every role that may send it, leaves the
database as it found it — every table but sessions, audit rows and the read caches listed in tests/db_snapshot.py
(each with its reason).

The cases come from ``permission_cases.CASES``, which test_access_coverage.py keeps complete against the URL
resolver: a new GET route is swept here without touching this file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test.utils import override_settings

from tests.consultations.permission_cases import CASES, ROLES, World
from tests.consultations.test_permissions import MATRIX, _client_for, _get
from tests.consultations.test_permissions import matrix_world as matrix_world  # the fixture
from tests.db_snapshot import READ_CACHE_TABLES, db_changes, db_snapshot

DENIED = ("login", 404)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_no_get_route_changes_the_database(matrix_world: World, tmp_path: Path, role: str) -> None:
    world = matrix_world
    client = _client_for(world, role)
    changed: dict[str, object] = {}
    sent = 0
    with override_settings(LOCAL_MAIL_DIR=tmp_path / "mail"):
        for name, case in CASES.items():
            if case.method != "get" or MATRIX[name, role] in DENIED:
                continue
            before = db_snapshot()
            _get(client, case, world)
            sent += 1
            if difference := db_changes(before, db_snapshot(), ignore=set(READ_CACHE_TABLES)):
                changed[name] = difference
    assert not changed, f"GET requests of {role} changed the database: {changed}"
    assert sent, "no GET was allowed to this role: the sweep checked nothing"
