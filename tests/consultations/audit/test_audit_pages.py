"""The audit log for platform staff (filter, paginate, CSV export) and a user's own sign-in history."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultations.models import AuditEvent
from consultations.models.audit import ACCESS_DENIED, SIGNIN, SIGNIN_FAILED
from consultations.services.audit import audit_record, current_user_agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(cast):
    """Rows of two organisations, one with a formula for a user agent, and sign-ins of delegate A and B."""
    audit_record(actor=cast.delegate_a, action="position.create", target=cast.org_a, organisation=cast.org_a)
    token = current_user_agent.set('=HYPERLINK("http://evil")')
    try:
        audit_record(actor=cast.delegate_b, action="position.create", target=cast.org_b, organisation=cast.org_b)
    finally:
        current_user_agent.reset(token)
    AuditEvent.objects.create(
        actor=cast.delegate_a, action=SIGNIN, target_type="user", target_id=cast.delegate_a.pk, user_agent="Firefox/1"
    )
    AuditEvent.objects.create(
        action=SIGNIN_FAILED, target_type="user", target_id=cast.delegate_a.pk, data={"email": cast.delegate_a.email}
    )
    AuditEvent.objects.create(actor=cast.delegate_b, action=SIGNIN, target_type="user", target_id=cast.delegate_b.pk)


@pytest.mark.parametrize("url_name", ["consultations:audit_log", "consultations:audit_log_export"])
@pytest.mark.parametrize("role", ["delegate_a", "coordinator_a", "official_of_chapter", "coordinator"])
def test_only_platform_staff_reach_the_audit_log(client, cast, log, url_name, role):
    client.force_login(getattr(cast, role))
    before = AuditEvent.objects.filter(action=ACCESS_DENIED).count()

    response = client.get(reverse(url_name))

    assert response.status_code == 404
    assert AuditEvent.objects.filter(action=ACCESS_DENIED).count() == before + 1


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("consultations:audit_log"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_admin_filters_the_log_by_organisation_and_action(client, cast, log):
    client.force_login(cast.admin)

    response = client.get(
        reverse("consultations:audit_log"), {"organisation": cast.org_b.pk, "action": "position.create"}
    )

    assert response.status_code == 200
    rows = list(response.context["page"].object_list)
    assert [(e.actor, e.action) for e in rows] == [(cast.delegate_b, "position.create")]


def test_admin_filters_by_actor_and_object_type(client, cast, log):
    client.force_login(cast.admin)

    response = client.get(reverse("consultations:audit_log"), {"actor": cast.delegate_a.email, "target_type": "user"})

    assert [e.action for e in response.context["page"].object_list] == [SIGNIN]


def test_the_log_page_costs_the_same_queries_for_few_and_many_rows(client, cast, log):
    client.force_login(cast.admin)
    client.get(reverse("consultations:audit_log"))
    for _ in range(60):
        audit_record(actor=cast.delegate_a, action="position.update", target=cast.org_a, organisation=cast.org_a)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("consultations:audit_log"), {"action": "position.create"})
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("consultations:audit_log"))
    assert response.context["page"].paginator.num_pages == 2
    assert len(many) == len(few)


def test_the_export_is_a_filtered_csv_with_bom_and_neutralised_formulas_and_is_audited(client, cast, log):
    client.force_login(cast.admin)
    before = AuditEvent.objects.count()

    response = client.get(reverse("consultations:audit_log_export"), {"organisation": cast.org_b.pk})
    body = b"".join(response.streaming_content).decode("utf-8")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert len(rows) == 2  # the header and delegate B's row
    assert rows[1][1] == cast.delegate_b.email
    assert rows[1][7] == '\'=HYPERLINK("http://evil")'  # shown as text, never run as a formula
    export = AuditEvent.objects.latest("id")
    assert AuditEvent.objects.count() == before + 1
    assert (export.action, export.actor, export.data["kind"]) == ("export", cast.admin, "audit_log")
    assert export.data["filters"]["organisation"] == cast.org_b.pk


def test_a_user_sees_only_their_own_sign_ins_and_failed_attempts(client, cast, log):
    client.force_login(cast.delegate_a)

    response = client.get(reverse("consultations:signin_history"))

    assert response.status_code == 200
    events = list(response.context["page"].object_list)
    assert {e.action for e in events} == {SIGNIN, SIGNIN_FAILED}
    # force_login itself signed delegate A in once more: every row is delegate A's
    assert all(e.target_id == cast.delegate_a.pk for e in events)
    assert b"Firefox/1" in response.content
