"""Who a user is in the room: organisations, official profile. Cached on the user object per request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from consultations.models import Membership, OfficialProfile

if TYPE_CHECKING:
    from consultations.models import User


def user_organisation_ids(user: User) -> frozenset[int]:
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_organisation_ids", None)
    if cached is None:
        cached = frozenset(Membership.objects.filter(user=user).values_list("organisation_id", flat=True))
        user._organisation_ids = cached  # type: ignore[attr-defined]
    return cached


def user_coordinated_organisation_ids(user: User) -> frozenset[int]:
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_coordinated_organisation_ids", None)
    if cached is None:
        cached = frozenset(
            Membership.objects.filter(user=user, role=Membership.Role.COORDINATOR).values_list(
                "organisation_id", flat=True
            )
        )
        user._coordinated_organisation_ids = cached  # type: ignore[attr-defined]
    return cached


def user_official_profile(user: User) -> OfficialProfile | None:
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_official_profile_cache"):
        profile = OfficialProfile.objects.filter(user=user).prefetch_related("chapters").first()
        user._official_profile_cache = profile  # type: ignore[attr-defined]
        user._official_chapter_ids = (  # type: ignore[attr-defined]
            frozenset(c.pk for c in profile.chapters.all()) if profile else frozenset()
        )
    return user._official_profile_cache  # type: ignore[attr-defined]


def user_official_chapter_ids(user: User) -> frozenset[int]:
    user_official_profile(user)
    return getattr(user, "_official_chapter_ids", frozenset())


def user_is_admin(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser))


def user_landing(user: User) -> str:
    """The URL name of the page that needs this user first: admins plan rounds, negotiators and the coordinator
    read the dashboard, officials work their queue, delegates their organisation's positions."""
    if user_is_admin(user):
        return "consultations:round_manage_list"
    profile = user_official_profile(user)
    if profile is not None:
        return (
            "consultations:dashboard"
            if profile.is_negotiator or profile.is_coordinator
            else "consultations:triage_queue"
        )
    if user_organisation_ids(user):
        return "consultations:position_list"
    return "consultations:round_list"
