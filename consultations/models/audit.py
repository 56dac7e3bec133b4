from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# Actions recorded outside any service (consultations/signals.py, the permission helpers).
SIGNIN = "signin.success"
SIGNIN_FAILED = "signin.failure"
SIGNOUT = "signout"
ACCESS_DENIED = "access.denied"
# What a user's own sign-in history lists (Preferences → Sign-in history).
SIGNIN_ACTIONS = (SIGNIN, SIGNIN_FAILED)


class AuditEvent(models.Model):
    """Who did what to which object, when and from where. Append-only: database triggers refuse updates
    and deletes (migration 0002) and truncation (migration 0022); only a superuser that sets
    ``session_replication_role = replica`` (the ``flush`` command, for the test suite) gets past them."""

    actor = models.ForeignKey(
        "consultations.User",
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    action = models.CharField(_("action"), max_length=60)
    target_type = models.CharField(_("object type"), max_length=60)
    # Empty for an event about no stored object (a failed sign-in with an unknown e-mail address).
    target_id = models.BigIntegerField(_("object id"), null=True, blank=True)
    organisation = models.ForeignKey(
        "consultations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    data = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=400, blank=True, default="")
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
            models.Index(fields=["actor", "action", "created_at"], name="audit_actor_action_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_type}#{self.target_id}"
