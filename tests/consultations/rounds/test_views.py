"""Round management pages (staff only; everyone else finds nothing) and the timeline (everyone signed in)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultations.models import AuditEvent, Round
from tests import factories
from tests.conftest import Cast

pytestmark = pytest.mark.django_db

TORONTO = zoneinfo.ZoneInfo("America/Toronto")


def manage_urls(round: Round) -> list[str]:
    return [
        reverse("consultations:round_manage_list"),
        reverse("consultations:round_manage_create"),
        reverse("consultations:round_manage_edit", args=[round.pk]),
        reverse("consultations:round_manage_clone", args=[round.pk]),
        reverse("consultations:round_manage_cancel", args=[round.pk]),
        reverse("consultations:round_manage_input", args=[round.pk]) + "?action=close",
    ]


def form_data(**changes: str) -> dict[str, str]:
    start = timezone.localdate() + dt.timedelta(days=60)
    data = {
        "label": "Ronda de Ottawa",
        "kind": "formal",
        "format": "trilateral",
        "city": "Ottawa",
        "country": "CA",
        "time_zone": "America/Toronto",
        "starts_on": start.isoformat(),
        "ends_on": (start + dt.timedelta(days=4)).isoformat(),
        "input_opens_at": "",
        "submission_deadline": "",
        "digest_at": "",
        "notes": "",
        "takes_positions": "on",
    }
    data.update(changes)
    return data


def save_round(client, url: str, data: dict[str, str]):
    """Send the form, check the summary it answers with, and confirm it: the two steps of saving a round."""
    summary = client.post(url, data)
    assert summary.status_code == 200, "the form should first show what saving will do"
    assert "round-preview" in summary.content.decode()
    return client.post(url, {**data, "previewed": summary.context["form"]["previewed"].value()})


@pytest.fixture
def admin_client(client, cast: Cast):
    client.force_login(cast.admin)
    return client


def test_staff_see_every_management_page(admin_client, open_round: Round) -> None:
    for url in manage_urls(open_round):
        assert admin_client.get(url).status_code == 200, url


@pytest.mark.parametrize("who", ["delegate_a", "coordinator_a", "official_of_chapter", "coordinator"])
def test_everyone_else_finds_nothing(client, cast: Cast, open_round: Round, who: str) -> None:
    client.force_login(getattr(cast, who))
    for url in manage_urls(open_round):
        assert client.get(url).status_code == 404, url
    response = client.post(reverse("consultations:round_manage_cancel", args=[open_round.pk]), {"reason": "No"})
    assert response.status_code == 404
    response = client.post(reverse("consultations:round_manage_create"), form_data())
    assert response.status_code == 404
    open_round.refresh_from_db()
    assert open_round.cancelled_at is None
    assert Round.objects.count() == 1


def test_anonymous_is_sent_to_sign_in(client, open_round: Round) -> None:
    for url in [*manage_urls(open_round), reverse("consultations:round_timeline")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert reverse("account_login") in response.url


def test_create_reads_times_in_the_host_time_zone(admin_client) -> None:
    start = timezone.localdate() + dt.timedelta(days=60)
    deadline = start - dt.timedelta(days=9)
    response = save_round(
        admin_client,
        reverse("consultations:round_manage_create"),
        form_data(submission_deadline=f"{deadline.isoformat()}T17:30"),
    )
    assert response.status_code == 302
    assert response.url == reverse("consultations:round_manage_list")
    round = Round.objects.get()
    assert round.submission_deadline == dt.datetime.combine(deadline, dt.time(17, 30), tzinfo=TORONTO)
    # The digest was left blank: 3 days before the start at 08:00 in Ottawa.
    assert round.digest_at == dt.datetime.combine(start - dt.timedelta(days=3), dt.time(8), tzinfo=TORONTO)


def test_create_with_a_deadline_after_the_start_shows_the_error_and_saves_nothing(admin_client) -> None:
    start = timezone.localdate() + dt.timedelta(days=60)
    response = admin_client.post(
        reverse("consultations:round_manage_create"),
        form_data(submission_deadline=f"{(start + dt.timedelta(days=2)).isoformat()}T10:00"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["submission_deadline"]
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Round.objects.exists()


def test_the_form_says_what_saving_will_do_and_saves_only_what_was_confirmed(admin_client) -> None:
    url = reverse("consultations:round_manage_create")
    start = timezone.localdate() + dt.timedelta(days=60)
    summary = admin_client.post(url, form_data())
    page = summary.content.decode()
    assert summary.status_code == 200
    assert not Round.objects.exists()
    preview = summary.context["preview"]
    opens = dt.datetime.combine(start - dt.timedelta(days=30), dt.time.min, tzinfo=TORONTO)
    assert preview["round"].input_opens_at == opens
    assert preview["status"] == Round.Status.PLANNED
    assert preview["deadline"] in page and preview["opens"] in page

    # A value changed after the summary gets a new summary, not a save.
    fingerprint = summary.context["form"]["previewed"].value()
    changed = admin_client.post(url, {**form_data(label="Otra ronda"), "previewed": fingerprint})
    assert changed.status_code == 200
    assert "round-preview" in changed.content.decode()
    assert not Round.objects.exists()


def test_a_digest_before_the_deadline_asks_for_confirmation(admin_client) -> None:
    url = reverse("consultations:round_manage_create")
    start = timezone.localdate() + dt.timedelta(days=60)
    early = form_data(digest_at=f"{(start - dt.timedelta(days=10)).isoformat()}T08:00")
    refused = admin_client.post(url, early)
    assert refused.context["form"].errors["digest_at"]
    assert 'name="early_digest"' in refused.content.decode()
    assert "round-preview" not in refused.content.decode()

    assert save_round(admin_client, url, {**early, "early_digest": "on"}).status_code == 302
    assert Round.objects.get().digest_at.date() == start - dt.timedelta(days=10)


def test_edit_shows_host_times_and_saves(admin_client, cast: Cast) -> None:
    start = timezone.localdate() + dt.timedelta(days=60)
    deadline = dt.datetime.combine(start - dt.timedelta(days=7), dt.time(18), tzinfo=TORONTO)
    round = factories.RoundFactory(
        label="Ronda de Ottawa",
        time_zone="America/Toronto",
        starts_on=start,
        ends_on=start + dt.timedelta(days=4),
        submission_deadline=deadline,
        digest_at=dt.datetime.combine(start - dt.timedelta(days=3), dt.time(8), tzinfo=TORONTO),
    )
    url = reverse("consultations:round_manage_edit", args=[round.pk])
    page = admin_client.get(url).content.decode()
    assert f'value="{(start - dt.timedelta(days=7)).isoformat()}T18:00"' in page
    data = form_data(
        label="Ronda de Ottawa (sede nueva)",
        input_opens_at=round.input_opens_at.astimezone(TORONTO).strftime("%Y-%m-%dT%H:%M"),
        submission_deadline=f"{(start - dt.timedelta(days=7)).isoformat()}T18:00",
        digest_at=f"{(start - dt.timedelta(days=3)).isoformat()}T08:00",
    )
    assert save_round(admin_client, url, data).status_code == 302
    round.refresh_from_db()
    assert round.label == "Ronda de Ottawa (sede nueva)"
    assert round.submission_deadline == deadline


def test_editing_a_meeting_without_a_call_for_positions_does_not_add_one(admin_client) -> None:
    past = timezone.localdate() - dt.timedelta(days=200)
    meeting = factories.RoundFactory(
        label="Reunión ministerial",
        kind=Round.Kind.MINISTERIAL,
        starts_on=past,
        ends_on=past,
        input_opens_at=None,
        submission_deadline=None,
        digest_at=None,
    )
    url = reverse("consultations:round_manage_edit", args=[meeting.pk])
    assert 'name="takes_positions"' in admin_client.get(url).content.decode()
    data = form_data(label="Reunión ministerial (Washington)", kind="ministerial", starts_on=past.isoformat())
    data["ends_on"] = past.isoformat()
    del data["takes_positions"]  # an unticked checkbox is not sent
    assert save_round(admin_client, url, data).status_code == 302
    meeting.refresh_from_db()
    assert meeting.label == "Reunión ministerial (Washington)"
    assert (meeting.input_opens_at, meeting.submission_deadline, meeting.digest_at) == (None, None, None)


def test_clone_asks_for_the_new_start(admin_client, open_round: Round) -> None:
    url = reverse("consultations:round_manage_clone", args=[open_round.pk])
    assert f"{open_round.label} (copia)" in admin_client.get(url).content.decode()
    new_start = open_round.starts_on + dt.timedelta(days=40)
    response = admin_client.post(url, {"starts_on": new_start.isoformat(), "label": ""})
    assert response.status_code == 302
    copy = Round.objects.exclude(pk=open_round.pk).get()
    assert copy.starts_on == new_start
    assert copy.label == f"{open_round.label} (copia)"


def test_cancel_names_the_round_and_its_positions_then_cancels(admin_client, cast: Cast, open_round: Round) -> None:
    for _ in range(3):
        factories.PositionFactory(round=open_round, status="submitted", filed_at=timezone.now())
    factories.PositionFactory(round=open_round)
    url = reverse("consultations:round_manage_cancel", args=[open_round.pk])
    page = admin_client.get(url, headers={"Accept-Language": "en"}).content.decode()
    assert open_round.label in page
    assert "3 filed positions" in page or "3 posiciones presentadas" in page
    assert "1 draft" in page or "1 borrador" in page
    response = admin_client.post(url, {"reason": "Sede no disponible"})
    assert response.status_code == 302
    open_round.refresh_from_db()
    assert open_round.cancelled_at is not None


def test_cancel_without_a_reason_changes_nothing(admin_client, open_round: Round) -> None:
    url = reverse("consultations:round_manage_cancel", args=[open_round.pk])
    response = admin_client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    open_round.refresh_from_db()
    assert open_round.cancelled_at is None


def test_close_input_confirms_then_closes(admin_client, open_round: Round) -> None:
    url = reverse("consultations:round_manage_input", args=[open_round.pk])
    page = admin_client.get(url + "?action=close").content.decode()
    assert 'name="action" value="close"' in page
    response = admin_client.post(url, {"action": "close"})
    assert response.status_code == 302
    open_round.refresh_from_db()
    assert open_round.status == Round.Status.INPUT_CLOSED


def test_open_input_from_the_list(admin_client) -> None:
    planned = factories.RoundFactory(input_opens_at=timezone.now() + dt.timedelta(days=3))
    list_page = admin_client.get(reverse("consultations:round_manage_list")).content.decode()
    assert 'name="action" value="open"' in list_page
    response = admin_client.post(reverse("consultations:round_manage_input", args=[planned.pk]), {"action": "open"})
    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.status == Round.Status.OPEN
    assert AuditEvent.objects.filter(action="round.open_input").count() == 1


def test_a_refused_action_is_explained(admin_client, closed_round: Round) -> None:
    response = admin_client.post(
        reverse("consultations:round_manage_input", args=[closed_round.pk]), {"action": "close"}, follow=True
    )
    assert closed_round.label in response.content.decode()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_the_timeline_lists_every_round_and_highlights_the_current_one(client, cast: Cast, open_round: Round) -> None:
    past = factories.RoundFactory(
        label="Ronda pasada",
        kind=Round.Kind.TECHNICAL,
        starts_on=dt.date(2017, 8, 16),
        ends_on=dt.date(2017, 8, 20),
        input_opens_at=None,
        submission_deadline=None,
        digest_at=None,
    )
    milestone = factories.RoundFactory(
        label="Firma",
        kind=Round.Kind.MILESTONE,
        starts_on=dt.date(2018, 11, 30),
        ends_on=dt.date(2018, 11, 30),
        input_opens_at=None,
        submission_deadline=None,
        digest_at=None,
    )
    client.force_login(cast.delegate_a)
    response = client.get(reverse("consultations:round_timeline"))
    assert response.status_code == 200
    page = response.content.decode()
    for round in (past, milestone, open_round):
        assert f'id="round-{round.pk}"' in page
    current = page.split('aria-current="true"')
    assert len(current) == 2, "exactly one current round"
    assert open_round.label in current[1].split("</li>")[0]
    assert '<time datetime="2017-08-16">' in page
    assert "style=" not in page.split("<main")[1]
    positions = [page.index(f'id="round-{round.pk}"') for round in (past, milestone, open_round)]
    assert positions == sorted(positions), "oldest first"


def test_the_timeline_costs_the_same_queries_for_more_rounds(client, cast: Cast) -> None:
    client.force_login(cast.delegate_a)
    factories.RoundFactory()
    client.get(reverse("consultations:round_timeline"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("consultations:round_timeline"))
    factories.RoundFactory.create_batch(5)
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("consultations:round_timeline"))
    assert len(large.captured_queries) == len(small.captured_queries)


def test_failed_submit_shows_an_error_summary_linking_each_field(admin_client) -> None:
    data = form_data(label="", starts_on="not a date")
    content = admin_client.post(reverse("consultations:round_manage_create"), data).content.decode()
    summary = content.split('class="error-summary"')[1].split("</div>")[0]
    assert "data-autofocus" in summary
    assert 'href="#id_label"' in summary
    assert 'href="#id_starts_on"' in summary
    assert 'id="id_label"' in content and 'id="id_starts_on"' in content
    # The summary is the only thing that takes focus when the page opens.
    assert content.count("data-autofocus") == 1
