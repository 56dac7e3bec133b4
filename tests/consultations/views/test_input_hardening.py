"""Inputs that used to answer 500 or slip past a check: another organisation's form token, a deeply nested
briefing, line breaks in one-line fields, a draft or amendment posted without its version; demo tokens."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from consultations.forms.positions import AmendForm, PositionDraftForm
from consultations.forms.room import BriefingForm
from consultations.forms.rounds import RoundCloneForm
from consultations.models import Position
from consultations.reference import demo
from consultations.services.briefings import render_markdown
from consultations.services.positions import position_file
from tests.consultations.services.helpers import draft

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _position_post(chapter, round, **extra) -> dict[str, str]:
    data = {
        "chapter": str(chapter.pk),
        "round": str(round.pk),
        "title": "Título",
        "summary": "Resumen.",
        "stance": "defensive",
        "priority": "high",
        "confidentiality": "government",
    }
    data.update(extra)
    return data


def test_a_client_token_used_by_another_organisation_makes_a_new_position_and_reveals_nothing(
    cast, chapter, open_round
):
    theirs = draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    response = _client(cast.delegate_b).post(
        reverse("consultations:position_create"),
        _position_post(chapter, open_round, client_token=str(theirs.client_token), title="Nuestra"),
    )
    assert response.status_code == 302
    ours = Position.objects.get(organisation=cast.org_b)
    assert response.url == reverse("consultations:position_detail", args=[ours.pk])
    assert ours.client_token != theirs.client_token and ours.title == "Nuestra"
    assert Position.objects.get(pk=theirs.pk).organisation == cast.org_a


def test_demo_tokens_are_stable_but_keyed_by_the_secret_key(settings):
    first = demo.position_token(7)
    assert demo.position_token(7) == first
    assert first != uuid.uuid5(uuid.UUID("6f1c3a52-2026-4c0d-9a1e-5c0a7d3e1f00"), "demo-position-7")
    settings.SECRET_KEY = "another installation's secret key, long enough"
    assert demo.position_token(7) != first


@pytest.mark.parametrize(
    "body",
    ["- " * 3000, "1. " * 3000, "- " * 3000 + "x", "".join("  " * i + "- x\n" for i in range(600)), "> " * 3000],
)
def test_a_pathologically_nested_briefing_renders_as_escaped_text_instead_of_crashing(body):
    html = render_markdown(body + "\n<script>alert(1)</script>")
    assert "<script>" not in html
    assert html


def test_ordinary_nested_lists_still_render_as_lists():
    assert "<ul>" in render_markdown("- a\n  - b\n    - c\n")


def test_line_breaks_and_control_characters_are_cleaned_from_one_line_fields(cast, chapter, open_round):
    form = PositionDraftForm(_position_post(chapter, open_round, title="Reglas\r\nBcc: x@example.com\u202e\x07"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["title"] == "Reglas Bcc: x@example.com"
    assert "\n" in PositionDraftForm(_position_post(chapter, open_round, summary="uno\ndos")).data["summary"]
    assert BriefingForm(user=cast.admin).fields["title"].clean("Sesión\n2\t") == "Sesión 2"
    clone = RoundCloneForm({"label": "Ronda\n7", "starts_on": "2030-01-10"})
    clone.is_valid()
    assert clone.cleaned_data.get("label") == "Ronda 7"


def test_a_title_typed_with_a_line_break_is_stored_on_one_line(cast, chapter, open_round):
    response = _client(cast.delegate_a).post(
        reverse("consultations:position_create"), _position_post(chapter, open_round, title="Primera\nSegunda")
    )
    assert response.status_code == 302
    assert Position.objects.get(organisation=cast.org_a).title == "Primera Segunda"


def test_editing_a_draft_without_its_version_is_refused_with_a_clear_message(cast, chapter, open_round):
    position = draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    response = _client(cast.delegate_a).post(
        reverse("consultations:position_edit", args=[position.pk]),
        _position_post(chapter, open_round, title="Sobrescrito"),
    )
    assert response.status_code == 200
    assert "version" in response.content.decode() or "versión" in response.content.decode()
    assert Position.objects.get(pk=position.pk).title != "Sobrescrito"


def test_amending_without_the_version_is_refused_with_a_clear_message(cast, chapter, open_round):
    position = draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    position_file(by=cast.delegate_a, position=position)
    data = _position_post(chapter, open_round, title="Sobrescrito")
    form = AmendForm(data, instance=Position.objects.get(pk=position.pk))
    assert not form.is_valid()
    assert form.non_field_errors()
    response = _client(cast.delegate_a).post(reverse("consultations:position_amend", args=[position.pk]), data)
    assert response.status_code == 200
    assert Position.objects.get(pk=position.pk).title != "Sobrescrito"
