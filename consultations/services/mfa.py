"""Second-factor changes: each one a single audit row; an admin's reset of someone's authenticators."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from allauth.mfa.models import Authenticator
from django.db import transaction

from consultations.models import Organisation
from consultations.services.audit import audit_record

if TYPE_CHECKING:
    from consultations.models import User


def mfa_change_record(*, user: User, authenticator: Authenticator, change: str) -> None:
    """One audit row per change the user makes: "added", "removed" or "reset" (recovery codes regenerated).

    Activating an authenticator app also creates recovery codes, and removing it deletes them: allauth signals
    each, but the user made one change, so the recovery codes' own added/removed signals are not recorded."""
    if authenticator.type == Authenticator.Type.RECOVERY_CODES and change != "reset":
        return
    audit_record(
        actor=user,
        action=f"mfa.{authenticator.type}_{change}",
        target=user,
        data={"authenticator": authenticator.type},
    )


@transaction.atomic
def mfa_reset(*, user: User, by: User) -> int:
    """Remove every authenticator (app, keys, recovery codes) of ``user``, who lost them: the next sign-in takes the
    password alone, and staff are sent to set up a new one. Returns how many were removed."""
    types = sorted(set(Authenticator.objects.filter(user=user).values_list("type", flat=True)))
    removed, _ = Authenticator.objects.filter(user=user).delete()
    audit_record(actor=by, action="mfa.reset_by_admin", target=user, data={"removed": types})
    return removed


def _on_added(sender: Any, user: User, authenticator: Authenticator, **kwargs: Any) -> None:
    mfa_change_record(user=user, authenticator=authenticator, change="added")


def _on_removed(sender: Any, user: User, authenticator: Authenticator, **kwargs: Any) -> None:
    mfa_change_record(user=user, authenticator=authenticator, change="removed")


def _on_reset(sender: Any, user: User, authenticator: Authenticator, **kwargs: Any) -> None:
    mfa_change_record(user=user, authenticator=authenticator, change="reset")


def connect_signals() -> None:
    from allauth.mfa import signals

    signals.authenticator_added.connect(_on_added, dispatch_uid="consultations.mfa.added")
    signals.authenticator_removed.connect(_on_removed, dispatch_uid="consultations.mfa.removed")
    signals.authenticator_reset.connect(_on_reset, dispatch_uid="consultations.mfa.reset")


@transaction.atomic
def organisation_require_second_factor(*, by: User, organisation: Organisation, required: bool) -> Organisation:
    """Turn the second factor on or off for every member of ``organisation``: its coordinators or an admin decide.
    Members without one are sent to set it up on their next request."""
    from django.core.exceptions import PermissionDenied

    if not by.has_perm("consultations.manage_members", organisation):
        raise PermissionDenied
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.requires_second_factor != required:
        organisation.requires_second_factor = required
        organisation.save(update_fields=["requires_second_factor"])
        audit_record(
            actor=by,
            action="organisation.second_factor_required" if required else "organisation.second_factor_optional",
            target=organisation,
            organisation=organisation,
        )
    return organisation
