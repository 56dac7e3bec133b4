"""Personal API tokens and the writes made with them under an ``Idempotency-Key``."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A user's named, scoped, expiring, revocable key for the REST API. Only the SHA-256 of the secret is
    stored; ``prefix`` (the secret's first characters) lets the user tell their tokens apart."""

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(
        "consultations.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(_("prefix"), max_length=16)
    key_hash = models.CharField(_("SHA-256 of the token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="api_token_user_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE

    def is_active_at(self, moment) -> bool:  # noqa: ANN001 - a datetime
        return self.revoked_at is None and self.expires_at > moment


class ApiIdempotentRequest(models.Model):
    """The answer to a write sent with an ``Idempotency-Key``: the same key (per token) replays it instead of
    writing again. The row is inserted in the write's own transaction, so two concurrent requests with one key
    serialise on the unique constraint and the second replays the first's answer."""

    token = models.ForeignKey(ApiToken, verbose_name=_("API token"), on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("idempotency key"), max_length=200)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    body = models.TextField(_("response body"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotent API request")
        verbose_name_plural = _("idempotent API requests")
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="api_idempotency_key_unique"),
            models.CheckConstraint(condition=~Q(key=""), name="api_idempotency_key_not_empty"),
        ]
        # The hourly purge finds the old answers by age.
        indexes = [models.Index(fields=["created_at"], name="api_idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.token_id}:{self.key}"
