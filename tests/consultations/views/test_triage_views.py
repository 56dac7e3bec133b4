"""The triage workspace as an official uses it: the queue and its filters, the pane, its actions, bulk actions,
conflicts between two officials, and who gets a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultations.models import InternalNote, Position, PositionStatus, TriageEvent
from consultations.services import positions as position_services
from consultations.services import triage as triage_services
from tests import factories

pytestmark = pytest.mark.django_db

QUEUE = "consultations:triage_queue"
HTMX = {"HX-Request": "true"}


def file(cast, chapter, round, *, organisation=None, by=None, **fields: Any) -> Position:
    """A position filed through the service, as an organisation's delegate does it."""
    position = factories.PositionFactory(
        organisation=organisation or cast.org_a,
        created_by=by or cast.delegate_a,
        chapter=chapter,
        round=round,
        **fields,
    )
    return position_services.position_file(by=by or cast.delegate_a, position=position)


def queue(client, **params: Any):
    return client.get(reverse(QUEUE), params)


def listed_titles(response) -> set[str]:
    return {position.title for position in response.context["page"].object_list}


def refresh(position: Position) -> Position:
    return Position.objects.get(pk=position.pk)


def post_action(client, name: str, position: Position, htmx: bool = True, **data: Any):
    data.setdefault("triage_version", refresh(position).triage_version)
    headers = HTMX if htmx else {}
    return client.post(reverse(f"consultations:{name}", args=[position.pk]), data, headers=headers)


# The queue ------------------------------------------------------------------------------------------------------


def test_queue_lists_only_filed_positions_of_the_officials_chapters(
    official_client, cast, chapter, other_chapter, open_round
):
    mine = file(cast, chapter, open_round, title="Acumulación regional")
    factories.PositionFactory(
        organisation=cast.org_a, created_by=cast.delegate_a, chapter=chapter, round=open_round, title="Borrador"
    )
    file(cast, other_chapter, open_round, title="Aranceles agrícolas")

    response = queue(official_client)

    assert response.status_code == 200
    assert listed_titles(response) == {mine.title}
    content = response.content.decode()
    assert "Borrador" not in content
    assert "Aranceles agrícolas" not in content
    assert 'id="queue-list"' in content and 'id="triage-pane"' in content


def test_queue_filters_narrow_the_list(official_client, official, cast, chapter, open_round):
    chapter_five = factories.ChapterFactory(number=5)
    official.official_profile.chapters.add(chapter_five)
    red = file(cast, chapter, open_round, title="Foco rojo automotriz", is_red_flag=True, priority="red_line")
    plain = file(cast, chapter, open_round, title="Etiquetado de origen", priority="low")
    other = file(
        cast, chapter_five, open_round, title="Textiles y confección", organisation=cast.org_b, by=cast.delegate_b
    )
    triage_services.position_set_status(by=official, position=plain, status=PositionStatus.IN_REVIEW)
    triage_services.position_assign(by=official, position=red, assignee=official)

    assert listed_titles(queue(official_client, status="in_review")) == {plain.title}
    assert listed_titles(queue(official_client, status=["in_review", "submitted"])) == {
        red.title,
        plain.title,
        other.title,
    }
    assert listed_titles(queue(official_client, chapter=chapter_five.pk)) == {other.title}
    assert listed_titles(queue(official_client, red_flag="1")) == {red.title}
    assert listed_titles(queue(official_client, red_flag="0")) == {plain.title, other.title}
    assert listed_titles(queue(official_client, assignee="me")) == {red.title}
    assert listed_titles(queue(official_client, assignee="none")) == {plain.title, other.title}
    assert listed_titles(queue(official_client, q="textiles")) == {other.title}
    assert listed_titles(queue(official_client, priority="red_line")) == {red.title}
    assert listed_titles(queue(official_client, organisation=cast.org_b.pk)) == {other.title}

    Position.objects.filter(pk=other.pk).update(filed_at=open_round.submission_deadline - dt.timedelta(hours=2))
    assert listed_titles(queue(official_client, late="1")) == {other.title}
    assert listed_titles(queue(official_client, late="0")) == {red.title, plain.title}

    Position.objects.filter(pk=plain.pk).update(filed_at=timezone.now() - dt.timedelta(days=9))
    assert listed_titles(queue(official_client, age="7")) == {plain.title}
    oldest_first = [p.title for p in queue(official_client, sort="oldest").context["page"].object_list]
    assert oldest_first[0] == plain.title
    by_priority = [p.title for p in queue(official_client, sort="priority").context["page"].object_list]
    assert by_priority[0] == red.title


def test_bad_filter_values_are_ignored_and_reported_not_a_500(official_client, cast, chapter, open_round):
    position = file(cast, chapter, open_round)
    response = queue(
        official_client,
        round="abc",
        chapter="999999",
        status="nonsense",
        priority="urgent",
        red_flag="maybe",
        assignee="somebody",
        late="2",
        age="-3",
        sort="random",
        page="x",
        position="not-a-number",
        organisation="1;drop",
    )
    assert response.status_code == 200
    assert listed_titles(response) == {position.title}
    assert response.context["filter_form"].errors
    assert "Some filters were not understood" in response.content.decode()


def test_htmx_filter_request_renders_only_the_list(official_client, cast, chapter, open_round):
    file(cast, chapter, open_round)
    response = official_client.get(reverse(QUEUE), {"status": "submitted"}, headers=HTMX)
    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<div id="queue-list"')
    assert "<html" not in content


def test_official_without_chapters_sees_an_explanation(client, cast):
    lonely = factories.official(chapters=[])
    lonely.language = "en"
    lonely.save()
    client.force_login(lonely)
    response = queue(client)
    assert response.status_code == 200
    assert "You have no chapters assigned yet" in response.content.decode()


def test_no_match_shows_the_empty_state_with_a_clear_link(official_client, cast, chapter, open_round):
    file(cast, chapter, open_round)
    content = queue(official_client, q="inexistente").content.decode()
    assert "No positions match these filters." in content
    assert f'href="{reverse(QUEUE)}"' in content


# The pane -------------------------------------------------------------------------------------------------------


def test_pane_with_htmx_returns_only_the_partial(official_client, cast, chapter, open_round):
    position = file(cast, chapter, open_round, body="Texto completo de la posición.")
    response = official_client.get(reverse("consultations:triage_detail", args=[position.pk]), headers=HTMX)
    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<section id="triage-pane"')
    assert "<html" not in content
    assert "Texto completo de la posición." in content


def test_pane_without_htmx_is_the_queue_page_with_the_position_open(official_client, cast, chapter, open_round):
    position = file(cast, chapter, open_round)
    response = official_client.get(reverse("consultations:triage_detail", args=[position.pk]))
    content = response.content.decode()
    assert "<html" in content
    assert 'id="queue-list"' in content
    assert 'id="pane-heading"' in content and position.title in content
    assert response.context["open_id"] == position.pk


def test_queue_opens_the_position_named_in_the_query_string(official_client, cast, chapter, open_round):
    position = file(cast, chapter, open_round)
    response = queue(official_client, position=position.pk)
    assert response.context["open_id"] == position.pk
    assert 'aria-current="true"' in response.content.decode()


def test_pane_links_near_duplicates_to_the_comparison_and_has_no_merge_form(official_client, cast, chapter, open_round):
    position = file(cast, chapter, open_round, title="Reglas de origen para autopartes ligeras")
    twin = file(
        cast, chapter, open_round, organisation=cast.org_b, by=cast.delegate_b, title="Reglas de origen para autopartes"
    )
    content = official_client.get(
        reverse("consultations:triage_detail", args=[position.pk]), headers=HTMX
    ).content.decode()
    assert twin.title in content
    compare = reverse("consultations:triage_merge", args=[position.pk]) + f"?original={twin.pk}"
    assert f'href="{compare}' in content and f'hx-get="{compare}' in content
    # Merging straight from the pane is no longer possible: no form posts to the merge.
    assert f'action="{reverse("consultations:triage_merge", args=[position.pk])}"' not in content
    assert f'name="original" value="{twin.pk}"' not in content


# Actions --------------------------------------------------------------------------------------------------------


def test_assign_to_me_and_unassign(official_client, official, cast, chapter, open_round):
    position = file(cast, chapter, open_round)

    response = post_action(official_client, "triage_assign", position, assignee="me")
    assert response.status_code == 200
    assert "positionTriaged" in response.headers["HX-Trigger"]
    assert refresh(position).assigned_to == official

    post_action(official_client, "triage_assign", position, assignee="none")
    assert refresh(position).assigned_to is None


def test_plain_post_redirects_back_to_the_queue_with_the_position_open(official_client, cast, chapter, open_round):
    position = file(cast, chapter, open_round)
    response = post_action(
        official_client, "triage_assign", position, htmx=False, assignee="me", next_query="red_flag=0"
    )
    assert response.status_code == 302
    assert response.url == f"{reverse(QUEUE)}?red_flag=0&position={position.pk}"


def test_status_in_review(official_client, cast, chapter, open_round):
    position = file(cast, chapter, open_round)
    response = post_action(official_client, "triage_status", position, status="in_review")
    assert response.status_code == 200
    assert refresh(position).status == PositionStatus.IN_REVIEW
    assert "positionTriaged" in response.headers["HX-Trigger"]


def test_final_status_without_response_shows_the_error_and_changes_nothing(
    official_client, official, cast, chapter, open_round
):
    position = triage_services.position_set_status(
        by=official, position=file(cast, chapter, open_round), status=PositionStatus.IN_REVIEW
    )
    events = TriageEvent.objects.count()

    response = post_action(official_client, "triage_status", position, status="declined", response="  ")

    assert response.status_code == 200
    assert "Write the official response the organisation will read" in response.content.decode()
    assert "HX-Trigger" not in response.headers
    assert refresh(position).status == PositionStatus.IN_REVIEW
    assert TriageEvent.objects.count() == events


def test_the_error_disappears_once_the_action_is_taken(official_client, official, cast, chapter, open_round):
    position = triage_services.position_set_status(
        by=official, position=file(cast, chapter, open_round), status=PositionStatus.IN_REVIEW
    )
    refused = post_action(official_client, "triage_status", position, status="declined", response="")
    assert "Write the official response the organisation will read" in refused.content.decode()

    done = post_action(official_client, "triage_status", position, status="declined", response="Fuera del mandato.")

    page = done.content.decode()
    assert refresh(position).status == PositionStatus.DECLINED
    assert "Write the official response the organisation will read" not in page
    assert "errorlist" not in page and "pane-result" in page


def test_final_status_with_response_is_saved(official_client, official, cast, chapter, open_round):
    position = triage_services.position_set_status(
        by=official, position=file(cast, chapter, open_round), status=PositionStatus.IN_REVIEW
    )
    post_action(official_client, "triage_status", position, status="declined", response="Fuera del mandato.")
    position = refresh(position)
    assert position.status == PositionStatus.DECLINED
    assert position.official_response == "Fuera del mandato."


def test_illegal_transition_shows_the_error(official, official_client, cast, chapter, open_round):
    position = triage_services.position_set_status(
        by=official, position=file(cast, chapter, open_round), status=PositionStatus.NEEDS_INFO, response="¿Datos?"
    )
    response = post_action(official_client, "triage_status", position, status="declined", response="No.")
    assert response.status_code == 200
    assert refresh(position).status == PositionStatus.NEEDS_INFO
    assert "errorlist" in response.content.decode()


def test_note_respond_and_tag(official_client, official, cast, chapter, open_round):
    position = file(cast, chapter, open_round)

    post_action(official_client, "triage_note", position, body="Consultar con la mesa de autos.")
    assert InternalNote.objects.get(position=position).body == "Consultar con la mesa de autos."

    post_action(official_client, "triage_status", position, response="Gracias, lo revisamos.")
    assert refresh(position).official_response == "Gracias, lo revisamos."

    response = post_action(official_client, "triage_tag", position, tag="  Autopartes ")
    assert refresh(position).tags == ["autopartes"]
    assert "autopartes" in response.content.decode()


def test_empty_note_shows_the_error(official_client, cast, chapter, open_round):
    position = file(cast, chapter, open_round)
    response = post_action(official_client, "triage_note", position, body="")
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not InternalNote.objects.exists()


def test_merge_as_duplicate(official_client, cast, chapter, open_round):
    original = file(cast, chapter, open_round, title="Reglas de origen para autopartes")
    duplicate = file(
        cast,
        chapter,
        open_round,
        organisation=cast.org_b,
        by=cast.delegate_b,
        title="Reglas de origen para autopartes ligeras",
    )
    response = post_action(
        official_client, "triage_merge", duplicate, original=original.pk, response="Se atiende junto.", confirm="on"
    )
    assert response.status_code == 200
    duplicate = refresh(duplicate)
    assert duplicate.status == PositionStatus.MERGED
    assert duplicate.duplicate_of == original


def test_merge_into_a_position_out_of_scope_is_missing(official_client, cast, chapter, other_chapter, open_round):
    position = file(cast, chapter, open_round)
    foreign = file(cast, other_chapter, open_round)
    response = post_action(
        official_client, "triage_merge", position, original=foreign.pk, response="Duplicado.", confirm="on"
    )
    assert response.status_code == 404
    url = reverse("consultations:triage_merge", args=[position.pk])
    assert official_client.get(url, {"original": foreign.pk}).status_code == 404
    assert refresh(position).status == PositionStatus.SUBMITTED


def test_stale_version_shows_the_other_officials_change_and_changes_nothing(official_client, cast, chapter, open_round):
    colleague = factories.official(chapters=[chapter])
    colleague.full_name = "Lucía Colega"
    colleague.save()
    position = file(cast, chapter, open_round)
    seen_version = position.triage_version
    triage_services.position_set_status(by=colleague, position=position, status=PositionStatus.IN_REVIEW)
    current = refresh(position)

    response = post_action(
        official_client, "triage_status", position, triage_version=seen_version, response="Mi respuesta."
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "Another official changed this position" in content
    assert "Lucía Colega" in content
    assert "Mi respuesta." in content  # what the official typed is kept
    assert f'name="triage_version" value="{current.triage_version}"' in content
    after = refresh(position)
    assert after.official_response == ""
    assert after.triage_version == current.triage_version


def test_stale_version_on_merge_is_a_conflict(official_client, cast, chapter, open_round):
    colleague = factories.official(chapters=[chapter])
    original = file(cast, chapter, open_round, title="Reglas de origen para autopartes")
    duplicate = file(cast, chapter, open_round, title="Reglas de origen para autopartes ligeras")
    seen_version = duplicate.triage_version
    triage_services.position_assign(by=colleague, position=duplicate, assignee=colleague)

    response = post_action(
        official_client,
        "triage_merge",
        duplicate,
        triage_version=seen_version,
        original=original.pk,
        response="Igual.",
        confirm="on",
    )
    assert "Another official changed this position" in response.content.decode()
    assert refresh(duplicate).status == PositionStatus.SUBMITTED


# Bulk -----------------------------------------------------------------------------------------------------------


def test_bulk_status_skips_positions_in_an_illegal_state(
    official_client, official, cast, chapter, other_chapter, open_round
):
    first = file(cast, chapter, open_round)
    second = file(cast, chapter, open_round)
    reviewed = triage_services.position_set_status(
        by=official, position=file(cast, chapter, open_round), status=PositionStatus.IN_REVIEW
    )
    foreign = file(cast, other_chapter, open_round)

    response = official_client.post(
        reverse("consultations:triage_bulk"),
        {"ids": [first.pk, second.pk, reviewed.pk, foreign.pk], "action": "status", "status": "in_review"},
        headers=HTMX,
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert f"2 done: #{first.pk} «{first.title}»; #{second.pk} «{second.title}»." in content
    assert "1 skipped:" in content
    assert f"#{reviewed.pk}" in content
    assert "positionTriaged" in response.headers["HX-Trigger"]
    assert refresh(first).status == refresh(second).status == PositionStatus.IN_REVIEW
    assert refresh(foreign).status == PositionStatus.SUBMITTED
    bulk_ids = set(TriageEvent.objects.filter(position__in=[first, second]).values_list("bulk_id", flat=True))
    assert len(bulk_ids) == 1 and None not in bulk_ids


def test_bulk_assign_to_me_and_tag(official_client, official, cast, chapter, open_round):
    positions = [file(cast, chapter, open_round) for _ in range(2)]
    ids = [p.pk for p in positions]
    official_client.post(reverse("consultations:triage_bulk"), {"ids": ids, "action": "assign_me"}, headers=HTMX)
    official_client.post(
        reverse("consultations:triage_bulk"), {"ids": ids, "action": "tag", "tag": "Autos"}, headers=HTMX
    )
    for position in positions:
        position = refresh(position)
        assert position.assigned_to == official
        assert position.tags == ["autos"]


def test_bulk_without_selection_reports_it(official_client, cast, chapter, open_round):
    response = official_client.post(reverse("consultations:triage_bulk"), {"action": "assign_me"}, headers=HTMX)
    assert response.status_code == 200
    assert "Select at least one position." in response.content.decode()


def test_plain_bulk_post_redirects_to_the_queue(official_client, cast, chapter, open_round):
    position = file(cast, chapter, open_round)
    response = official_client.post(
        reverse("consultations:triage_bulk"), {"ids": [position.pk], "action": "assign_me", "next_query": "sort=oldest"}
    )
    assert response.status_code == 302
    assert response.url == f"{reverse(QUEUE)}?sort=oldest"


# Who may not ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["delegate_a", "official_of_other_chapter", "admin"])
def test_non_officials_of_the_chapter_get_404_everywhere(client, cast, chapter, open_round, who):
    position = file(cast, chapter, open_round)
    client.force_login(getattr(cast, who))
    detail = client.get(reverse("consultations:triage_detail", args=[position.pk]))
    assert detail.status_code == 404
    other = file(cast, chapter, open_round, organisation=cast.org_b, by=cast.delegate_b)
    compare = reverse("consultations:triage_merge", args=[position.pk])
    assert client.get(compare, {"original": other.pk}).status_code == 404
    assert client.get(compare, {"original": other.pk}, headers=HTMX).status_code == 404
    assert client.get(reverse("consultations:triage_detail", args=[position.pk]), headers=HTMX).status_code == 404
    for name, data in [
        ("triage_assign", {"assignee": "me"}),
        ("triage_status", {"status": "in_review"}),
        ("triage_note", {"body": "x"}),
        ("triage_tag", {"tag": "x"}),
        ("triage_merge", {"original": position.pk, "response": "x", "confirm": "on"}),
    ]:
        response = client.post(
            reverse(f"consultations:{name}", args=[position.pk]), {"triage_version": 1, **data}, headers=HTMX
        )
        assert response.status_code == 404, name
    assert refresh(position).triage_version == 1
    assert not InternalNote.objects.exists()


def test_queue_and_bulk_are_404_for_a_delegate(client, cast, chapter, open_round):
    position = file(cast, chapter, open_round)
    client.force_login(cast.delegate_a)
    assert client.get(reverse(QUEUE)).status_code == 404
    bulk = client.post(reverse("consultations:triage_bulk"), {"ids": [position.pk], "action": "assign_me"})
    assert bulk.status_code == 404
    assert refresh(position).assigned_to is None


def test_official_of_another_chapter_sees_nothing_of_this_chapter_in_the_queue(client, cast, chapter, open_round):
    position = file(cast, chapter, open_round)
    client.force_login(cast.official_of_other_chapter)
    response = client.get(reverse(QUEUE))
    assert response.status_code == 200
    assert position.title not in response.content.decode()
    bulk = client.post(
        reverse("consultations:triage_bulk"), {"ids": [position.pk], "action": "assign_me"}, headers=HTMX
    )
    assert "No position was changed." in bulk.content.decode() or "No se cambió" in bulk.content.decode()
    assert refresh(position).assigned_to is None


def test_anonymous_is_sent_to_sign_in(client, cast, chapter, open_round):
    response = client.get(reverse(QUEUE))
    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_internal_note_never_reaches_the_delegate(client, official_client, cast, chapter, open_round):
    position = file(cast, chapter, open_round)
    post_action(official_client, "triage_note", position, body="NOTA-INTERNA-SECRETA")
    post_action(official_client, "triage_status", position, response="Respuesta pública.")

    client.force_login(cast.delegate_a)
    for url in (
        reverse("consultations:position_detail", args=[position.pk]),
        reverse("consultations:position_list"),
        reverse("consultations:position_revisions", args=[position.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert "NOTA-INTERNA-SECRETA" not in response.content.decode()
    assert (
        "Respuesta pública."
        in client.get(reverse("consultations:position_detail", args=[position.pk])).content.decode()
    )


# Query counts ---------------------------------------------------------------------------------------------------


def _queries(client, url: str, **kwargs: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **kwargs).status_code == 200
    return len(captured)


def test_queue_and_pane_cost_the_same_queries_for_few_and_many_positions(official_client, cast, chapter, open_round):
    first = file(cast, chapter, open_round, title="Reglas de origen para autopartes")
    url_queue = reverse(QUEUE)
    url_pane = reverse("consultations:triage_detail", args=[first.pk])
    few = (_queries(official_client, url_queue), _queries(official_client, url_pane, headers=HTMX))
    for index in range(12):
        position = file(cast, chapter, open_round, title=f"Reglas de origen para autopartes {index}")
        triage_services.position_tag(by=cast.official_of_chapter, position=position, tag=f"t{index}")
        triage_services.position_note_add(by=cast.official_of_chapter, position=first, body=f"nota {index}")
    many = (_queries(official_client, url_queue), _queries(official_client, url_pane, headers=HTMX))
    assert few == many
