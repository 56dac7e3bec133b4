from __future__ import annotations

from django.urls import path

from consultations.views import triage

urlpatterns = [
    path("triage/", triage.triage_queue, name="triage_queue"),
    path("triage/bulk/", triage.triage_bulk, name="triage_bulk"),
    path("triage/<int:pk>/", triage.triage_detail, name="triage_detail"),
    path("triage/<int:pk>/assign/", triage.triage_assign, name="triage_assign"),
    path("triage/<int:pk>/status/", triage.triage_status, name="triage_status"),
    path("triage/<int:pk>/note/", triage.triage_note, name="triage_note"),
    path("triage/<int:pk>/tag/", triage.triage_tag, name="triage_tag"),
    path("triage/<int:pk>/merge/", triage.triage_merge, name="triage_merge"),
]
