"""A user's own settings."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from consultations.models import User


@transaction.atomic
def user_update_preferences(*, user: User, language: str, time_zone: str) -> User:
    if language not in User.Language.values:
        raise ValidationError({"language": _("Choose Spanish or English.")}, code="invalid")
    if time_zone not in zoneinfo.available_timezones():
        raise ValidationError({"time_zone": _("Choose a time zone from the list.")}, code="invalid")
    user.language = language
    user.time_zone = time_zone
    user.save(update_fields=["language", "time_zone"])
    return user
