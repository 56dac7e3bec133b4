from __future__ import annotations

from django.urls import URLPattern, path

from consultations.views import dashboards

urlpatterns: list[URLPattern] = [
    path("dashboard/", dashboards.dashboard, name="dashboard"),
    path("dashboard/<int:round_id>/", dashboards.dashboard_round, name="dashboard_round"),
    path("chapters/<int:number>/evolution/", dashboards.chapter_evolution, name="chapter_evolution"),
]
