"""Who may hold a personal API token."""

from __future__ import annotations

import rules

from consultations.selectors.mfa import user_has_second_factor
from consultations.selectors.roles import user_official_profile


@rules.predicate
def has_second_factor(user) -> bool:
    """Whether ``user`` has enrolled an authenticator (app or security key; recovery codes do not count). Officials
    without one cannot create or use tokens (see ``may_hold_api_token``)."""
    return user.is_authenticated and user_has_second_factor(user)


@rules.predicate
def is_official(user) -> bool:
    return user_official_profile(user) is not None


@rules.predicate
def is_active_user(user) -> bool:
    return user.is_authenticated and user.is_active


# An official's token reads government-only material: officials need a second factor.
may_hold_api_token = is_active_user & (~is_official | has_second_factor)
rules.add_perm("consultations.hold_api_token", may_hold_api_token)
