from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A Celery task to publish, written in the same transaction as the change that calls for it.

    The relay (``outbox_flush``, looping in the beat process) publishes it; if the broker is down the row waits
    until it is back. A published task that has not run by ``expected_by`` (the broker lost its queue) is published
    again by the reconciler: the change is never lost and neither is its notification.
    """

    task = models.CharField(_("task"), max_length=200)
    kwargs = models.JSONField(_("arguments"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # Set when a worker finished the task; a published message not completed by ``expected_by`` is published again.
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    expected_by = models.DateTimeField(_("expected by"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["created_at"], condition=models.Q(published_at__isnull=True), name="outbox_pending_idx"
            ),
            models.Index(
                fields=["expected_by"],
                condition=models.Q(published_at__isnull=False, completed_at__isnull=True),
                name="outbox_in_flight_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.kwargs}"
