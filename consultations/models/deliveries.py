from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from consultations.models.rounds import Round

# The digests' delivery kinds and the key that ties a digest delivery to its round: read by the delivery history
# (selectors) and written by the digest services, so they live below both.
DIGEST_PRE = "digest-pre"
DIGEST_POST = "digest-post"
DIGEST_KINDS = (DIGEST_PRE, DIGEST_POST)


def digest_delivery_key(round: Round) -> str:
    return f"round:{round.pk}"


class Delivery(models.Model):
    """One message to one person about one thing: the unique row that keeps retries from sending twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=40)
    key = models.CharField(_("about"), max_length=100, help_text=_("What the message is about, e.g. triage-event:42"))
    recipient = models.ForeignKey(
        "consultations.User", verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # When the last attempt began: a delivery still "sending" long after this was interrupted.
    attempted_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "recipient"], name="delivery_once_per_recipient"),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False), name="delivery_sent_has_time"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="delivery_status_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} → {self.recipient_id} ({self.status})"
