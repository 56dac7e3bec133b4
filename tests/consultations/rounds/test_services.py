"""Round management services: defaults in the host city's time, clone offsets, cancel, opening and closing input
early, and refusals for anyone but platform staff."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from consultations.models import AuditEvent, PositionStatus, Round
from consultations.services import rounds as services
from consultations.services.errors import RoundClosed
from consultations.services.positions import position_file
from tests import factories
from tests.conftest import Cast

pytestmark = pytest.mark.django_db

TORONTO = zoneinfo.ZoneInfo("America/Toronto")


def ottawa_data(**changes: object) -> dict[str, object]:
    starts_on = timezone.localdate() + dt.timedelta(days=60)
    data: dict[str, object] = {
        "kind": Round.Kind.FORMAL,
        "format": Round.Format.TRILATERAL,
        "label": "Ronda de Ottawa",
        "city": "Ottawa",
        "country": "ca",
        "time_zone": "America/Toronto",
        "starts_on": starts_on,
        "ends_on": starts_on + dt.timedelta(days=4),
        "input_opens_at": None,
        "submission_deadline": None,
        "digest_at": None,
        "notes": "",
    }
    data.update(changes)
    return data


def test_create_computes_the_deadline_and_digest_in_the_host_time_zone(cast: Cast) -> None:
    data = ottawa_data()
    before = timezone.now()
    round = services.round_create(by=cast.admin, data=data)
    round.refresh_from_db()
    start = data["starts_on"]
    assert round.submission_deadline == dt.datetime.combine(start - dt.timedelta(days=7), dt.time(18), tzinfo=TORONTO)
    assert round.digest_at == dt.datetime.combine(start - dt.timedelta(days=3), dt.time(8), tzinfo=TORONTO)
    # 18:00 in Ottawa, not 18:00 in Mexico City (the site's zone) nor in UTC.
    assert round.submission_deadline.astimezone(TORONTO).time() == dt.time(18)
    assert round.submission_deadline.astimezone(dt.UTC).time() != dt.time(18)
    # Input opens 30 days before the start (midnight in Ottawa), not at once two months ahead.
    assert round.input_opens_at == dt.datetime.combine(start - dt.timedelta(days=30), dt.time.min, tzinfo=TORONTO)
    assert round.input_opens_at > before
    assert round.country == "CA"
    assert round.status == Round.Status.PLANNED
    event = AuditEvent.objects.get(action="round.create", target_id=round.pk)
    assert event.actor == cast.admin


def test_a_round_close_at_hand_opens_at_once(cast: Cast) -> None:
    before = timezone.now()
    start = timezone.localdate() + dt.timedelta(days=12)
    round = services.round_create(by=cast.admin, data=ottawa_data(starts_on=start, ends_on=start))
    assert before <= round.input_opens_at <= timezone.now()
    assert round.status == Round.Status.OPEN


def test_input_opens_when_the_previous_round_closes_so_two_rounds_never_take_input_at_once(cast: Cast) -> None:
    first = services.round_create(
        by=cast.admin, data=ottawa_data(label="Primera", starts_on=timezone.localdate() + dt.timedelta(days=20))
    )
    second_start = timezone.localdate() + dt.timedelta(days=35)
    second = services.round_create(
        by=cast.admin, data=ottawa_data(label="Segunda", starts_on=second_start, ends_on=second_start)
    )
    assert second.input_opens_at == first.submission_deadline
    assert first.status == Round.Status.OPEN
    assert second.status == Round.Status.PLANNED


def test_a_digest_before_the_deadline_is_refused_unless_confirmed(cast: Cast) -> None:
    data = ottawa_data()
    early = dt.datetime.combine(data["starts_on"] - dt.timedelta(days=9), dt.time(8), tzinfo=TORONTO)
    with pytest.raises(ValidationError) as caught:
        services.round_create(by=cast.admin, data={**data, "digest_at": early})
    assert caught.value.error_dict["digest_at"][0].code == "early_digest"
    assert not Round.objects.exists()

    round = services.round_create(by=cast.admin, data={**data, "digest_at": early, "early_digest": True})
    assert round.digest_at == early


def test_the_preview_shows_what_saving_would_do_and_saves_nothing(cast: Cast) -> None:
    preview = services.round_preview(by=cast.admin, data=ottawa_data())
    assert preview.pk is None
    assert preview.submission_deadline is not None and preview.input_opens_at is not None
    assert not Round.objects.exists()


def test_create_keeps_the_times_the_admin_set(cast: Cast) -> None:
    start = timezone.localdate() + dt.timedelta(days=40)
    deadline = dt.datetime.combine(start - dt.timedelta(days=10), dt.time(12), tzinfo=TORONTO)
    opens = dt.datetime.combine(start - dt.timedelta(days=20), dt.time(9), tzinfo=TORONTO)
    digest = dt.datetime.combine(start - dt.timedelta(days=1), dt.time(7, 30), tzinfo=TORONTO)
    round = services.round_create(
        by=cast.admin,
        data=ottawa_data(
            starts_on=start, ends_on=start, submission_deadline=deadline, input_opens_at=opens, digest_at=digest
        ),
    )
    assert (round.submission_deadline, round.input_opens_at, round.digest_at) == (deadline, opens, digest)
    assert round.status == Round.Status.PLANNED


def test_a_milestone_gets_no_call_for_positions(cast: Cast) -> None:
    day = timezone.localdate() + dt.timedelta(days=90)
    round = services.round_create(
        by=cast.admin, data=ottawa_data(kind=Round.Kind.MILESTONE, label="Firma", starts_on=day, ends_on=day)
    )
    assert (round.input_opens_at, round.submission_deadline, round.digest_at) == (None, None, None)


def test_a_meeting_without_a_call_for_positions_gets_no_deadline(cast: Cast) -> None:
    round = services.round_create(
        by=cast.admin, data=ottawa_data(kind=Round.Kind.TECHNICAL, label="Reunión técnica", takes_positions=False)
    )
    assert (round.input_opens_at, round.submission_deadline, round.digest_at) == (None, None, None)
    # Edited later without saying otherwise, it still takes no positions.
    services.round_update(by=cast.admin, round=round, data={"notes": "Sede: Ottawa", "submission_deadline": None})
    round.refresh_from_db()
    assert round.submission_deadline is None


def test_a_deadline_after_the_start_is_a_field_error_and_nothing_is_saved(cast: Cast) -> None:
    data = ottawa_data()
    late = dt.datetime.combine(data["starts_on"] + dt.timedelta(days=1), dt.time(9), tzinfo=TORONTO)
    with pytest.raises(ValidationError) as caught:
        services.round_create(by=cast.admin, data={**data, "submission_deadline": late})
    assert set(caught.value.message_dict) == {"submission_deadline"}
    assert not Round.objects.exists()
    assert not AuditEvent.objects.filter(action="round.create").exists()


def test_the_same_label_on_the_same_day_is_refused_clearly(cast: Cast) -> None:
    services.round_create(by=cast.admin, data=ottawa_data())
    with pytest.raises(ValidationError) as caught:
        services.round_create(by=cast.admin, data=ottawa_data())
    assert "Ronda de Ottawa" in caught.value.message_dict["label"][0]
    assert Round.objects.count() == 1


def test_an_unknown_time_zone_is_a_field_error(cast: Cast) -> None:
    with pytest.raises(ValidationError) as caught:
        services.round_create(by=cast.admin, data=ottawa_data(time_zone="America/Atlantis"))
    assert set(caught.value.message_dict) == {"time_zone"}


def test_update_records_what_changed(cast: Cast, open_round: Round) -> None:
    old_label = open_round.label
    services.round_update(by=cast.admin, round=open_round, data={"label": "Ronda renombrada", "notes": "Sede nueva"})
    open_round.refresh_from_db()
    assert open_round.label == "Ronda renombrada"
    event = AuditEvent.objects.get(action="round.update", target_id=open_round.pk)
    assert event.data["fields"] == ["label", "notes"]
    assert event.data["before"]["label"] == old_label


def test_a_cancelled_round_cannot_be_edited(cast: Cast) -> None:
    round = factories.RoundFactory(cancelled_at=timezone.now())
    with pytest.raises(ValidationError) as caught:
        services.round_update(by=cast.admin, round=round, data={"label": "Otra"})
    assert caught.value.code == "cancelled"


def test_clone_shifts_every_date_by_the_same_offset_in_host_time(cast: Cast) -> None:
    start = timezone.localdate() + dt.timedelta(days=45)
    source = services.round_create(
        by=cast.admin,
        data=ottawa_data(
            starts_on=start,
            ends_on=start + dt.timedelta(days=4),
            input_opens_at=dt.datetime.combine(start - dt.timedelta(days=30), dt.time(0), tzinfo=TORONTO),
            notes="Sede: Ottawa",
        ),
    )
    new_start = start + dt.timedelta(days=150)  # across a daylight-saving change either way
    copy = services.round_clone(by=cast.admin, round=source, starts_on=new_start)
    copy.refresh_from_db()
    assert copy.pk != source.pk
    assert copy.label == "Ronda de Ottawa (copia)"
    assert (copy.kind, copy.format, copy.city, copy.country, copy.time_zone, copy.notes) == (
        source.kind,
        source.format,
        source.city,
        source.country,
        source.time_zone,
        source.notes,
    )
    assert copy.starts_on == new_start
    assert copy.ends_on == new_start + dt.timedelta(days=4)
    local = {
        name: getattr(copy, name).astimezone(TORONTO) for name in ("input_opens_at", "submission_deadline", "digest_at")
    }
    assert (local["input_opens_at"].date(), local["input_opens_at"].time()) == (
        new_start - dt.timedelta(days=30),
        dt.time(0),
    )
    assert (local["submission_deadline"].date(), local["submission_deadline"].time()) == (
        new_start - dt.timedelta(days=7),
        dt.time(18),
    )
    assert (local["digest_at"].date(), local["digest_at"].time()) == (new_start - dt.timedelta(days=3), dt.time(8))
    assert copy.cancelled_at is None
    assert AuditEvent.objects.get(action="round.clone", target_id=copy.pk).data["source"] == source.pk


def test_clone_takes_a_given_label(cast: Cast, open_round: Round) -> None:
    copy = services.round_clone(
        by=cast.admin, round=open_round, starts_on=open_round.starts_on + dt.timedelta(days=60), label="Ronda 9"
    )
    assert copy.label == "Ronda 9"


def test_cancel_sets_cancelled_at_and_keeps_the_reason(cast: Cast, open_round: Round) -> None:
    services.round_cancel(by=cast.admin, round=open_round, reason="Sede no disponible")
    open_round.refresh_from_db()
    assert open_round.cancelled_at is not None
    assert open_round.status == Round.Status.CANCELLED
    event = AuditEvent.objects.get(action="round.cancel", target_id=open_round.pk)
    assert event.data == {"reason": "Sede no disponible", "status_was": "open"}


def test_a_concluded_round_cannot_be_cancelled(cast: Cast) -> None:
    past = timezone.localdate() - dt.timedelta(days=30)
    round = factories.RoundFactory(
        starts_on=past,
        ends_on=past + dt.timedelta(days=2),
        input_opens_at=None,
        submission_deadline=None,
        digest_at=None,
    )
    with pytest.raises(ValidationError) as caught:
        services.round_cancel(by=cast.admin, round=round, reason="Error")
    assert caught.value.code == "concluded"
    round.refresh_from_db()
    assert round.cancelled_at is None


def test_cancel_needs_a_reason(cast: Cast, open_round: Round) -> None:
    with pytest.raises(ValidationError) as caught:
        services.round_cancel(by=cast.admin, round=open_round, reason="  ")
    assert "reason" in caught.value.message_dict
    open_round.refresh_from_db()
    assert open_round.cancelled_at is None


def test_closing_input_early_refuses_new_filings_and_keeps_filed_ones(cast: Cast, chapter, open_round: Round) -> None:
    filed = factories.PositionFactory(
        organisation=cast.org_a, created_by=cast.delegate_a, chapter=chapter, round=open_round
    )
    position_file(by=cast.delegate_a, position=filed)
    draft = factories.PositionFactory(
        organisation=cast.org_a, created_by=cast.delegate_a, chapter=chapter, round=open_round
    )
    original_deadline = open_round.submission_deadline

    services.round_close_input_now(by=cast.admin, round=open_round)

    open_round.refresh_from_db()
    assert open_round.status == Round.Status.INPUT_CLOSED
    assert open_round.submission_deadline <= timezone.now()
    with pytest.raises(RoundClosed):
        position_file(by=cast.delegate_a, position=draft)
    filed.refresh_from_db()
    assert filed.status == PositionStatus.SUBMITTED
    event = AuditEvent.objects.get(action="round.close_input", target_id=open_round.pk)
    assert event.data["submission_deadline_was"] == original_deadline.isoformat()


def test_closing_input_is_refused_when_the_round_is_not_open(cast: Cast, closed_round: Round) -> None:
    deadline = closed_round.submission_deadline
    with pytest.raises(ValidationError) as caught:
        services.round_close_input_now(by=cast.admin, round=closed_round)
    assert caught.value.code == "not_open"
    closed_round.refresh_from_db()
    assert closed_round.submission_deadline == deadline


def test_opening_input_early_lets_delegates_file(cast: Cast, chapter) -> None:
    planned = factories.RoundFactory(input_opens_at=timezone.now() + dt.timedelta(days=3))
    draft = factories.PositionFactory(
        organisation=cast.org_a, created_by=cast.delegate_a, chapter=chapter, round=planned
    )
    with pytest.raises(RoundClosed):
        position_file(by=cast.delegate_a, position=draft)

    services.round_open_input_now(by=cast.admin, round=planned)

    planned.refresh_from_db()
    assert planned.status == Round.Status.OPEN
    filed = position_file(by=cast.delegate_a, position=draft)
    assert filed.status == PositionStatus.SUBMITTED
    assert AuditEvent.objects.filter(action="round.open_input", target_id=planned.pk).exists()


def test_opening_input_is_refused_when_already_open(cast: Cast, open_round: Round) -> None:
    with pytest.raises(ValidationError) as caught:
        services.round_open_input_now(by=cast.admin, round=open_round)
    assert caught.value.code == "open"


@pytest.mark.parametrize("who", ["delegate_a", "coordinator_a", "official_of_chapter", "coordinator"])
def test_only_staff_may_manage_rounds_and_nothing_changes(cast: Cast, open_round: Round, who: str) -> None:
    user = getattr(cast, who)
    planned = factories.RoundFactory(input_opens_at=timezone.now() + dt.timedelta(days=3))
    snapshot = list(Round.objects.order_by("pk").values())
    calls = [
        lambda: services.round_create(by=user, data=ottawa_data()),
        lambda: services.round_update(by=user, round=open_round, data={"label": "Pirata"}),
        lambda: services.round_clone(by=user, round=open_round, starts_on=open_round.starts_on + dt.timedelta(days=30)),
        lambda: services.round_cancel(by=user, round=open_round, reason="No"),
        lambda: services.round_open_input_now(by=user, round=planned),
        lambda: services.round_close_input_now(by=user, round=open_round),
    ]
    for call in calls:
        with pytest.raises(ValidationError) as caught:
            call()
        assert caught.value.code == "forbidden"
    assert list(Round.objects.order_by("pk").values()) == snapshot
    assert not AuditEvent.objects.filter(action__startswith="round.").exists()
