"""Triage decisions that must not surprise: one field for the official response with one rule, decisions straight
from "submitted", a default queue of what needs work (oldest first), bulk results that name each position."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from consultations.models import PositionStatus, TriageEvent
from consultations.services import triage as triage_services
from tests.consultations.views.test_triage_views import HTMX, QUEUE, file, post_action, refresh

pytestmark = pytest.mark.django_db
S = PositionStatus


def test_a_decision_is_taken_straight_from_submitted(official_client, cast, chapter, open_round):
    position = file(cast, chapter, open_round)

    post_action(official_client, "triage_status", position, status=S.DECLINED, response="Fuera del mandato.")

    stored = refresh(position)
    assert (stored.status, stored.official_response) == (S.DECLINED, "Fuera del mandato.")
    event = stored.triage_events.get(action=TriageEvent.Action.STATUS)
    assert (event.from_status, event.to_status) == (S.SUBMITTED, S.DECLINED)


def test_a_final_status_after_a_saved_response_keeps_it_without_asking_again(
    official, official_client, cast, chapter, open_round
):
    position = file(cast, chapter, open_round)
    triage_services.position_respond(by=official, position=position, response="Lo estamos analizando.")
    saved_at = refresh(position).responded_at

    # The form comes back with the saved text in its one response field; sending it unchanged keeps it.
    response = post_action(
        official_client, "triage_status", position, status=S.NOTED, response="Lo estamos analizando."
    )

    assert "errorlist" not in response.content.decode()
    stored = refresh(position)
    assert (stored.status, stored.official_response, stored.responded_at) == (
        S.NOTED,
        "Lo estamos analizando.",
        saved_at,
    )
    # Nor is an empty response taken as "replace it with nothing".
    triage_services.position_set_status(by=official, position=stored, status=S.IN_REVIEW)
    post_action(official_client, "triage_status", position, status=S.DECLINED, response="")
    assert (refresh(position).status, refresh(position).official_response) == (S.DECLINED, "Lo estamos analizando.")


def test_a_final_status_without_any_response_is_refused_on_the_response_field(
    official_client, cast, chapter, open_round
):
    position = file(cast, chapter, open_round)

    response = post_action(official_client, "triage_status", position, status=S.DECLINED, response="  ")

    assert refresh(position).status == S.SUBMITTED
    assert "Write the official response the organisation will read with this status." in response.content.decode()


def test_the_response_alone_is_saved_from_the_same_form_and_nothing_at_all_is_refused(
    official_client, cast, chapter, open_round
):
    position = file(cast, chapter, open_round)

    post_action(official_client, "triage_status", position, status="", response="Gracias, lo revisamos.")
    assert (refresh(position).status, refresh(position).official_response) == (S.SUBMITTED, "Gracias, lo revisamos.")

    response = post_action(official_client, "triage_status", position, status="", response="")
    assert "Choose a new status or write the response." in response.content.decode()
    unchanged = post_action(official_client, "triage_status", position, status="", response="Gracias, lo revisamos.")
    assert "Nothing to save" in unchanged.content.decode()
    assert refresh(position).triage_events.filter(action=TriageEvent.Action.RESPONSE).count() == 1


def test_the_pane_has_one_response_field_holding_the_saved_text(official, official_client, cast, chapter, open_round):
    position = file(cast, chapter, open_round)
    triage_services.position_respond(by=official, position=position, response="Texto guardado.")

    pane = official_client.get(reverse("consultations:triage_detail", args=[position.pk]), headers=HTMX)

    content = pane.content.decode()
    outside_merges = re.sub(r"<form[^>]*triage/\d+/merge/.*?</form>", "", content, flags=re.S)
    fields = re.findall(r'<textarea[^>]*name="response"[^>]*>(.*?)</textarea>', outside_merges, flags=re.S)
    assert [text.strip() for text in fields] == ["Texto guardado."]
    assert "/respond/" not in content


def test_the_first_visit_shows_what_needs_work_oldest_first_with_the_filter_visible(
    official, official_client, cast, chapter, open_round
):
    file(cast, chapter, open_round, title="Primera presentada")
    reviewed = file(cast, chapter, open_round, title="En revisión")
    triage_services.position_set_status(by=official, position=reviewed, status=S.IN_REVIEW)
    finished = file(cast, chapter, open_round, title="Ya decidida")
    triage_services.position_set_status(by=official, position=finished, status=S.NOTED, response="Tomada en cuenta.")

    response = official_client.get(reverse(QUEUE))

    assert [p.title for p in response.context["page"].object_list] == ["Primera presentada", "En revisión"]
    form = response.context["filter_form"]
    assert set(form.cleaned_data["status"]) == {S.SUBMITTED, S.IN_REVIEW}
    assert form.cleaned_data["sort"] == "oldest"
    assert form.more_in_use()  # the status filter that explains the list is open, not hidden

    # Any filter in the URL is taken as given: clearing every status (the form still sends its sort) shows all.
    everything = official_client.get(reverse(QUEUE), {"sort": "newest"})
    assert [p.title for p in everything.context["page"].object_list] == [
        "Ya decidida",
        "En revisión",
        "Primera presentada",
    ]


def test_bulk_results_name_each_position_done_and_skipped(official, official_client, cast, chapter, open_round):
    first = file(cast, chapter, open_round, title="Acero laminado")
    withdrawn = file(cast, chapter, open_round, title="Retirada")
    from consultations.services import positions as position_services

    position_services.position_withdraw(by=cast.delegate_a, position=withdrawn)

    response = official_client.post(
        reverse("consultations:triage_bulk"),
        {"ids": [first.pk, withdrawn.pk], "action": "status", "status": S.NOTED, "response": "Tomada en cuenta."},
        headers=HTMX,
    )

    content = response.content.decode()
    assert f"1 done: #{first.pk} «Acero laminado»." in content
    assert f"1 skipped: #{withdrawn.pk} «Retirada»:" in content
