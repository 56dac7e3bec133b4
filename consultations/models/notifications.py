from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    RESPONSE = "response", _("An official response on a position of yours")
    STATUS = "status", _("A status change on a position of yours")
    COSIGN = "cosign", _("An invitation to co-sign a position")
    BRIEFING = "briefing", _("A new briefing in a chapter you follow")
    QUESTION = "question", _("A new room question in a chapter you follow")
    DEADLINE = "deadline", _("A room question's deadline approaching")
    SIGNOFF = "signoff", _("A draft or an amendment awaiting your sign-off")
    EXPORT = "export", _("An export or report of yours ready to download")
    CONSULTATION = "consultation", _("A consultation request to your ministry past its due date")


# Kinds that only ever appear in the in-app list: no e-mail, so no choice of channel.
IN_APP_ONLY_KINDS = (NotificationKind.EXPORT,)


class Notification(models.Model):
    """An entry of a user's in-app list. The text is rendered in the reader's language from ``kind`` and ``data``."""

    recipient = models.ForeignKey(
        "consultations.User", verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    title = models.CharField(_("about"), max_length=250)
    url = models.CharField(_("link"), max_length=300)
    key = models.CharField(_("source"), max_length=100, help_text=_("What caused it, e.g. triage-event:42"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "key"], name="notification_once_per_source"),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_idx"),
            models.Index(
                fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind} {self.title}"


class NotificationPreference(models.Model):
    class Channel(models.TextChoices):
        IMMEDIATE = "immediate", _("Immediately, by e-mail")
        DIGEST = "digest", _("In the digest only")
        OFF = "off", _("Off")

    user = models.ForeignKey(
        "consultations.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.IMMEDIATE)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.channel}"
