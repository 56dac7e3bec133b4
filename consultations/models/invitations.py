from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Invitation(models.Model):
    """An e-mailed, single-use, expiring invitation to join as a delegate, coordinator or official.

    Only the SHA-256 of the token is stored; the token itself exists only in the e-mail.
    """

    class Role(models.TextChoices):
        DELEGATE = "delegate", _("Delegate")
        COORDINATOR = "coordinator", _("Organisation coordinator")
        OFFICIAL = "official", _("Official")

    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        "consultations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
    )
    ministry = models.CharField(_("ministry"), max_length=20, blank=True)
    token_hash = models.CharField(max_length=64)
    invited_by = models.ForeignKey(
        "consultations.User", verbose_name=_("invited by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        "consultations.User",
        verbose_name=_("accepted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["token_hash"], name="invitation_token_unique"),
            models.CheckConstraint(
                condition=Q(role="official") | Q(organisation__isnull=False), name="invitation_member_has_org"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()
