"""Second-factor URLs of our own, included into the "consultations" namespace by consultations.urls."""

from __future__ import annotations

from django.urls import path

from consultations.views import mfa

urlpatterns = [
    path("organisation/two-step/", mfa.organisation_second_factor, name="organisation_second_factor"),
    path("staff/users/<int:pk>/two-step/reset/", mfa.mfa_reset, name="mfa_reset"),
]
