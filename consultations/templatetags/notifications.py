from __future__ import annotations

from django import template

from consultations.selectors.notifications import notification_unread_count

register = template.Library()


@register.simple_tag
def unread_notifications(user) -> int:  # noqa: ANN001
    """``{% unread_notifications user as unread %}`` for the header's badge."""
    return notification_unread_count(user=user)
