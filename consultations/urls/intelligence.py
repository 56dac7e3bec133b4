from __future__ import annotations

from django.urls import path

from consultations.views import intelligence

urlpatterns = [
    path("intelligence/", intelligence.intelligence_note_list, name="intelligence_note_list"),
    path("intelligence/new/", intelligence.intelligence_note_create, name="intelligence_note_create"),
    path("intelligence/<int:pk>/", intelligence.intelligence_note_detail, name="intelligence_note_detail"),
    path("intelligence/<int:pk>/edit/", intelligence.intelligence_note_edit, name="intelligence_note_edit"),
    path(
        "intelligence/<int:pk>/attachments/",
        intelligence.intelligence_attachment_upload,
        name="intelligence_attachment_upload",
    ),
    path(
        "intelligence/attachments/<int:pk>/",
        intelligence.intelligence_attachment_download,
        name="intelligence_attachment_download",
    ),
]
