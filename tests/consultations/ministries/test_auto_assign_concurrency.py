"""The rotation under a rush: concurrent filings of one chapter, each a real request in its own thread and database
connection, are spread exactly evenly and in turn; the rotation locks nothing that filings share."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.test import Client
from django.urls import reverse

from consultations.models import (
    Chapter,
    ChapterCoordination,
    Organisation,
    Position,
    PositionStatus,
    Round,
    TriageEvent,
)
from consultations.services import positions as position_services
from consultations.services.ministries import position_auto_assign
from tests import factories
from tests.consultations.services.helpers import draft

pytestmark = pytest.mark.django_db(transaction=True)

FILINGS_PER_ORGANISATION = 4
ORGANISATIONS = 4


def test_concurrent_filings_are_assigned_evenly_and_in_turn(chapter, open_round):
    ChapterCoordination.objects.create(chapter=chapter, auto_assign=True)
    officials = sorted(factories.official(chapters=[chapter]).pk for _ in range(3))
    drafts: list[tuple[object, Position]] = []
    for _ in range(ORGANISATIONS):
        membership = factories.MembershipFactory()
        for _ in range(FILINGS_PER_ORGANISATION):
            drafts.append(
                (
                    membership.user,
                    draft(organisation=membership.organisation, by=membership.user, chapter=chapter, round=open_round),
                )
            )
    start = threading.Barrier(len(drafts))
    answers: list[int] = []
    errors: list[BaseException] = []

    def file(user, position: Position) -> None:
        try:
            client = Client()
            client.force_login(user)
            start.wait(timeout=30)
            response = client.post(reverse("consultations:position_file", args=[position.pk]))
            answers.append(response.status_code)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=file, args=pair) for pair in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert answers == [302] * len(drafts)

    filed = Position.objects.filter(chapter=chapter)
    assert set(filed.values_list("status", flat=True)) == {PositionStatus.SUBMITTED}
    per_official = Counter(filed.values_list("assigned_to_id", flat=True))
    # 16 filings, 3 officials: 6, 5 and 5, the first in id order taking the extra one.
    assert per_official == Counter({officials[0]: 6, officials[1]: 5, officials[2]: 5})
    # In the order the filings committed, the assignees take turns: never twice in a row, none skipped.
    sequence = list(
        TriageEvent.objects.filter(action=TriageEvent.Action.ASSIGN, data__rotation=True)
        .order_by("pk")
        .values_list("data__to", flat=True)
    )
    assert len(sequence) == len(drafts)
    assert sequence == [officials[index % 3] for index in range(len(drafts))]


def _lockable_elsewhere(model, pk: int) -> bool:
    """Whether another connection can take the lock a concurrent insert's foreign-key check takes."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            try:
                cursor.execute(f"SELECT 1 FROM {model._meta.db_table} WHERE id = %s FOR KEY SHARE NOWAIT", [pk])  # noqa: S608
                return True
            except OperationalError:
                return False
            finally:
                cursor.execute("ROLLBACK")
    finally:
        other.close()


def test_the_rotation_locks_neither_the_chapter_nor_the_round_nor_the_organisation(cast, chapter, open_round):
    ChapterCoordination.objects.create(chapter=chapter, auto_assign=True)
    position = draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    with transaction.atomic():
        locked = position_services.lock_position(position.pk)
        assert position_auto_assign(locked, by=cast.delegate_a) == cast.official_of_chapter.pk
        assert _lockable_elsewhere(Chapter, chapter.pk)
        assert _lockable_elsewhere(Round, open_round.pk)
        assert _lockable_elsewhere(Organisation, cast.org_a.pk)
