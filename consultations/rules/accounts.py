"""Permissions of the account pages (invitations, members), as django-rules predicates.

Registered when imported (consultations.rules imports every area).
"""

from __future__ import annotations

import rules

from consultations.models import Invitation, Membership, Organisation, User


@rules.predicate
def is_coordinator_of_organisation(user: User, organisation: Organisation | None) -> bool:
    if organisation is None or not user.is_authenticated:
        return False
    return Membership.objects.filter(user=user, organisation=organisation, role=Membership.Role.COORDINATOR).exists()


@rules.predicate
def is_coordinator_of_invitation_organisation(user: User, invitation: Invitation) -> bool:
    return is_coordinator_of_organisation(user, invitation.organisation)


is_platform_staff = rules.is_staff | rules.is_superuser

rules.add_perm("consultations.manage_members", is_platform_staff | is_coordinator_of_organisation)
rules.add_perm("consultations.invite_official", is_platform_staff)
rules.add_perm("consultations.revoke_invitation", is_platform_staff | is_coordinator_of_invitation_organisation)
