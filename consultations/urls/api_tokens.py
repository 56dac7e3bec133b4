"""Preferences → API tokens, included into the "consultations" namespace by consultations.urls."""

from __future__ import annotations

from django.urls import path

from consultations.views import api_tokens

urlpatterns = [
    path("preferences/api-tokens/", api_tokens.api_tokens, name="api_tokens"),
    path("preferences/api-tokens/<int:pk>/revoke/", api_tokens.api_token_revoke, name="api_token_revoke"),
]
