"""Invitations, the only way in: single-use, expiring, e-mailed; only a SHA-256 of the token is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from functools import partial

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consultations.models import Invitation, Membership, OfficialProfile, Organisation, User
from consultations.rules.accounts import (
    is_coordinator_of_invitation_organisation,
    is_coordinator_of_organisation,
    is_platform_staff,
)
from consultations.services.audit import audit_record

logger = logging.getLogger(__name__)

MEMBER_ROLES = (Invitation.Role.DELEGATE, Invitation.Role.COORDINATOR)
EMAIL_LANGUAGES = ("es", "en")  # Spanish first: the invitee's language is not known yet.


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _normalise_email(email: str) -> str:
    email = User.objects.normalize_email(email.strip()).lower()
    validate_email(email)
    return email


def _check_may_invite(*, by: User, role: str, organisation: Organisation | None, ministry: str) -> None:
    if role == Invitation.Role.OFFICIAL:
        if not is_platform_staff(by):
            raise ValidationError(_("Only platform staff may invite officials."), code="forbidden")
        if organisation is not None:
            raise ValidationError(_("An official is not invited to an organisation."), code="invalid")
        if ministry not in OfficialProfile.Ministry.values:
            raise ValidationError(_("Choose the official's ministry."), code="invalid")
        return
    if role not in MEMBER_ROLES:
        raise ValidationError(_("Choose a role."), code="invalid")
    if organisation is None:
        raise ValidationError(_("Choose the organisation the person is invited to."), code="invalid")
    if not organisation.is_active:
        raise ValidationError(_("This organisation is not active."), code="invalid")
    if not (is_platform_staff(by) or is_coordinator_of_organisation(by, organisation)):
        raise ValidationError(
            _("Only a coordinator of %(organisation)s may invite people to it."),
            code="forbidden",
            params={"organisation": organisation},
        )


@transaction.atomic
def invitation_create(
    *, by: User, email: str, role: str, organisation: Organisation | None = None, ministry: str = ""
) -> tuple[Invitation, str]:
    """Create an invitation and e-mail its link once the transaction commits. Returns it and the raw token.

    A new invitation for the same address and organisation (or, for officials, the same address) replaces
    the pending one, so "invite again" is how a lost or expired e-mail is re-sent.
    """
    _check_may_invite(by=by, role=role, organisation=organisation, ministry=ministry)
    email = _normalise_email(email)
    if role == Invitation.Role.OFFICIAL:
        if OfficialProfile.objects.filter(user__email__iexact=email).exists():
            raise ValidationError(_("%(email)s is already an official."), code="exists", params={"email": email})
        ministry_value = ministry
    else:
        if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
            raise ValidationError(
                _("%(email)s is already a member of %(organisation)s."),
                code="exists",
                params={"email": email, "organisation": organisation},
            )
        ministry_value = ""

    now = timezone.now()
    pending = Invitation.objects.select_for_update().filter(
        email__iexact=email,
        organisation=organisation,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
    )
    if role == Invitation.Role.OFFICIAL:
        pending = pending.filter(role=Invitation.Role.OFFICIAL)
    superseded = list(pending.values_list("pk", flat=True))
    if superseded:
        Invitation.objects.filter(pk__in=superseded).update(revoked_at=now)

    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        role=role,
        organisation=organisation,
        ministry=ministry_value,
        token_hash=token_hash(token),
        invited_by=by,
        expires_at=now + dt.timedelta(days=settings.INVITATION_TTL_DAYS),
    )
    audit_record(
        actor=by,
        action="invitation.create",
        target=invitation,
        organisation=organisation,
        data={"email": email, "role": role, "ministry": ministry_value, "superseded": superseded},
    )
    # robust: the invitation is saved either way; a failed send is logged and "invite again" re-sends it.
    transaction.on_commit(partial(_invitation_email_send, invitation_id=invitation.pk, token=token), robust=True)
    return invitation, token


def invitation_url(token: str) -> str:
    return f"{settings.SITE_URL}/invitations/{token}/"


def _invitation_email_send(*, invitation_id: int, token: str) -> None:
    invitation = Invitation.objects.select_related("organisation", "invited_by").get(pk=invitation_id)
    context = {
        "invitation": invitation,
        "url": invitation_url(token),
        "inviter": invitation.invited_by.get_full_name(),
        "languages": EMAIL_LANGUAGES,
    }
    subjects = []
    for language in EMAIL_LANGUAGES:
        with translation.override(language):
            subjects.append(gettext("Your invitation to Cuarto de Junto"))
    text = render_to_string("consultations/accounts/email/invitation.txt", context)
    html = render_to_string("consultations/accounts/email/invitation.html", context)
    message = EmailMultiAlternatives(subject=" / ".join(subjects), body=text, to=[invitation.email])
    message.attach_alternative(html, "text/html")
    message.send()
    logger.info("invitation %s e-mailed", invitation_id)


def invitation_get_usable(*, token: str, for_update: bool = False) -> Invitation:
    """The invitation of ``token`` if it can still be accepted; otherwise a ValidationError whose code says
    why: "invalid" (no such token), "used", "revoked" or "expired"."""
    invitations = Invitation.objects.select_related("organisation")
    if for_update:
        invitations = invitations.select_for_update(of=("self",))
    try:
        invitation = invitations.get(token_hash=token_hash(token))
    except Invitation.DoesNotExist:
        raise ValidationError(
            _("This invitation link is not valid. Check that you copied the whole link from the e-mail."),
            code="invalid",
        ) from None
    if invitation.accepted_at is not None:
        raise ValidationError(
            _("This invitation has already been used. Sign in with your e-mail address and password."),
            code="used",
        )
    if invitation.revoked_at is not None:
        raise ValidationError(
            _("This invitation was withdrawn. Ask the person who invited you for a new one."), code="revoked"
        )
    if invitation.expires_at <= timezone.now():
        raise ValidationError(
            _("This invitation has expired. Ask the person who invited you to send a new one."),
            code="expired",
        )
    return invitation


def invitation_existing_user(*, invitation: Invitation) -> User | None:
    return User.objects.filter(email__iexact=invitation.email).first()


@transaction.atomic
def invitation_accept(*, token: str, full_name: str, password: str) -> User:
    """Accept an invitation: create the account (or, for an address that has one, check its password),
    give it the invited role, and use the invitation up."""
    invitation = invitation_get_usable(token=token, for_update=True)
    user = invitation_existing_user(invitation=invitation)
    if user is None:
        user = User(email=invitation.email, full_name=full_name.strip())
        validate_password(password, user)
        user.set_password(password)
        user.save()
    else:
        # The address already has an account: the invitation must not become a way to reset its password.
        if not user.is_active:
            raise ValidationError(
                _("The account for this address is disabled. Contact the platform staff."), code="inactive"
            )
        if not user.check_password(password):
            raise ValidationError(
                _("This address already has an account: enter its current password."), code="wrong_password"
            )
        if not user.full_name and full_name.strip():
            user.full_name = full_name.strip()
            user.save(update_fields=["full_name"])

    data: dict[str, object] = {"email": invitation.email, "role": invitation.role}
    if invitation.role == Invitation.Role.OFFICIAL:
        profile, created = OfficialProfile.objects.get_or_create(user=user, defaults={"ministry": invitation.ministry})
        if not created and profile.ministry != invitation.ministry:
            profile.ministry = invitation.ministry
            profile.save(update_fields=["ministry"])
        data["official_profile"] = profile.pk
    else:
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=invitation.organisation, defaults={"role": invitation.role}
        )
        # An invitation may promote a delegate to coordinator, never demote one.
        if not created and invitation.role == Invitation.Role.COORDINATOR and membership.role != invitation.role:
            membership.role = Membership.Role.COORDINATOR
            membership.save(update_fields=["role"])
        data["membership"] = membership.pk

    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        actor=user,
        action="invitation.accept",
        target=invitation,
        organisation=invitation.organisation,
        data=data,
    )
    return user


@transaction.atomic
def invitation_revoke(*, by: User, invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not (is_platform_staff(by) or is_coordinator_of_invitation_organisation(by, invitation)):
        raise ValidationError(_("You may not withdraw this invitation."), code="forbidden")
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been accepted."), code="used")
    if invitation.revoked_at is not None:
        raise ValidationError(_("This invitation has already been withdrawn."), code="revoked")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        actor=by,
        action="invitation.revoke",
        target=invitation,
        organisation=invitation.organisation,
        data={"email": invitation.email, "role": invitation.role},
    )
    return invitation


@transaction.atomic
def membership_remove(*, by: User, membership: Membership) -> None:
    """Remove a member from an organisation. Only its coordinators may; the last coordinator stays."""
    organisation = membership.organisation
    if not is_coordinator_of_organisation(by, organisation):
        raise ValidationError(
            _("Only a coordinator of %(organisation)s may remove its members."),
            code="forbidden",
            params={"organisation": organisation},
        )
    # Lock the organisation's coordinators so two coordinators removing each other cannot both succeed.
    coordinators = list(
        Membership.objects.select_for_update()
        .filter(organisation=organisation, role=Membership.Role.COORDINATOR)
        .values_list("pk", flat=True)
    )
    try:
        membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    except Membership.DoesNotExist:
        raise ValidationError(_("This person is no longer a member."), code="missing") from None
    if membership.role == Membership.Role.COORDINATOR and coordinators == [membership.pk]:
        raise ValidationError(
            _("%(organisation)s needs at least one coordinator: invite another coordinator first."),
            code="last_coordinator",
            params={"organisation": organisation},
        )
    audit_record(
        actor=by,
        action="membership.remove",
        target=membership,
        organisation=organisation,
        data={"user": membership.user_id, "email": membership.user.email, "role": membership.role},
    )
    membership.delete()


# Unused invitations are kept this long after they expire, so a coordinator can still see what happened.
EXPIRED_RETENTION = dt.timedelta(days=30)


@transaction.atomic
def invitation_purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete invitations that were never accepted and expired more than a month ago. Idempotent."""
    cutoff = (now or timezone.now()) - EXPIRED_RETENTION
    deleted, _counts = Invitation.objects.filter(accepted_at__isnull=True, expires_at__lt=cutoff).delete()
    return deleted
