from __future__ import annotations

import pytest
from django.urls import reverse

from consultations.services import positions as position_services
from tests import factories


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model",
    [
        "user",
        "negotiatingtable",
        "chapter",
        "round",
        "sector",
        "organisation",
        "membership",
        "officialprofile",
        "position",
        "cosignature",
        "invitation",
        "auditevent",
        "briefing",
        "roomquestion",
        "delivery",
        "outboxmessage",
        "notification",
        "chapterstatusentry",
        "openissue",
    ],
)
def test_admin_lists_every_object(client, cast, chapter, open_round, model):
    position = factories.PositionFactory(organisation=cast.org_a, chapter=chapter, round=open_round)
    position_services.position_file(by=cast.delegate_a, position=position)
    client.force_login(cast.admin)
    response = client.get(reverse(f"admin:consultations_{model}_changelist"))
    assert response.status_code == 200


@pytest.mark.django_db
def test_admin_cannot_overwrite_a_position_or_an_audit_event(client, cast, chapter, open_round):
    position = factories.PositionFactory(organisation=cast.org_a, chapter=chapter, round=open_round)
    client.force_login(cast.admin)
    response = client.post(reverse("admin:consultations_position_change", args=[position.pk]), {"title": "Overwritten"})
    assert response.status_code == 403
    position.refresh_from_db()
    assert position.title != "Overwritten"


@pytest.mark.django_db
def test_delegate_cannot_open_the_admin(client, cast):
    client.force_login(cast.delegate_a)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
