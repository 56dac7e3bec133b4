from __future__ import annotations

from typing import Any

from django import template

from consultations.views.helpers import can as can_do

register = template.Library()


@register.simple_tag
def can(perm: str, user: Any, obj: Any) -> bool:
    """``{% can "consultations.file_position" user position as can_file %}``: the rules, without the superuser
    shortcut of ``{% has_perm %}``, so the page shows exactly the actions the views allow."""
    return can_do(user, perm, obj)
