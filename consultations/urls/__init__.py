"""The site's URL patterns, assembled from one module per area (the same areas as views/)."""

from __future__ import annotations

from consultations.urls import accounts, api_tokens, dashboards, digests, notifications, positions, room, rounds, triage

app_name = "consultations"

urlpatterns = [
    *positions.urlpatterns,
    *accounts.urlpatterns,
    *api_tokens.urlpatterns,
    *triage.urlpatterns,
    *dashboards.urlpatterns,
    *rounds.urlpatterns,
    *digests.urlpatterns,
    *notifications.urlpatterns,
    *room.urlpatterns,
]
