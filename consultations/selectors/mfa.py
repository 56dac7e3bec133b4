"""Who must sign in with a second factor, and who has one (allauth.mfa authenticators)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from allauth.mfa.models import Authenticator
from django.db.models import Exists, OuterRef

from consultations.models import Membership, OfficialProfile, Organisation, User

if TYPE_CHECKING:
    from django.db.models import QuerySet


# Recovery codes alone are not a factor: they exist to stand in for a lost authenticator.
FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


@dataclass(frozen=True)
class SecondFactorStatus:
    is_staff: bool  # an admin, official, negotiator or the coordinator's team
    organisation_requires: bool  # a member of an organisation that requires a second factor
    has_factor: bool

    @property
    def required(self) -> bool:
        return self.is_staff or self.organisation_requires

    @property
    def missing(self) -> bool:
        return self.required and not self.has_factor


def authenticator_list_for(*, user: User) -> QuerySet[Authenticator]:
    return Authenticator.objects.filter(user=user)


def user_second_factor_status(user: User) -> SecondFactorStatus:
    """One query, cached on the user object for the request (every page asks, through the middleware)."""
    cached = getattr(user, "_second_factor_status", None)
    if cached is not None:
        return cached
    if not user.is_authenticated:
        return SecondFactorStatus(is_staff=False, organisation_requires=False, has_factor=False)
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            _is_official=Exists(OfficialProfile.objects.filter(user=OuterRef("pk"))),
            _organisation_requires=Exists(
                Membership.objects.filter(user=OuterRef("pk"), organisation__requires_second_factor=True)
            ),
            _has_factor=Exists(Authenticator.objects.filter(user=OuterRef("pk"), type__in=FACTOR_TYPES)),
        )
        .values("_is_official", "_organisation_requires", "_has_factor")
        .first()
    )
    if row is None:
        status = SecondFactorStatus(is_staff=False, organisation_requires=False, has_factor=False)
    else:
        status = SecondFactorStatus(
            is_staff=bool(user.is_staff or user.is_superuser or row["_is_official"]),
            organisation_requires=row["_organisation_requires"],
            has_factor=row["_has_factor"],
        )
    user._second_factor_status = status  # type: ignore[attr-defined]
    return status


def user_has_second_factor(user: User) -> bool:
    return user_second_factor_status(user).has_factor


def organisation_get_for_second_factor(*, user: User, organisation_id: int | None) -> Organisation:
    """The organisation whose second-factor rule ``user`` sets: any active one for an admin (by id), one they
    coordinate for an organisation's coordinator; 404 otherwise."""
    from django.http import Http404

    from consultations.selectors.accounts import organisation_get_coordinated
    from consultations.selectors.roles import user_is_admin

    if user_is_admin(user) and organisation_id is not None:
        organisation = Organisation.objects.filter(pk=organisation_id, is_active=True).first()
        if organisation is None:
            raise Http404
        return organisation
    return organisation_get_coordinated(user=user, organisation_id=organisation_id)


def user_get_for_mfa_reset(*, by: User, user_id: int) -> User:
    """An account whose authenticators an admin may remove; 404 for anyone else asking."""
    from django.http import Http404

    from consultations.selectors.roles import user_is_admin

    if not user_is_admin(by):
        raise Http404
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise Http404
    return user
