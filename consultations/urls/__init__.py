"""The site's URL patterns, assembled from one module per area (the same areas as views/)."""

from __future__ import annotations

from consultations.urls import (
    accounts,
    dashboards,
    digests,
    ministries,
    notifications,
    positions,
    room,
    rounds,
    state_of_play,
    triage,
    workload,
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
    *ministries.urlpatterns,
    *workload.urlpatterns,
    *state_of_play.urlpatterns,
]
