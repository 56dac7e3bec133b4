"""Internal notes stay with officials; tags are normalised, bounded and idempotent."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from consultations.models import AuditEvent, InternalNote, Position, PositionStatus, TriageEvent
from consultations.services import triage
from tests.conftest import Cast
from tests.consultations.triage.conftest import db_counts, row

pytestmark = pytest.mark.django_db

S = PositionStatus
NOTE = "Nota confidencial: la SE no apoyará el 75 % — hablar con la mesa de autos"
RESPONSE = "La Secretaría incorporó su propuesta de acumulación regional."


def test_note_is_stored_and_recorded_without_touching_the_response(cast: Cast, position: Position) -> None:
    note = triage.position_note_add(by=cast.official_of_chapter, position=position, body=f"  {NOTE}  ")

    assert InternalNote.objects.get() == note
    assert (note.body, note.author, note.position_id) == (NOTE, cast.official_of_chapter, position.pk)
    event = TriageEvent.objects.get(position=position)
    assert (event.action, event.data) == (TriageEvent.Action.NOTE, {"note": note.pk})
    assert AuditEvent.objects.filter(action="triage.note", target_id=position.pk).count() == 1
    stored = Position.objects.get(pk=position.pk)
    assert (stored.official_response, stored.responded_at, stored.triage_version) == ("", None, 1)  # notes add up


def test_two_notes_both_stay(cast: Cast, position: Position) -> None:
    triage.position_note_add(by=cast.official_of_chapter, position=position, body="Primera.")
    triage.position_note_add(by=cast.coordinator, position=position, body="Segunda.")

    assert sorted(InternalNote.objects.values_list("body", flat=True)) == ["Primera.", "Segunda."]


@pytest.mark.parametrize("body", ["", " \n "])
def test_empty_note_is_refused(cast: Cast, position: Position, body: str) -> None:
    before_row = row(position)
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        triage.position_note_add(by=cast.official_of_chapter, position=position, body=body)

    assert "body" in caught.value.message_dict
    assert row(position) == before_row
    assert db_counts() == before


def test_delegate_sees_the_response_but_never_notes_assignee_or_tags(
    client: Client, cast: Cast, position: Position
) -> None:
    official = cast.official_of_chapter
    official.full_name = "Licenciada Asignada Secreta"
    official.save()
    triage.position_set_status(by=official, position=position, status=S.IN_REVIEW)
    triage.position_assign(by=official, position=position, assignee=official)
    triage.position_note_add(by=official, position=position, body=NOTE)
    triage.position_tag(by=official, position=position, tag="etiqueta-interna-xyz")
    url = reverse("consultations:position_detail", args=[position.pk])
    client.force_login(cast.delegate_a)

    before_response = client.get(url)

    assert before_response.status_code == 200
    page = before_response.content.decode()
    assert position.title in page
    assert "hablar con la mesa de autos" not in page
    assert RESPONSE not in page

    triage.position_set_status(by=official, position=position, status=S.INCORPORATED, response=RESPONSE)
    after = client.get(url)

    assert after.status_code == 200
    page = after.content.decode()
    assert RESPONSE in page
    assert "hablar con la mesa de autos" not in page
    assert "Licenciada Asignada Secreta" not in page
    assert "etiqueta-interna-xyz" not in page


# Tags.


def test_tag_is_lowercased_with_spaces_collapsed_and_recorded(cast: Cast, position: Position) -> None:
    triage.position_tag(by=cast.official_of_chapter, position=position, tag="  Reglas   de\tORIGEN ")

    stored = Position.objects.get(pk=position.pk)
    assert stored.tags == ["reglas de origen"]
    assert stored.triage_version == 1  # tags add up: no conflict for officials changing the status
    event = TriageEvent.objects.get(position=position)
    assert (event.action, event.data) == (TriageEvent.Action.TAG, {"tag": "reglas de origen"})
    assert AuditEvent.objects.filter(action="triage.tag").count() == 1


def test_tags_add_up_in_order(cast: Cast, position: Position) -> None:
    triage.position_tag(by=cast.official_of_chapter, position=position, tag="autos")
    triage.position_tag(by=cast.official_of_chapter, position=position, tag="acero")

    assert Position.objects.get(pk=position.pk).tags == ["autos", "acero"]


def test_same_tag_again_in_another_spelling_is_a_no_op(cast: Cast, position: Position) -> None:
    triage.position_tag(by=cast.official_of_chapter, position=position, tag="reglas de origen")
    before_row = row(position)
    before = db_counts()

    triage.position_tag(by=cast.coordinator, position=position, tag=" REGLAS  de origen")

    assert row(position) == before_row
    assert db_counts() == before


@pytest.mark.parametrize("tag", ["a" * (triage.MAX_TAG + 1), "palabra " * 6])
def test_too_long_tag_is_refused(cast: Cast, position: Position, tag: str) -> None:
    before_row = row(position)
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        triage.position_tag(by=cast.official_of_chapter, position=position, tag=tag)

    assert "tag" in caught.value.message_dict
    assert row(position) == before_row
    assert db_counts() == before


def test_tag_at_the_limit_after_collapsing_spaces_is_accepted(cast: Cast, position: Position) -> None:
    tag = "x" * 20 + "      " + "y" * 19  # 45 characters typed, 40 once the spaces collapse

    triage.position_tag(by=cast.official_of_chapter, position=position, tag=tag)

    assert Position.objects.get(pk=position.pk).tags == ["x" * 20 + " " + "y" * 19]


@pytest.mark.parametrize("tag", ["", "   "])
def test_empty_tag_is_refused(cast: Cast, position: Position, tag: str) -> None:
    before_row = row(position)

    with pytest.raises(ValidationError) as caught:
        triage.position_tag(by=cast.official_of_chapter, position=position, tag=tag)

    assert "tag" in caught.value.message_dict
    assert row(position) == before_row
