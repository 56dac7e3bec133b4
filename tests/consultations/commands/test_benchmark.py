"""The CI-sized benchmark: the whole command on a tiny dataset with one request per page. No timing is asserted;
the test proves that every page of the list answers as expected, that the JSON has its shape, and that the run
leaves nothing in the test database nor a benchmark database on the server."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from consultations.bench.dataset import database_name
from consultations.bench.pages import EXPORTS, PAGES
from consultations.models import Organisation, Position

pytestmark = [pytest.mark.bench, pytest.mark.timeout(600), pytest.mark.django_db(transaction=True)]

PAGE_KEYS = {"name", "dataset", "p50_ms", "p95_ms", "queries", "floor_ms", "ratio_floor", "ratio_admin"}


def test_benchmark_answers_every_page_and_writes_the_json(tmp_path):
    out = io.StringIO()
    path = tmp_path / "bench.json"
    call_command("benchmark", dataset="T", requests=1, warmup=0, digests=5, json_path=str(path), stdout=out)
    report = json.loads(path.read_text())
    assert report["dataset"] == "T" and report["positions"] > 1000 and report["machine"]

    pages = [m for m in report["measurements"] if m["kind"] == "page"]
    assert [m["name"] for m in pages] == [page.name for page in PAGES]
    for measurement in pages:
        assert measurement.keys() >= PAGE_KEYS, measurement
        assert measurement["ok"], f"{measurement['name']} answered {measurement['status']}"
        assert measurement["dataset"] == "T"
        assert measurement["p50_ms"] > 0 and measurement["p95_ms"] >= measurement["p50_ms"]
        assert measurement["queries"] > 0
    by_name = {m["name"]: m for m in pages}
    for page in PAGES:
        if page.admin_peer:
            assert by_name[page.name]["ratio_admin"] is not None, page.name
    # The floor is measured for reads (a page's queries replayed alone).
    assert by_name["triage: all, newest"]["floor_ms"] > 0

    (digest,) = [m for m in report["measurements"] if m["kind"] == "digest"]
    assert digest["sampled"] == 5 and digest["digests_per_second"] > 0 and digest["queries_per_recipient"] > 0

    # The exports' peak memory: one streamed through a request, the others written as their job writes them.
    exports = {m["name"]: m for m in report["measurements"] if m["kind"] == "export"}
    assert list(exports) == [page.name for page in EXPORTS]
    for measurement in exports.values():
        assert measurement["ok"] and measurement["peak_mb"] > 0, measurement
    # Every position, with the drafts the filing pages added after the dataset was counted.
    every = exports["CSV export, every position (job)"]["rows"]
    assert every >= report["positions"]
    assert exports["XLSX export, 20,000 positions (job)"]["rows"] == min(20_000, every)

    table = out.getvalue()
    for page in PAGES:
        assert page.name[:41] in table
    # The dataset lived in a database of its own, dropped at the end; the test database was never touched.
    assert not Position.objects.exists() and not Organisation.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database_name("T")])
        assert cursor.fetchone() is None
