from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.models import CoSignature, Notification, NotificationKind, Organisation, Position
from consultations.models.positions import CLOSED_STATUSES
from consultations.services.audit import audit_record
from consultations.services.memberships import membership_require
from consultations.services.outbox import outbox_enqueue
from consultations.services.positions import lock_position
from consultations.services.retry import retry_on_conflict

if TYPE_CHECKING:
    from consultations.models import User


@retry_on_conflict
@transaction.atomic
def cosignature_invite(*, by: User, position: Position, organisation: Organisation) -> CoSignature:
    position = lock_position(position.pk)
    membership_require(user=by, organisation_id=position.organisation_id)
    if position.status in CLOSED_STATUSES:
        raise ValidationError(_("This position is closed; it cannot be co-signed."), code="closed")
    if organisation.pk == position.organisation_id:
        raise ValidationError(_("Your own organisation already signs this position."), code="self")
    if not organisation.is_active:
        raise ValidationError(_("That organisation is not active."), code="inactive")
    try:
        with transaction.atomic():
            cosignature = CoSignature.objects.create(position=position, organisation=organisation, invited_by=by)
    except IntegrityError:
        raise ValidationError(
            _("%(organisation)s has already been invited to co-sign this position.") % {"organisation": organisation},
            code="duplicate",
        ) from None
    outbox_enqueue(task="consultations.tasks.cosignature_invite_notify", cosignature_id=cosignature.pk)
    audit_record(
        actor=by,
        action="cosignature.invite",
        target=position,
        organisation=position.organisation,
        data={"organisation": organisation.pk},
    )
    return cosignature


@retry_on_conflict
@transaction.atomic
def cosignature_respond(*, by: User, cosignature: CoSignature, accept: bool) -> CoSignature:
    cosignature = CoSignature.objects.select_for_update(of=("self",), no_key=True).get(pk=cosignature.pk)
    membership_require(user=by, organisation_id=cosignature.organisation_id)
    if cosignature.status != CoSignature.Status.PENDING:
        raise ValidationError(
            _("This invitation was already answered (%(status)s).") % {"status": cosignature.get_status_display()},
            code="answered",
        )
    cosignature.status = CoSignature.Status.ACCEPTED if accept else CoSignature.Status.DECLINED
    cosignature.responded_by = by
    cosignature.responded_at = timezone.now()
    cosignature.save()
    # The invitation's notification asked for this answer: once given, it no longer waits in anyone's list.
    Notification.objects.filter(
        kind=NotificationKind.COSIGN, key=f"cosignature:{cosignature.pk}", read_at__isnull=True
    ).update(read_at=cosignature.responded_at)
    audit_record(
        actor=by,
        action="cosignature.accept" if accept else "cosignature.decline",
        target=cosignature,
        organisation=cosignature.organisation,
    )
    return cosignature
