"""A request for more information is answered by amending, as the page's primary action, even after the deadline;
the answer puts the position back in the officials' queue."""

from __future__ import annotations

import pytest
from django.urls import reverse

from consultations.models import PositionStatus, TriageEvent
from consultations.services import positions as position_services
from consultations.services import triage as triage_services
from tests.conftest import Cast
from tests.consultations.services.helpers import close_round, filed

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(cast: Cast, chapter, open_round):
    position = filed(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    return triage_services.position_set_status(
        by=cast.official_of_chapter,
        position=position,
        status=PositionStatus.NEEDS_INFO,
        response="¿Qué volumen exportan hoy a Estados Unidos?",
    )


def test_the_page_makes_answering_the_primary_action(client, cast: Cast, asked) -> None:
    client.force_login(cast.delegate_a)
    page = client.get(reverse("consultations:position_detail", args=[asked.pk])).content.decode()
    amend = reverse("consultations:position_amend", args=[asked.pk])
    assert f'class="button primary" href="{amend}"' in page
    assert "¿Qué volumen exportan hoy a Estados Unidos?" in page
    assert page.index(f'href="{amend}"') < page.index(reverse("consultations:position_withdraw", args=[asked.pk]))


def test_the_answer_is_accepted_after_the_deadline_and_returns_the_position_for_review(
    client, cast: Cast, asked, open_round
) -> None:
    close_round(open_round)
    revisions = asked.revisions.count()
    client.force_login(cast.delegate_a)
    assert client.get(reverse("consultations:position_amend", args=[asked.pk])).status_code == 200

    position = position_services.position_amend(
        by=cast.delegate_a,
        position=asked,
        data={"summary": asked.summary + " Exportamos 1,200 millones de dólares al año."},
        reason="Respuesta a la solicitud de información",
        expected_version=asked.version,
    )

    assert position.status == PositionStatus.IN_REVIEW
    assert position.revisions.count() == revisions + 1
    event = position.triage_events.filter(action=TriageEvent.Action.STATUS).latest("pk")
    assert (event.from_status, event.to_status, event.actor) == (
        PositionStatus.NEEDS_INFO,
        PositionStatus.IN_REVIEW,
        cast.delegate_a,
    )


def test_other_amendments_still_need_the_round_open(cast: Cast, chapter, open_round) -> None:
    from consultations.services.errors import RoundClosed

    position = filed(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    close_round(open_round)
    with pytest.raises(RoundClosed):
        position_services.position_amend(
            by=cast.delegate_a, position=position, data={"summary": "Otro texto"}, expected_version=position.version
        )
