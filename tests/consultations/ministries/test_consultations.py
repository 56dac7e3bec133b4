"""Consultation requests between ministries: every write path, each refusal, who sees what."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from consultations.models import AuditEvent, ConsultationRequest, Ministry, Position
from consultations.selectors.ministries import (
    consultation_list_for_position,
    consultation_list_visible_to,
    consultation_open_count_for,
    consultation_queue_for,
)
from consultations.services.ministries import consultation_answer, consultation_request_create, consultation_today
from tests import factories
from tests.consultations.ministries.conftest import official_of
from tests.consultations.services.helpers import filed

pytestmark = pytest.mark.django_db

# 21:00 on 29 November in Mexico City, already 30 November in UTC: due dates are Mexico City days.
NOW = dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 29)


@pytest.fixture
def position(cast, chapter, open_round) -> Position:
    return filed(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)


def ask(by, position, ministry: Ministry | None, **overrides: Any) -> ConsultationRequest:
    values = {"question": "¿Afecta a los insumos agrícolas?", "due_on": TODAY + dt.timedelta(days=3), "now": NOW}
    return consultation_request_create(by=by, position=position, to_ministry=ministry, **(values | overrides))


def test_today_is_a_mexico_city_day():
    assert consultation_today(NOW) == TODAY


def test_an_official_asks_another_ministry_and_it_is_recorded(cast, position, ministries):
    request = ask(cast.official_of_chapter, position, ministries["agricultura"])
    request.refresh_from_db()
    assert (request.from_ministry.code, request.to_ministry.code) == ("economia", "agricultura")
    assert (request.status, request.requested_by, request.position) == (
        ConsultationRequest.Status.OPEN,
        cast.official_of_chapter,
        position,
    )
    event = AuditEvent.objects.get(action="consultation.request")
    assert event.data["to"] == "agricultura"
    assert event.organisation is None  # an internal act: never in an organisation's trail


def test_due_today_is_accepted(cast, position, ministries):
    assert ask(cast.official_of_chapter, position, ministries["agricultura"], due_on=TODAY).due_on == TODAY


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ministry": "economia"}, "to_ministry", "is your own ministry"),
        ({"ministry": None}, "to_ministry", "Choose the ministry whose opinion you need."),
        ({"question": "   "}, "question", "Write the question the other ministry should answer."),
        ({"question": "x" * 4001}, "question", "at most 4000 characters"),
        ({"due_on": TODAY - dt.timedelta(days=1)}, "due_on", "has passed: choose today or a later day"),
        ({"due_on": None}, "due_on", "Give the day the answer is due."),
    ],
)
def test_bad_requests_are_refused_with_a_clear_message_and_nothing_saved(
    cast, position, ministries, overrides, field, message
):
    code = overrides.pop("ministry", "agricultura")
    ministry = ministries[code] if code else None
    with pytest.raises(ValidationError) as error:
        ask(cast.official_of_chapter, position, ministry, **overrides)
    assert message in " ".join(error.value.message_dict[field])
    assert not ConsultationRequest.objects.exists()
    assert not AuditEvent.objects.filter(action="consultation.request").exists()


def test_the_own_ministry_message_names_it(cast, position, ministries):
    with pytest.raises(ValidationError) as error:
        ask(cast.official_of_chapter, position, ministries["economia"])
    assert error.value.message_dict["to_ministry"] == [
        "Ministry of Economy is your own ministry: a consultation asks another ministry for its opinion."
    ]


def test_an_inactive_ministry_cannot_be_consulted(cast, position, ministries):
    Ministry.objects.filter(code="agricultura").update(is_active=False)
    with pytest.raises(ValidationError):
        ask(cast.official_of_chapter, position, Ministry.objects.get(code="agricultura"))
    assert not ConsultationRequest.objects.exists()


@pytest.mark.parametrize("role", ["official_of_other_chapter", "delegate_a", "coordinator_a", "admin"])
def test_only_who_triages_the_position_may_ask(cast, position, ministries, role):
    with pytest.raises(ValidationError) as error:
        ask(getattr(cast, role), position, ministries["agricultura"])
    assert error.value.code == "forbidden"
    assert not ConsultationRequest.objects.exists()


def test_the_coordinator_may_ask_about_any_chapter(cast, position, ministries):
    assert ask(cast.coordinator, position, ministries["hacienda"]).from_ministry.code == "economia"


def test_a_draft_is_never_consulted_on(cast, chapter, open_round, ministries):
    draft = factories.PositionFactory(
        organisation=cast.org_a, created_by=cast.delegate_a, chapter=chapter, round=open_round
    )
    with pytest.raises(ValidationError):
        ask(cast.official_of_chapter, draft, ministries["agricultura"])


def test_without_reference_ministries_the_official_is_told(cast, position, ministries):
    ConsultationRequest.objects.all().delete()
    agricultura = ministries["agricultura"]
    Ministry.objects.filter(code="economia").delete()
    with pytest.raises(ValidationError) as error:
        ask(cast.official_of_chapter, position, agricultura)
    assert error.value.code == "no_ministry"


# --- Answers -------------------------------------------------------------------------------------------------


@pytest.fixture
def request_to_agricultura(cast, position, ministries) -> ConsultationRequest:
    return ask(cast.official_of_chapter, position, ministries["agricultura"])


def test_an_official_of_the_ministry_consulted_answers(request_to_agricultura, agricultura_official):
    answered = consultation_answer(by=agricultura_official, request=request_to_agricultura, answer="  Sin riesgo.  ")
    answered.refresh_from_db()
    assert (answered.status, answered.answer, answered.answered_by) == ("answered", "Sin riesgo.", agricultura_official)
    assert answered.answered_at is not None
    assert AuditEvent.objects.filter(action="consultation.answer", target_id=answered.pk).exists()


@pytest.mark.parametrize("who", ["requester", "hacienda", "coordinator", "delegate"])
def test_nobody_else_answers(cast, request_to_agricultura, hacienda_official, who):
    by = {
        "requester": cast.official_of_chapter,
        "hacienda": hacienda_official,
        "coordinator": cast.coordinator,
        "delegate": cast.delegate_a,
    }[who]
    with pytest.raises(ValidationError) as error:
        consultation_answer(by=by, request=request_to_agricultura, answer="Opinión.")
    assert error.value.code == "forbidden"
    expected = "Only officials of Ministry of Agriculture and Rural Development answer this request."
    assert expected in error.value.messages
    request_to_agricultura.refresh_from_db()
    assert (request_to_agricultura.status, request_to_agricultura.answer) == ("open", "")


def test_an_empty_answer_is_refused(request_to_agricultura, agricultura_official):
    with pytest.raises(ValidationError) as error:
        consultation_answer(by=agricultura_official, request=request_to_agricultura, answer=" \n ")
    assert error.value.message_dict == {"answer": ["Write your ministry's answer."]}
    request_to_agricultura.refresh_from_db()
    assert request_to_agricultura.status == "open"


def test_the_second_answer_is_refused_naming_the_first(request_to_agricultura, agricultura_official, other_chapter):
    colleague = official_of("agricultura", chapters=[other_chapter], name="Otra Analista")
    consultation_answer(by=agricultura_official, request=request_to_agricultura, answer="Primera.")
    with pytest.raises(ValidationError) as error:
        consultation_answer(by=colleague, request=request_to_agricultura, answer="Segunda.")
    assert error.value.code == "answered"
    assert "Analista de Agricultura already answered this request" in error.value.messages[0]
    assert ConsultationRequest.objects.get().answer == "Primera."


def test_a_deactivated_official_cannot_answer(request_to_agricultura, agricultura_official):
    agricultura_official.is_active = False
    agricultura_official.save()
    with pytest.raises(ValidationError):
        consultation_answer(by=agricultura_official, request=request_to_agricultura, answer="Opinión.")


# --- Who sees what -------------------------------------------------------------------------------------------


def test_visibility_follows_the_ministries(cast, position, ministries, agricultura_official, hacienda_official):
    to_agricultura = ask(cast.official_of_chapter, position, ministries["agricultura"])
    to_hacienda = ask(cast.official_of_chapter, position, ministries["hacienda"])

    def visible(user) -> set[int]:
        return set(consultation_list_visible_to(user=user).values_list("pk", flat=True))

    both = {to_agricultura.pk, to_hacienda.pk}
    assert visible(agricultura_official) == {to_agricultura.pk}
    assert visible(hacienda_official) == {to_hacienda.pk}
    assert visible(cast.official_of_chapter) == both  # the requesting ministry, on the position's chapter
    assert visible(cast.coordinator) == both
    # Economía, but not on the position's chapter: not theirs to read.
    assert visible(cast.official_of_other_chapter) == set()
    for role in ("delegate_a", "delegate_b", "coordinator_a", "admin"):
        assert visible(getattr(cast, role)) == set(), role
    assert [r.pk for r in consultation_list_for_position(user=agricultura_official, position=position)] == [
        to_agricultura.pk
    ]


def test_the_queue_and_its_count(cast, position, ministries, agricultura_official):
    first = ask(cast.official_of_chapter, position, ministries["agricultura"])
    ask(cast.official_of_chapter, position, ministries["hacienda"])
    assert [r.pk for r in consultation_queue_for(user=agricultura_official)] == [first.pk]
    assert consultation_open_count_for(user=agricultura_official) == 1
    assert consultation_open_count_for(user=cast.official_of_chapter) == 0
    assert consultation_open_count_for(user=cast.delegate_a) == 0
    assert len(consultation_queue_for(user=cast.official_of_chapter, box="sent")) == 2
    consultation_answer(by=agricultura_official, request=first, answer="Listo.")
    assert consultation_open_count_for(user=agricultura_official) == 0
    assert [r.pk for r in consultation_queue_for(user=agricultura_official, status="answered")] == [first.pk]
    assert list(consultation_queue_for(user=agricultura_official, status="open")) == []


# --- Open issues ---------------------------------------------------------------------------------------------


@pytest.fixture
def issue(cast, chapter, open_round, position):
    from consultations.services import state_of_play as state_of_play_services

    return state_of_play_services.open_issue_create(
        chapter=chapter,
        round=open_round,
        by=cast.coordinator,
        text="Valor de contenido regional 75 % frente a 85 %",
        parties=["US"],
        positions=[position],
    )


def test_an_official_of_the_chapter_asks_about_an_open_issue(cast, issue, ministries, agricultura_official):
    request = consultation_request_create(
        by=cast.official_of_chapter,
        open_issue=issue,
        to_ministry=ministries["agricultura"],
        question="¿Qué umbral sostiene la agroindustria?",
        due_on=TODAY,
        now=NOW,
    )
    assert (request.open_issue, request.position) == (issue, None)
    assert AuditEvent.objects.get(action="consultation.request").data["open_issue"] == issue.pk
    assert set(consultation_list_visible_to(user=agricultura_official)) == {request}
    assert set(consultation_list_visible_to(user=cast.official_of_chapter)) == {request}
    assert not consultation_list_visible_to(user=cast.official_of_other_chapter).exists()
    answered = consultation_answer(by=agricultura_official, request=request, answer="Un 70 % es viable.")
    assert answered.status == "answered"


def test_who_does_not_read_the_chapters_state_of_play_cannot_ask_about_its_issue(cast, issue, ministries):
    for user in (cast.official_of_other_chapter, cast.delegate_a, cast.admin):
        with pytest.raises(ValidationError) as error:
            consultation_request_create(
                by=user, open_issue=issue, to_ministry=ministries["hacienda"], question="¿?", due_on=TODAY, now=NOW
            )
        assert error.value.messages == ["You cannot ask for opinions on this open issue."]
    assert not ConsultationRequest.objects.exists()


def test_a_request_is_about_one_subject(cast, issue, position, ministries):
    with pytest.raises(ValueError):
        consultation_request_create(
            by=cast.coordinator,
            position=position,
            open_issue=issue,
            to_ministry=ministries["hacienda"],
            question="¿?",
            due_on=TODAY,
            now=NOW,
        )
