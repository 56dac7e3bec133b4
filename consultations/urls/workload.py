from __future__ import annotations

from django.urls import path

from consultations.views import workload

urlpatterns = [
    path("workload/", workload.workload, name="workload"),
    path("workload/<int:user_id>/", workload.workload_official, name="workload_official"),
]
