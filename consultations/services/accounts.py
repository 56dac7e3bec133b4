"""A user's own settings."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from consultations.models import Chapter, Organisation, User
from consultations.rules.accounts import is_coordinator_of_organisation
from consultations.services.audit import audit_record


@transaction.atomic
def user_update_preferences(*, user: User, language: str, time_zone: str) -> User:
    if language not in User.Language.values:
        raise ValidationError({"language": _("Choose Spanish or English.")}, code="invalid")
    if time_zone not in zoneinfo.available_timezones():
        raise ValidationError({"time_zone": _("Choose a time zone from the list.")}, code="invalid")
    user.language = language
    user.time_zone = time_zone
    user.save(update_fields=["language", "time_zone"])
    audit_record(
        actor=user, action="user.preferences", target=user, data={"language": language, "time_zone": time_zone}
    )
    return user


@transaction.atomic
def organisation_follow_chapters(*, by: User, organisation: Organisation, chapters: list[Chapter]) -> Organisation:
    """Set the chapters an organisation follows: their briefings and room questions reach its members. Only the
    organisation's coordinators decide."""
    if not is_coordinator_of_organisation(by, organisation):
        raise ValidationError(
            _("Only a coordinator of the organisation chooses the chapters it follows."), code="forbidden"
        )
    before = set(organisation.followed_chapters.values_list("number", flat=True))
    organisation.followed_chapters.set(chapters)
    after = {chapter.number for chapter in chapters}
    if before != after:
        audit_record(
            actor=by,
            action="organisation.follow_chapters",
            target=organisation,
            organisation=organisation,
            data={"added": sorted(after - before), "removed": sorted(before - after)},
        )
    return organisation
