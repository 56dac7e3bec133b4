"""The officials' pages cost the same number of queries at 10 and at 1,000 positions."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultations.models import Position, PositionStatus
from tests.consultations.triage.test_query_counts import Bulk

pytestmark = pytest.mark.django_db


def _queries(client, url: str, **headers: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return len(context.captured_queries)


@pytest.mark.parametrize("role", ["official_of_chapter", "coordinator"])
def test_queue_pane_and_dashboard_cost_the_same_at_10_and_1000_positions(
    client, cast, chapter, other_chapter, open_round, role
):
    bulk = Bulk(cast, chapter, other_chapter, open_round)
    client.force_login(getattr(cast, role))
    bulk.add(10)
    target = Position.objects.filter(chapter=chapter, status=PositionStatus.SUBMITTED).order_by("pk").first()
    twin = (
        Position.objects.filter(chapter=chapter).exclude(pk=target.pk).exclude(status=PositionStatus.WITHDRAWN).first()
    )
    urls = {
        # The bulk titles read alike: nearly every row carries an "N similar" marker, counted in one query.
        "queue, similar": reverse("consultations:triage_queue") + f"?similar_to={target.pk}",
        "compare": reverse("consultations:triage_merge", args=[target.pk]) + f"?original={twin.pk}",
        "queue": reverse("consultations:triage_queue"),
        "queue, filtered": reverse("consultations:triage_queue")
        + f"?round={open_round.pk}&status=submitted&sort=priority",
        "pane": reverse("consultations:triage_detail", args=[target.pk]),
        "dashboard": reverse("consultations:dashboard_round", args=[open_round.pk]),
    }
    small = {name: _queries(client, url) for name, url in urls.items()}
    small_partial = _queries(client, urls["pane"], HX_Request="true")

    bulk.add(990)
    assert Position.objects.count() == 1000
    large = {name: _queries(client, url) for name, url in urls.items()}
    assert large == small
    assert 'class="similar-mark"' in client.get(urls["queue"]).content.decode()
    assert _queries(client, urls["pane"], HX_Request="true") == small_partial
