from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = _("Cuarto de Junto")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Django 6.1's blank choice ("- Select an option -") has no Spanish translation in Django's catalogue; ours
        # does. Every select of ours names its own empty choice; this covers any that does not (the admin's).
        from django.db.models import fields

        from consultations import signals  # noqa: F401 - connects the sign-in audit receivers

        fields.BLANK_CHOICE_LABEL = _("Choose an option")

        from django.contrib.auth.signals import user_logged_in

        from consultations.middleware import staff_activity_start
        from consultations.services.mfa import connect_signals

        connect_signals()
        user_logged_in.connect(staff_activity_start, dispatch_uid="consultations.staff_activity_start")
