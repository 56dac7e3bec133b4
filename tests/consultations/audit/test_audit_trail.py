"""The audit trail: sign-in, sign-out, denials and downloads each leave exactly one row, with the client's address
and user agent; the application's own database connection cannot change or empty the table."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse

from consultations.models import AuditEvent
from consultations.models.audit import SIGNIN, SIGNIN_FAILED, SIGNOUT
from consultations.services import attachments as attachment_services
from consultations.services import positions as position_services
from consultations.views.helpers import require_perm
from tests.consultations.services.helpers import draft, pdf_bytes, upload

pytestmark = pytest.mark.django_db

AGENT = "Mozilla/5.0 (X11; Linux x86_64) AuditTest/13"


def _sign_in(client, email: str, password: str):
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        HTTP_USER_AGENT=AGENT,
        REMOTE_ADDR="198.51.100.23",
    )


def test_sign_in_leaves_one_row_with_address_and_user_agent(client, cast):
    _sign_in(client, cast.delegate_a.email, "correct-horse-battery")

    event = AuditEvent.objects.get(action=SIGNIN)
    assert (event.actor, event.target_type, event.target_id) == (cast.delegate_a, "user", cast.delegate_a.pk)
    assert (event.ip_address, event.user_agent) == ("198.51.100.23", AGENT)


def test_failed_sign_in_records_the_address_tried_and_never_the_password(client, cast):
    _sign_in(client, cast.delegate_a.email, "wrong-password-123")
    _sign_in(client, "nobody@example.mx", "wrong-password-456")

    known, unknown = AuditEvent.objects.filter(action=SIGNIN_FAILED).order_by("id")
    assert known.actor is None
    assert (known.target_type, known.target_id) == ("user", cast.delegate_a.pk)
    assert known.data["email"] == cast.delegate_a.email
    assert (unknown.target_type, unknown.target_id, unknown.data["email"]) == ("", None, "nobody@example.mx")
    stored = str(list(AuditEvent.objects.values_list("data", flat=True)))
    assert "wrong-password" not in stored
    assert not AuditEvent.objects.filter(action=SIGNIN).exists()


def test_sign_out_leaves_one_row(client, cast):
    client.force_login(cast.delegate_a)

    client.post(reverse("account_logout"), HTTP_USER_AGENT=AGENT)

    event = AuditEvent.objects.get(action=SIGNOUT)
    assert (event.actor, event.user_agent) == (cast.delegate_a, AGENT)


def test_a_rules_denial_answers_404_and_leaves_one_row(cast, chapter, open_round):
    position = draft(organisation=cast.org_b, by=cast.delegate_b, chapter=chapter, round=open_round)
    request = RequestFactory().get("/", HTTP_USER_AGENT=AGENT)
    request.user = cast.delegate_a

    with pytest.raises(Exception) as raised:
        require_perm(request, "consultations.change_position", position)

    assert raised.type.__name__ == "Http404"
    assert str(raised.value) == ""  # nothing about the object reaches the user
    event = AuditEvent.objects.get(action="access.denied")
    assert (event.actor, event.target_type, event.target_id) == (cast.delegate_a, "position", position.pk)
    assert event.data == {"permission": "consultations.change_position"}


def test_a_denied_page_request_leaves_one_row_and_shows_nothing(client, cast, chapter, open_round, media_root):
    """Delegate B may read a position shared with the room but not delete its attachment."""
    position = draft(
        organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round, confidentiality="room"
    )
    attachment = attachment_services.attachment_add(
        by=cast.delegate_a, position=position, upload=upload("secret-plan.pdf", pdf_bytes())
    )
    position_services.position_file(by=cast.delegate_a, position=position)
    client.force_login(cast.delegate_b)
    before = AuditEvent.objects.count()

    response = client.post(reverse("consultations:attachment_delete", args=[attachment.pk]))

    assert response.status_code == 404
    assert b"secret-plan" not in response.content
    assert AuditEvent.objects.count() == before + 1
    assert AuditEvent.objects.latest("id").action == "access.denied"


def test_an_attachment_download_from_the_pages_leaves_one_row(client, cast, chapter, open_round, media_root):
    position = draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    attachment = attachment_services.attachment_add(
        by=cast.delegate_a, position=position, upload=upload("plan.pdf", pdf_bytes())
    )
    client.force_login(cast.delegate_a)
    before = AuditEvent.objects.count()

    response = client.get(
        reverse("consultations:attachment_download", args=[attachment.pk]),
        HTTP_USER_AGENT=AGENT,
        REMOTE_ADDR="198.51.100.24",
    )
    b"".join(response.streaming_content)

    assert response.status_code == 200
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.target_id, event.organisation) == ("attachment.download", attachment.pk, cast.org_a)
    assert (event.ip_address, event.user_agent) == ("198.51.100.24", AGENT)


# --- Enforced inside PostgreSQL, on the application's own connection --------------------------------------------


def _refused(sql: str, params: list | None = None) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_app_connection_is_the_configured_role():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        role = cursor.fetchone()[0]
    assert role == settings.DATABASES["default"]["USER"]


def test_the_app_role_cannot_update_delete_or_truncate_audit_rows(cast):
    event = AuditEvent.objects.create(action="probe", target_type="user", target_id=cast.delegate_a.pk)
    with connection.cursor() as cursor:
        # Fire the deferred foreign-key checks now: PostgreSQL would refuse the TRUNCATE for them first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    _refused("UPDATE consultations_auditevent SET action = 'forged' WHERE id = %s", [event.pk])
    _refused("DELETE FROM consultations_auditevent WHERE id = %s", [event.pk])
    _refused("TRUNCATE consultations_auditevent")
    _refused("TRUNCATE consultations_auditevent CASCADE")

    assert AuditEvent.objects.get(pk=event.pk).action == "probe"
