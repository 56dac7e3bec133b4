from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import Http404

from consultations.models import Confidentiality, CoSignature, Position, PositionStatus
from consultations.selectors.positions import position_get_for, position_list_visible_to
from consultations.services.cosignatures import cosignature_invite, cosignature_respond
from consultations.services.positions import position_file, position_withdraw
from tests import factories
from tests.conftest import Cast
from tests.consultations.services.helpers import draft, filed

pytestmark = pytest.mark.django_db

ROOM = Confidentiality.ROOM


@dataclass
class World:
    positions: dict[str, Position]

    def names(self, queryset: QuerySet[Position]) -> set[str]:
        by_pk = {position.pk: name for name, position in self.positions.items()}
        return {by_pk[pk] for pk in queryset.values_list("pk", flat=True)}


@pytest.fixture
def world(cast: Cast, chapter, other_chapter, open_round) -> World:
    """Positions of A and B in every state that matters for who sees what."""
    a, b = cast.delegate_a, cast.delegate_b
    common = {"round": open_round}
    positions = {
        "a_draft": draft(organisation=cast.org_a, by=a, chapter=chapter, **common),
        "a_draft_room": draft(organisation=cast.org_a, by=a, chapter=chapter, confidentiality=ROOM, **common),
        "a_filed": filed(organisation=cast.org_a, by=a, chapter=chapter, **common),
        "a_filed_other_chapter": filed(organisation=cast.org_a, by=a, chapter=other_chapter, **common),
        "b_draft": draft(organisation=cast.org_b, by=b, chapter=chapter, **common),
        "b_draft_room": draft(organisation=cast.org_b, by=b, chapter=chapter, confidentiality=ROOM, **common),
        "b_awaiting_room": draft(
            organisation=cast.org_b,
            by=b,
            chapter=chapter,
            confidentiality=ROOM,
            status=PositionStatus.AWAITING_SIGNOFF,
            **common,
        ),
        "b_filed": filed(organisation=cast.org_b, by=b, chapter=chapter, **common),
        "b_filed_room": filed(organisation=cast.org_b, by=b, chapter=chapter, confidentiality=ROOM, **common),
        "b_withdrawn_room": filed(organisation=cast.org_b, by=b, chapter=chapter, confidentiality=ROOM, **common),
        "b_filed_other_chapter": filed(organisation=cast.org_b, by=b, chapter=other_chapter, **common),
        "b_invited_pending": filed(organisation=cast.org_b, by=b, chapter=chapter, **common),
        "b_invited_accepted": filed(organisation=cast.org_b, by=b, chapter=chapter, **common),
        "b_invited_declined": filed(organisation=cast.org_b, by=b, chapter=chapter, **common),
        "b_draft_invited": draft(organisation=cast.org_b, by=b, chapter=chapter, **common),
    }
    position_withdraw(by=b, position=positions["b_withdrawn_room"])
    for name in ("b_invited_pending", "b_invited_accepted", "b_invited_declined", "b_draft_invited"):
        cosignature_invite(by=b, position=positions[name], organisation=cast.org_a)
    for name, accept in (("b_invited_accepted", True), ("b_invited_declined", False)):
        invitation = CoSignature.objects.get(position=positions[name])
        cosignature_respond(by=cast.delegate_a, cosignature=invitation, accept=accept)
    return World(positions=positions)


ALL = {
    "a_draft",
    "a_draft_room",
    "a_filed",
    "a_filed_other_chapter",
    "b_draft",
    "b_draft_room",
    "b_awaiting_room",
    "b_filed",
    "b_filed_room",
    "b_withdrawn_room",
    "b_filed_other_chapter",
    "b_invited_pending",
    "b_invited_accepted",
    "b_invited_declined",
    "b_draft_invited",
}
FILED = ALL - {"a_draft", "a_draft_room", "b_draft", "b_draft_room", "b_awaiting_room", "b_draft_invited"}
OWN_A = {"a_draft", "a_draft_room", "a_filed", "a_filed_other_chapter"}
OWN_B = {name for name in ALL if name.startswith("b_")}

EXPECTED = {
    # Own drafts and filed; B's only when shared with the room and filed and not withdrawn, or co-signing.
    "delegate_a": OWN_A | {"b_filed_room", "b_invited_pending", "b_invited_accepted", "b_draft_invited"},
    "coordinator_a": OWN_A | {"b_filed_room", "b_invited_pending", "b_invited_accepted", "b_draft_invited"},
    "delegate_b": OWN_B,
    "official_of_chapter": {name for name in FILED if "other_chapter" not in name},
    "official_of_other_chapter": {"a_filed_other_chapter", "b_filed_other_chapter"},
    "coordinator": FILED,
    "admin": ALL,
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_sees_exactly_its_positions(cast, world, role):
    visible = world.names(position_list_visible_to(user=getattr(cast, role)))

    assert visible == EXPECTED[role]


def test_delegate_never_sees_another_organisations_government_only_positions(cast, world):
    visible = world.names(position_list_visible_to(user=cast.delegate_a))

    assert "b_filed" not in visible
    assert "b_filed_other_chapter" not in visible
    assert "b_draft" not in visible


def test_room_shared_position_becomes_visible_to_the_room_only_once_filed(cast, world):
    position = world.positions["b_draft_room"]
    assert not position_list_visible_to(user=cast.delegate_a).filter(pk=position.pk).exists()

    position_file(by=cast.delegate_b, position=position)

    assert position_list_visible_to(user=cast.delegate_a).filter(pk=position.pk).exists()


def test_room_shared_position_disappears_from_the_room_when_withdrawn(cast, world):
    position = world.positions["b_filed_room"]

    position_withdraw(by=cast.delegate_b, position=position)

    assert not position_list_visible_to(user=cast.delegate_a).filter(pk=position.pk).exists()
    assert position_list_visible_to(user=cast.official_of_chapter).filter(pk=position.pk).exists()


def test_declining_an_invitation_hides_the_position_again(cast, world):
    position = world.positions["b_invited_pending"]
    assert position_list_visible_to(user=cast.delegate_a).filter(pk=position.pk).exists()

    cosignature_respond(by=cast.delegate_a, cosignature=CoSignature.objects.get(position=position), accept=False)

    assert not position_list_visible_to(user=cast.delegate_a).filter(pk=position.pk).exists()


def test_anonymous_user_sees_nothing(world):
    assert not position_list_visible_to(user=AnonymousUser()).exists()  # type: ignore[arg-type]


def test_deactivated_delegate_sees_nothing(cast, world):
    cast.delegate_a.is_active = False
    cast.delegate_a.save()

    assert not position_list_visible_to(user=cast.delegate_a).exists()


def test_deactivated_staff_user_sees_nothing(cast, world):
    cast.admin.is_active = False
    cast.admin.save()

    assert not position_list_visible_to(user=cast.admin).exists()


def test_user_with_no_role_sees_nothing(world):
    assert not position_list_visible_to(user=factories.UserFactory()).exists()


def test_official_who_is_also_a_member_sees_own_drafts_and_filed_positions_of_chapters(cast, world, chapter):
    factories.MembershipFactory(user=cast.official_of_other_chapter, organisation=cast.org_a)

    visible = world.names(position_list_visible_to(user=cast.official_of_other_chapter))

    assert visible == OWN_A | {
        "b_filed_other_chapter",
        "b_filed_room",
        "b_invited_pending",
        "b_invited_accepted",
        "b_draft_invited",
    }


# position_get_for


@pytest.mark.parametrize(
    ("role", "name"),
    [
        ("delegate_a", "b_filed"),
        ("delegate_a", "b_draft_room"),
        ("delegate_a", "b_withdrawn_room"),
        ("delegate_a", "b_invited_declined"),
        ("delegate_b", "a_draft"),
        ("delegate_b", "a_filed"),
        ("official_of_chapter", "a_draft"),
        ("official_of_chapter", "b_filed_other_chapter"),
        ("official_of_other_chapter", "a_filed"),
        ("coordinator", "b_awaiting_room"),
    ],
)
def test_forbidden_position_answers_404(cast, world, role, name):
    with pytest.raises(Http404):
        position_get_for(user=getattr(cast, role), position_id=world.positions[name].pk)


def test_missing_position_answers_404_like_a_forbidden_one(cast, world):
    missing_id = max(p.pk for p in world.positions.values()) + 1000

    with pytest.raises(Http404) as missing:
        position_get_for(user=cast.delegate_a, position_id=missing_id)
    with pytest.raises(Http404) as forbidden:
        position_get_for(user=cast.delegate_a, position_id=world.positions["b_filed"].pk)

    assert str(missing.value) == str(forbidden.value)


def test_anonymous_user_gets_404_for_any_position(world):
    with pytest.raises(Http404):
        position_get_for(user=AnonymousUser(), position_id=world.positions["b_filed_room"].pk)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("role", "name"),
    [
        ("delegate_a", "a_draft"),
        ("delegate_a", "b_filed_room"),
        ("delegate_a", "b_invited_pending"),
        ("official_of_chapter", "b_filed"),
        ("coordinator", "b_filed_other_chapter"),
        ("admin", "b_draft"),
    ],
)
def test_visible_position_is_returned_with_its_relations_loaded(cast, world, role, name, django_assert_num_queries):
    position = position_get_for(user=getattr(cast, role), position_id=world.positions[name].pk)

    assert position.pk == world.positions[name].pk
    with django_assert_num_queries(0):
        assert position.organisation.name
        assert position.chapter.number
        assert position.round.label
        assert position.created_by.email
        list(position.attachments.all())
        [c.organisation.name for c in position.cosignatures.all()]
