from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from consultations.models import Organisation, Position, Round


@pytest.mark.django_db
def test_benchmark_measures_every_case_and_leaves_nothing_behind():
    out = io.StringIO()
    call_command("benchmark", positions=60, repeat=1, stdout=out)
    report = out.getvalue()
    for case in ("triage queue, coordinator, first page", "dashboard, coordinator", "create + file a position"):
        assert case in report
    assert "rolled back" in report
    assert not Position.objects.exists()
    assert not Round.objects.exists()
    assert not Organisation.objects.exists()
