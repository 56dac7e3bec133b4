from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Sector(models.Model):
    """An industry sector, by its SCIAN (Mexico's NAICS) code."""

    code = models.CharField(_("SCIAN code"), max_length=10)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_es = models.CharField(_("name (Spanish)"), max_length=200)

    class Meta:
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["code"], name="sector_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "es").startswith("en") else self.name_es


class Organisation(models.Model):
    class Kind(models.TextChoices):
        CHAMBER = "chamber", _("Chamber")
        ASSOCIATION = "association", _("Association")
        COMPANY = "company", _("Company")

    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CHAMBER)
    sectors = models.ManyToManyField(Sector, verbose_name=_("sectors"), related_name="organisations", blank=True)
    requires_signoff = models.BooleanField(
        _("requires coordinator sign-off"),
        default=False,
        help_text=_("Drafts must be signed off by a coordinator of the organisation before they are filed."),
    )
    requires_second_factor = models.BooleanField(
        _("requires two-step sign-in"),
        default=False,
        help_text=_("Every member must sign in with a code from an authenticator app as well as the password."),
    )
    followed_chapters = models.ManyToManyField(
        "consultations.Chapter", verbose_name=_("followed chapters"), related_name="followers", blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name"], name="organisation_name_unique")]
        # Search finds an organisation by a misspelt name (pg_trgm word similarity).
        indexes = [GinIndex(fields=["name"], opclasses=["gin_trgm_ops"], name="organisation_name_trgm")]

    def __str__(self) -> str:
        return self.acronym or self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        DELEGATE = "delegate", _("Delegate")
        COORDINATOR = "coordinator", _("Organisation coordinator")

    user = models.ForeignKey(
        "consultations.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.DELEGATE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} ({self.get_role_display()})"


class OfficialProfile(models.Model):
    """What makes a user a government official: ministry, chapters, and the negotiator / coordinator flags."""

    class Ministry(models.TextChoices):
        ECONOMIA = "economia", _("Secretaría de Economía")
        AGRICULTURA = "agricultura", _("Secretaría de Agricultura y Desarrollo Rural")
        HACIENDA = "hacienda", _("Secretaría de Hacienda y Crédito Público")
        ENERGIA = "energia", _("Secretaría de Energía")
        RELACIONES_EXTERIORES = "sre", _("Secretaría de Relaciones Exteriores")
        TRABAJO = "trabajo", _("Secretaría del Trabajo y Previsión Social")
        MEDIO_AMBIENTE = "semarnat", _("Secretaría de Medio Ambiente y Recursos Naturales")
        SALUD = "salud", _("Secretaría de Salud")

    user = models.OneToOneField(
        "consultations.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="official_profile"
    )
    ministry = models.CharField(_("ministry"), max_length=20, choices=Ministry.choices, default=Ministry.ECONOMIA)
    chapters = models.ManyToManyField(
        "consultations.Chapter", verbose_name=_("assigned chapters"), related_name="officials", blank=True
    )
    is_negotiator = models.BooleanField(_("negotiator"), default=False)
    is_coordinator = models.BooleanField(
        _("chief negotiator's team"), default=False, help_text=_("Reads everything across chapters.")
    )

    class Meta:
        verbose_name = _("official profile")
        verbose_name_plural = _("official profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_ministry_display()})"
