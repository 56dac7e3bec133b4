from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A Celery task to publish, written in the same transaction as the change that calls for it.

    If the broker is down when the transaction commits, the row waits here and ``outbox_flush`` (Celery beat)
    publishes it once the broker is back: the change is never lost and neither is its notification.
    """

    task = models.CharField(_("task"), max_length=200)
    kwargs = models.JSONField(_("arguments"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["created_at"], condition=models.Q(published_at__isnull=True), name="outbox_pending_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.kwargs}"
