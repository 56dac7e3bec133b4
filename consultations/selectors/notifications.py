from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from consultations.models import Notification, NotificationKind, NotificationPreference
from consultations.models.notifications import IN_APP_ONLY_KINDS

if TYPE_CHECKING:
    from consultations.models import User


def notification_list_for(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def notification_unread_count(*, user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def preference_table_for(*, user: User) -> list[tuple[str, str, str]]:
    """(kind, label, chosen channel) for every kind, in a fixed order; immediately unless the user chose."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "channel"))
    return [
        (kind, label, chosen.get(kind, NotificationPreference.Channel.IMMEDIATE))
        for kind, label in NotificationKind.choices
        if kind not in IN_APP_ONLY_KINDS
    ]
