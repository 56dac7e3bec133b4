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
    """One message to one person about one thing: the unique row that keeps retries from sending twice.

    pending → sending → sent. A send that the SMTP server refused, or could not even start, goes back to pending
    with ``next_attempt_at`` on the retry schedule, then to failed ("not sent") when the schedule is spent. A send
    whose outcome nobody knows (the connection dropped after the message was handed over, or the worker died while
    "sending") becomes unknown: it may have arrived, so nothing resends it without an admin's confirmation.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not sent")
        UNKNOWN = "unknown", _("Outcome unknown")
        BATCHED = "batched", _("Sent in a batch")

    kind = models.CharField(_("kind"), max_length=40)
    key = models.CharField(_("about"), max_length=100, help_text=_("What the message is about, e.g. triage-event:42"))
    recipient = models.ForeignKey(
        "consultations.User", verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Transient failures since the delivery was last queued by hand: the position on the retry schedule.
    retries = models.PositiveSmallIntegerField(_("retries"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # When the last attempt began.
    attempted_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    # A pending delivery still pending after this is queued again by the reconciler (its task was lost, or its
    # retry is due).
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # The attempt that holds the send: only it may settle the delivery, and only until the lease expires.
    lease_token = models.UUIDField(_("attempt token"), null=True, blank=True, editable=False)
    lease_expires_at = models.DateTimeField(_("lease expires at"), null=True, blank=True)
    # A delivery whose event went out inside another delivery's e-mail (changes to one position within the batch
    # window): that delivery carries it, and its outcome is this one's.
    batched_into = models.ForeignKey(
        "self",
        verbose_name=_("sent within"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="batched",
    )

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
        indexes = [
            models.Index(fields=["status", "created_at"], name="delivery_status_idx"),
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"), name="delivery_due_idx"),
            models.Index(fields=["lease_expires_at"], condition=models.Q(status="sending"), name="delivery_lease_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} → {self.recipient_id} ({self.status})"
