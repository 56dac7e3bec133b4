from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connection, transaction

from consultations.models import AuditEvent
from consultations.services.audit import audit_record, current_ip
from tests.consultations.services.helpers import draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(cast, chapter, open_round) -> AuditEvent:
    position = draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    return audit_record(actor=cast.delegate_a, action="position.create", target=position, organisation=cast.org_a)


def test_audit_record_keeps_actor_target_organisation_and_client_address(cast, chapter, open_round):
    position = draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    token = current_ip.set("203.0.113.7")
    try:
        event = audit_record(
            actor=cast.delegate_a, action="position.create", target=position, organisation=cast.org_a, data={"a": 1}
        )
    finally:
        current_ip.reset(token)

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor == cast.delegate_a
    assert (stored.target_type, stored.target_id) == ("position", position.pk)
    assert stored.organisation == cast.org_a
    assert stored.data == {"a": 1}
    assert stored.ip_address == "203.0.113.7"


def test_audit_record_of_an_anonymous_actor_has_no_actor(cast, chapter, open_round):
    position = draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)

    event = audit_record(actor=AnonymousUser(), action="position.view", target=position)  # type: ignore[arg-type]

    assert event.actor is None


def _refused(operation: Callable[[], object]) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        operation()


def test_audit_event_cannot_be_changed_by_save(event):
    event.action = "position.forged"

    _refused(event.save)

    assert AuditEvent.objects.get(pk=event.pk).action == "position.create"


def test_audit_event_cannot_be_changed_by_queryset_update(event):
    _refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(data={"forged": True}))

    assert AuditEvent.objects.get(pk=event.pk).data == {}


def test_audit_event_cannot_be_deleted(event):
    _refused(event.delete)

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_audit_events_cannot_be_deleted_in_bulk(event):
    _refused(lambda: AuditEvent.objects.all().delete())

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_audit_event_cannot_be_changed_by_raw_sql(event):
    def raw_update() -> None:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE consultations_auditevent SET action = %s WHERE id = %s", ["x", event.pk])

    _refused(raw_update)

    assert AuditEvent.objects.get(pk=event.pk).action == "position.create"
