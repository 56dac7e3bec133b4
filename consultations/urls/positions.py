"""The delegates' pages: positions, attachments, co-signatures, the round calendar and the chapter list."""

from __future__ import annotations

from django.urls import path

from consultations.views import home, positions

urlpatterns = [
    path("", home.home, name="home"),
    path("rounds/", positions.round_calendar, name="round_list"),
    path("chapters/", positions.chapter_list, name="chapter_list"),
    path("positions/", positions.position_list, name="position_list"),
    path("positions/new/", positions.position_create, name="position_create"),
    path("positions/<int:pk>/", positions.position_detail, name="position_detail"),
    path("positions/<int:pk>/edit/", positions.position_edit, name="position_edit"),
    path("positions/<int:pk>/file/", positions.position_file, name="position_file"),
    path("positions/<int:pk>/sign-off/", positions.position_sign_off, name="position_sign_off"),
    path("positions/<int:pk>/amend/", positions.position_amend, name="position_amend"),
    path("positions/<int:pk>/revisions/", positions.position_revisions, name="position_revisions"),
    path("positions/<int:pk>/withdraw/", positions.position_withdraw, name="position_withdraw"),
    path("positions/<int:pk>/attachments/", positions.attachment_upload, name="attachment_upload"),
    path("positions/<int:pk>/cosign/", positions.cosignature_invite, name="cosignature_invite"),
    path("attachments/<int:pk>/", positions.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/delete/", positions.attachment_delete, name="attachment_delete"),
    path("cosignatures/", positions.cosignature_list, name="cosignature_list"),
    path("cosignatures/<int:pk>/respond/", positions.cosignature_respond, name="cosignature_respond"),
]
