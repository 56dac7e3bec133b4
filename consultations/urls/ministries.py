from __future__ import annotations

from django.urls import path

from consultations.views import ministries

urlpatterns = [
    path("consultations/", ministries.consultation_queue, name="consultation_queue"),
    path("consultations/<int:pk>/", ministries.consultation_detail, name="consultation_detail"),
    path("triage/<int:pk>/consult/", ministries.consultation_create, name="consultation_create"),
    path("issues/<int:issue_id>/consult/", ministries.consultation_create_for_issue, name="consultation_create_issue"),
]
