"""Reads for the account pages: who may manage which organisation, its members and pending invitations."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from consultations.models import Invitation, Membership, OfficialProfile, Organisation, User


def organisation_list_coordinated_by(*, user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(memberships__user=user, memberships__role=Membership.Role.COORDINATOR).order_by(
        "name"
    )


def organisation_list_for_member(*, user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(memberships__user=user, is_active=True).order_by("name")


def organisation_get_for_member(*, user: User, organisation_id: int | None = None) -> Organisation:
    """An organisation ``user`` is a member of (the first by name unless ``organisation_id``); 404 otherwise."""
    organisations = organisation_list_for_member(user=user)
    if organisation_id is not None:
        organisations = organisations.filter(pk=organisation_id)
    organisation = organisations.prefetch_related("followed_chapters").first()
    if organisation is None:
        raise Http404
    return organisation


def organisation_get_coordinated(*, user: User, organisation_id: int | None = None) -> Organisation:
    """The organisation ``user`` coordinates (the first by name unless ``organisation_id``); 404 otherwise."""
    organisations = organisation_list_coordinated_by(user=user)
    if organisation_id is not None:
        organisations = organisations.filter(pk=organisation_id)
    organisation = organisations.first()
    if organisation is None:
        raise Http404
    return organisation


def membership_list_for(*, organisation: Organisation) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("-role", "user__full_name", "user__email")
    )


def membership_get_for(*, user: User, membership_id: int) -> Membership:
    """A membership of an organisation ``user`` coordinates; anything else is a 404."""
    try:
        return Membership.objects.select_related("user", "organisation").get(
            pk=membership_id, organisation__in=organisation_list_coordinated_by(user=user)
        )
    except Membership.DoesNotExist:
        raise Http404 from None


def invitation_list_pending(*, organisation: Organisation | None) -> QuerySet[Invitation]:
    """Invitations still waiting for an answer: of ``organisation``, or of officials when it is None."""
    invitations = Invitation.objects.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("invited_by")
    if organisation is None:
        return invitations.filter(role=Invitation.Role.OFFICIAL)
    return invitations.filter(organisation=organisation)


def invitation_get_revocable_by(*, user: User, invitation_id: int) -> Invitation:
    """A pending invitation ``user`` may withdraw: staff any, a coordinator those of their organisations."""
    invitations = Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True).select_related(
        "organisation"
    )
    if not (user.is_staff or user.is_superuser):
        invitations = invitations.filter(organisation__in=organisation_list_coordinated_by(user=user))
    try:
        return invitations.get(pk=invitation_id)
    except Invitation.DoesNotExist:
        raise Http404 from None


def user_roles(*, user: User) -> dict[str, bool]:
    """What the navigation needs to know about a user: one query, cached on the user for the request."""
    if not user.is_authenticated:
        return {"is_member": False, "is_org_coordinator": False, "is_official": False}
    cached = getattr(user, "_account_roles", None)
    if cached is None:
        memberships = Membership.objects.filter(user=OuterRef("pk"))
        cached = (
            User.objects.filter(pk=user.pk)
            .annotate(
                is_member=Exists(memberships),
                is_org_coordinator=Exists(memberships.filter(role=Membership.Role.COORDINATOR)),
                is_official=Exists(OfficialProfile.objects.filter(user=OuterRef("pk"))),
            )
            .values("is_member", "is_org_coordinator", "is_official")
            .get()
        )
        user._account_roles = cached  # type: ignore[attr-defined]
    return cached
