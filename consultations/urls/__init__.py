"""The site's URL patterns, assembled from one module per area (the same areas as views/)."""

from __future__ import annotations

from consultations.urls import (
    accounts,
    dashboards,
    digests,
    exports,
    intelligence,
    notifications,
    positions,
    room,
    rounds,
    search,
    state_of_play,
    triage,
)

app_name = "consultations"

urlpatterns = [
    *positions.urlpatterns,
    *accounts.urlpatterns,
    *triage.urlpatterns,
    *dashboards.urlpatterns,
    *rounds.urlpatterns,
    *digests.urlpatterns,
    *notifications.urlpatterns,
    *room.urlpatterns,
    *exports.urlpatterns,
    *state_of_play.urlpatterns,
    *intelligence.urlpatterns,
    *search.urlpatterns,
]
