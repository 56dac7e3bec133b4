"""Deadline night against a real multi-process server: forty delegates of four organisations open the form, save a
draft, save it again and file it, all at once, through HTTP with sessions and CSRF, into one round.

The server is gunicorn with five worker processes against this run's test database (committed data, hence
``transaction=True``). With the old locks (``FOR UPDATE`` joined to the round and organisation rows) the same
run answered 500 with PostgreSQL's "deadlock detected" on draft saves (4 of 40 in one run); the deadlock needs a
timing window, so tests/consultations/services/test_locking.py checks the locks themselves deterministically.
"""

from __future__ import annotations

import pytest
from django.db import connection

from consultations.drills.deadline import database_url, gunicorn, run_drill, seed_delegates
from consultations.models import Position, PositionRevision, PositionStatus

pytestmark = [pytest.mark.drill, pytest.mark.timeout(180), pytest.mark.django_db(transaction=True)]

DELEGATES = 40
# Ten delegates per organisation: the organisation row is what their transactions share, besides the round.
ORGANISATIONS = 4
WORKERS = 6


def test_forty_delegates_of_four_organisations_filing_at_once_through_gunicorn_get_every_filing_stored_once(tmp_path):
    scenario = seed_delegates(delegates=DELEGATES, organisations=ORGANISATIONS)
    log = tmp_path / "gunicorn.log"

    with gunicorn(workers=WORKERS, database=database_url(connection.settings_dict), log_path=log) as base_url:
        outcome = run_drill(base_url=base_url, scenario=scenario, spread=1.0)

    report = outcome.report() + "\n--- gunicorn ---\n" + log.read_text(errors="replace")[-4000:]
    assert outcome.server_errors == 0, report
    assert outcome.duplicated == 0 and outcome.lost == 0, report
    assert outcome.filed_once == DELEGATES and outcome.ok, report
    filed = Position.objects.filter(round_id=scenario.round_id, status=PositionStatus.SUBMITTED)
    assert filed.count() == DELEGATES
    assert filed.values("created_by").distinct().count() == DELEGATES
    assert filed.values("organisation").distinct().count() == ORGANISATIONS
    assert PositionRevision.objects.filter(position__in=filed, number=1).count() == DELEGATES
