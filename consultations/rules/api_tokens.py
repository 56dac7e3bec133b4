"""Who may hold a personal API token."""

from __future__ import annotations

import rules

from consultations.selectors.roles import user_official_profile


@rules.predicate
def has_second_factor(user) -> bool:
    """The one hook for multi-factor authentication. The site has no MFA yet, so nobody has a second factor and
    this answers True; when MFA arrives, this returns whether ``user`` has enrolled one, and officials without it
    can no longer create or use tokens (see ``may_hold_api_token``)."""
    return True


@rules.predicate
def is_official(user) -> bool:
    return user_official_profile(user) is not None


@rules.predicate
def is_active_user(user) -> bool:
    return user.is_authenticated and user.is_active


# An official's token reads government-only material: officials need a second factor, when the site has one.
may_hold_api_token = is_active_user & (~is_official | has_second_factor)
rules.add_perm("consultations.hold_api_token", may_hold_api_token)
