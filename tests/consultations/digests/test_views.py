"""The digest preview (the recipient's own digest) and the delivery history with resend (staff only)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from consultations.models import Delivery, Round, User
from consultations.services import digests
from tests import factories
from tests.consultations.digests.conftest import SECRET, SECRET_NOTE, Room, by_recipient, due_round

pytestmark = pytest.mark.django_db


def _digest_body(html: str) -> str:
    """The included digest body, whitespace-normalised, from an e-mail or the preview page. The e-mail carries its
    sheet inlined into ``style`` attributes (the page links it instead): those are left out of the comparison."""
    html = re.sub(r' style="[^"]*"', "", html)
    start = html.index('<div class="digest">')
    end = html.index('<p class="dg-footer">', start)
    return " ".join(html[start:end].split())


def _client(client: Any, user: User) -> Any:
    client.force_login(user)
    return client


def _deliveries_url(round: Round) -> str:
    return reverse("consultations:round_deliveries", args=[round.pk])


@pytest.fixture
def history(room: Room) -> dict[str, Delivery]:
    """One delivery of the round in each status."""
    key = digests.delivery_key(room.round)
    c = room.cast
    rows = {
        "sent": Delivery.objects.create(
            kind=digests.PRE, key=key, recipient=c.delegate_a, status="sent", sent_at=timezone.now(), attempts=1
        ),
        "failed": Delivery.objects.create(
            kind=digests.PRE, key=key, recipient=c.delegate_b, status="failed", attempts=5, last_error="451 try later"
        ),
        "failed2": Delivery.objects.create(
            kind=digests.PRE, key=key, recipient=c.coordinator_a, status="failed", attempts=1, last_error="550 no"
        ),
        "unknown": Delivery.objects.create(
            kind=digests.PRE, key=key, recipient=c.official_of_other_chapter, status="unknown", last_error="Interrupted"
        ),
        "pending": Delivery.objects.create(kind=digests.PRE, key=key, recipient=c.official_of_chapter),
        "sending": Delivery.objects.create(kind=digests.PRE, key=key, recipient=c.coordinator, status="sending"),
    }
    # Another round's delivery is not counted here.
    Delivery.objects.create(kind=digests.PRE, key=digests.delivery_key(due_round()), recipient=c.delegate_a)
    return rows


def test_the_preview_shows_the_official_exactly_the_digest_they_get(
    room: Room, client: Any, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    official = room.cast.official_of_chapter
    with django_capture_on_commit_callbacks(execute=True):
        digests.digests_dispatch_due()
    message = by_recipient(mailoutbox)[official.email]

    response = _client(client, official).get(reverse("consultations:digest_preview", args=[room.round.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert _digest_body(page) == _digest_body(message.alternatives[0].content)
    assert room.position_a.title in page and room.position_b.title in page
    assert room.position_a_other.title not in page
    assert SECRET_NOTE not in page


@pytest.mark.parametrize("who", ["delegate_a", "coordinator_a", "official_of_other_chapter"])
def test_the_preview_never_shows_another_organisations_government_only_position(
    room: Room, client: Any, who: str
) -> None:
    user = getattr(room.cast, who)
    for kind in digests.KINDS:
        response = _client(client, user).get(
            reverse("consultations:digest_preview", args=[room.round.pk]), {"kind": kind}
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert SECRET not in page and SECRET_NOTE not in page
    if who != "official_of_other_chapter":
        assert room.position_a.title in page


def test_the_delegate_preview_matches_the_delegate_mail(
    room: Room, client: Any, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        digests.digests_dispatch_due()
    message = by_recipient(mailoutbox)[room.cast.delegate_b.email]
    page = _client(client, room.cast.delegate_b).get(reverse("consultations:digest_preview", args=[room.round.pk]))
    assert _digest_body(page.content.decode()) == _digest_body(message.alternatives[0].content)
    assert SECRET in page.content.decode()  # B's own position and response


def test_the_preview_needs_a_sign_in_and_a_real_round(room: Room, client: Any) -> None:
    url = reverse("consultations:digest_preview", args=[room.round.pk])
    assert client.get(url).status_code == 302
    milestone = factories.RoundFactory(kind=Round.Kind.MILESTONE, submission_deadline=None, input_opens_at=None)
    _client(client, room.cast.delegate_a)
    assert client.get(reverse("consultations:digest_preview", args=[milestone.pk])).status_code == 404
    assert client.get(reverse("consultations:digest_preview", args=[987654])).status_code == 404
    assert client.get(url, {"kind": "nonsense"}).status_code == 200


def test_staff_see_counts_per_status_and_a_resend_button_for_failed_ones(
    room: Room, history: dict[str, Delivery], client: Any
) -> None:
    response = _client(client, room.cast.admin).get(_deliveries_url(room.round))
    assert response.status_code == 200
    counts = {kind: by_status for kind, _label, by_status in response.context["counts"]}
    assert counts[digests.PRE] == {"pending": 1, "sending": 1, "sent": 1, "failed": 2, "unknown": 1}
    assert counts[digests.POST] == {"pending": 0, "sending": 0, "sent": 0, "failed": 0, "unknown": 0}
    page = response.content.decode()
    assert '<a href="?status=failed">2</a>' in page
    for name in ("failed", "failed2", "unknown"):
        assert reverse("consultations:delivery_resend", args=[history[name].pk]) in page
    for name in ("sent", "pending", "sending"):
        assert reverse("consultations:delivery_resend", args=[history[name].pk]) not in page
    assert "451 try later" in page
    bulk = reverse("consultations:deliveries_resend_bulk")
    assert f"{bulk}?kind=digest-pre&amp;status=failed&amp;round={room.round.pk}" in page
    assert f"{bulk}?kind=digest-pre&amp;status=unknown&amp;round={room.round.pk}" in page

    failed_only = client.get(_deliveries_url(room.round), {"status": "failed"})
    assert {d.pk for d in failed_only.context["page"].object_list} == {history["failed"].pk, history["failed2"].pk}


def test_resending_an_unknown_outcome_from_the_page_warns_first(
    room: Room, history: dict[str, Delivery], client: Any, django_capture_on_commit_callbacks: Any, mailoutbox: list
) -> None:
    _client(client, room.cast.admin)
    url = reverse("consultations:delivery_resend", args=[history["unknown"].pk])
    with django_capture_on_commit_callbacks(execute=True):
        unconfirmed = client.post(url)
    assert unconfirmed.status_code == 302 and unconfirmed.url == url  # to the warning, nothing sent
    assert mailoutbox == [] and Delivery.objects.get(pk=history["unknown"].pk).status == "unknown"
    warning = client.get(url).content.decode()
    assert 'name="confirm_unknown" value="1"' in warning and 'role="alert"' in warning
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"confirm_unknown": "1"})
    assert [m.to for m in mailoutbox] == [[room.cast.official_of_other_chapter.email]]


def test_bulk_resend_of_a_round_asks_once_then_sends_each_not_sent_digest_once(
    room: Room, history: dict[str, Delivery], client: Any, django_capture_on_commit_callbacks: Any, mailoutbox: list
) -> None:
    _client(client, room.cast.admin)
    bulk = reverse("consultations:deliveries_resend_bulk")
    params = {"kind": digests.PRE, "status": "failed", "round": room.round.pk}
    confirm = client.get(bulk, params)
    assert confirm.status_code == 200 and confirm.context["count"] == 2
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(bulk, params, follow=True)
    assert response.redirect_chain[-1][0] == _deliveries_url(room.round)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([room.cast.delegate_b.email, room.cast.coordinator_a.email])
    assert Delivery.objects.get(pk=history["unknown"].pk).status == "unknown"
    assert client.get(bulk, {"kind": "nonsense", "status": "failed"}).status_code == 404


def test_failed_notification_emails_are_listed_and_resendable(
    room: Room, client: Any, django_capture_on_commit_callbacks: Any, mailoutbox: list
) -> None:
    from consultations.services import triage

    with django_capture_on_commit_callbacks(execute=True):
        triage.position_respond(by=room.cast.official_of_chapter, position=room.position_a, response="Vista.")
    notice = Delivery.objects.filter(kind="position-update").order_by("pk").first()
    Delivery.objects.filter(kind="position-update").update(status="failed", last_error="451 later")
    mailoutbox.clear()
    _client(client, room.cast.admin)
    page = client.get(reverse("consultations:notification_deliveries"), {"status": "failed"})
    assert page.status_code == 200
    assert reverse("consultations:delivery_resend", args=[notice.pk]) in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        one = client.post(reverse("consultations:delivery_resend", args=[notice.pk]))
    assert one.status_code == 302 and one.url == reverse("consultations:notification_deliveries")
    assert [m.to for m in mailoutbox] == [[notice.recipient.email]]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("consultations:deliveries_resend_bulk"), {"kind": "position-update", "status": "failed"})
    assert sorted(m.to[0] for m in mailoutbox) == sorted(room.org_a_members)
    assert set(Delivery.objects.filter(kind="position-update").values_list("status", flat=True)) == {"sent"}


@pytest.mark.parametrize("who", ["official_of_chapter", "coordinator", "delegate_a"])
def test_the_delivery_history_is_404_for_non_staff(room: Room, history: dict[str, Delivery], client: Any, who: str):
    _client(client, getattr(room.cast, who))
    assert client.get(_deliveries_url(room.round)).status_code == 404
    resend = reverse("consultations:delivery_resend", args=[history["failed"].pk])
    assert client.post(resend).status_code == 404
    assert client.get(reverse("consultations:notification_deliveries")).status_code == 404
    bulk = reverse("consultations:deliveries_resend_bulk")
    assert client.post(bulk, {"kind": digests.PRE, "status": "failed", "round": room.round.pk}).status_code == 404
    assert Delivery.objects.get(pk=history["failed"].pk).status == "failed"


def test_staff_resend_from_the_page_sends_once_and_refuses_a_sent_one(
    room: Room,
    history: dict[str, Delivery],
    client: Any,
    django_capture_on_commit_callbacks: Any,
    mailoutbox: list[Any],
) -> None:
    _client(client, room.cast.admin)
    url = reverse("consultations:delivery_resend", args=[history["failed"].pk])
    assert client.get(url).status_code == 200  # the confirmation page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == _deliveries_url(room.round)
    assert [message.to for message in mailoutbox] == [[room.cast.delegate_b.email]]
    assert Delivery.objects.get(pk=history["failed"].pk).status == "sent"

    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(url, follow=True)
        refused = client.post(reverse("consultations:delivery_resend", args=[history["sent"].pk]), follow=True)
    assert len(mailoutbox) == 1
    notices = [str(m) for m in again.context["messages"]] + [str(m) for m in refused.context["messages"]]
    assert len(notices) == 2 and all("sent" in notice.lower() or "enviad" in notice.lower() for notice in notices)
