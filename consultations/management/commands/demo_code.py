"""Print the code the demo's staff accounts sign in with now (their shared, published authenticator secret)."""

from __future__ import annotations

from typing import Any

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.management.base import BaseCommand
from django.utils import timezone

from consultations.reference.demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the current sign-in code of the demo's staff accounts (an authenticator app's code)."

    def handle(self, *args: Any, **options: Any) -> None:
        from allauth.mfa import app_settings

        now = int(timezone.now().timestamp())
        code = format_hotp_value(hotp_value(DEMO_TOTP_SECRET, now // app_settings.TOTP_PERIOD))
        left = app_settings.TOTP_PERIOD - now % app_settings.TOTP_PERIOD
        self.stdout.write(f"{code}  (valid for about {left} s more)")
