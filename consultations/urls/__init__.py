"""The site's URL patterns, assembled from one module per area (the same areas as views/)."""

from __future__ import annotations

from consultations.urls import (
    accounts,
    api_tokens,
    audit,
    dashboards,
    digests,
    exports,
    intelligence,
    mfa,
    ministries,
    notifications,
    positions,
    room,
    rounds,
    search,
    state_of_play,
    triage,
    workload,
)

app_name = "consultations"

urlpatterns = [
    *positions.urlpatterns,
    *accounts.urlpatterns,
    *mfa.urlpatterns,
    *api_tokens.urlpatterns,
    *audit.urlpatterns,
    *triage.urlpatterns,
    *dashboards.urlpatterns,
    *rounds.urlpatterns,
    *digests.urlpatterns,
    *notifications.urlpatterns,
    *room.urlpatterns,
    *exports.urlpatterns,
    *ministries.urlpatterns,
    *workload.urlpatterns,
    *state_of_play.urlpatterns,
    *intelligence.urlpatterns,
    *search.urlpatterns,
]
