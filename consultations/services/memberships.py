"""The check every organisation-side write starts with."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from consultations.models import Membership

if TYPE_CHECKING:
    from consultations.models import User


def membership_require(*, user: User, organisation_id: int, coordinator: bool = False) -> Membership:
    """The user's membership of an active organisation (as its coordinator, when asked); refused otherwise."""
    memberships = Membership.objects.filter(user=user, organisation_id=organisation_id, organisation__is_active=True)
    if coordinator:
        memberships = memberships.filter(role=Membership.Role.COORDINATOR)
    membership = memberships.first()
    if membership is None:
        raise PermissionDenied(_("You are not allowed to do this for that organisation."))
    return membership
