from __future__ import annotations

from django import template

from consultations.models import OfficialProfile, User
from consultations.selectors.accounts import user_roles as select_user_roles

register = template.Library()


@register.simple_tag
def user_roles(user: User) -> dict[str, bool]:
    """``{% user_roles user as roles %}``: is_member, is_org_coordinator and is_official, in one query."""
    return select_user_roles(user=user)


@register.filter
def ministry_label(value: str) -> str:
    return str(dict(OfficialProfile.Ministry.choices).get(value, value))
