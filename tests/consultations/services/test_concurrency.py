"""The deadline rush: the same form sent twice at once, two people filing one draft at once."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from consultations.models import AuditEvent, Position, PositionRevision, PositionStatus
from consultations.services.positions import position_create, position_file
from tests.consultations.services.helpers import draft, position_data

pytestmark = pytest.mark.django_db(transaction=True)


def _race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together; each result is a value or the exception raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # the test inspects whatever was raised
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_same_form_sent_twice_at_once_creates_one_position(cast, chapter, open_round):
    token = uuid.uuid4()
    data = position_data(chapter=chapter, round=open_round)

    results = _race(
        lambda: position_create(by=cast.delegate_a, organisation=cast.org_a, data=data, client_token=token),
        lambda: position_create(by=cast.delegate_a, organisation=cast.org_a, data=data, client_token=token),
    )

    assert all(isinstance(result, Position) for result in results), results
    assert results[0].pk == results[1].pk
    assert Position.objects.count() == 1
    assert AuditEvent.objects.filter(action="position.create").count() == 1


def test_two_members_filing_one_draft_at_once_file_it_once(cast, chapter, open_round):
    position = draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)

    results = _race(
        lambda: position_file(by=cast.delegate_a, position=position),
        lambda: position_file(by=cast.coordinator_a, position=position),
    )

    filed = [result for result in results if isinstance(result, Position)]
    refused = [result for result in results if isinstance(result, ValidationError)]
    assert len(filed) == 1 and len(refused) == 1, results
    assert refused[0].code == "not_draft"
    assert Position.objects.get(pk=position.pk).status == PositionStatus.SUBMITTED
    assert PositionRevision.objects.filter(position=position).count() == 1
    assert AuditEvent.objects.filter(action="position.file").count() == 1
