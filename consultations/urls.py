from __future__ import annotations

from django.urls import path

from consultations import (
    urls_accounts,
    urls_dashboards,
    urls_digests,
    urls_notifications,
    urls_room,
    urls_rounds,
    urls_triage,
)
from consultations.views import delegates, home

app_name = "consultations"

urlpatterns = [
    path("", home.home, name="home"),
    path("rounds/", delegates.round_calendar, name="round_list"),
    path("chapters/", delegates.chapter_list, name="chapter_list"),
    path("positions/", delegates.position_list, name="position_list"),
    path("positions/new/", delegates.position_create, name="position_create"),
    path("positions/<int:pk>/", delegates.position_detail, name="position_detail"),
    path("positions/<int:pk>/edit/", delegates.position_edit, name="position_edit"),
    path("positions/<int:pk>/file/", delegates.position_file, name="position_file"),
    path("positions/<int:pk>/sign-off/", delegates.position_sign_off, name="position_sign_off"),
    path("positions/<int:pk>/amend/", delegates.position_amend, name="position_amend"),
    path("positions/<int:pk>/revisions/", delegates.position_revisions, name="position_revisions"),
    path("positions/<int:pk>/withdraw/", delegates.position_withdraw, name="position_withdraw"),
    path("positions/<int:pk>/attachments/", delegates.attachment_upload, name="attachment_upload"),
    path("positions/<int:pk>/cosign/", delegates.cosignature_invite, name="cosignature_invite"),
    path("attachments/<int:pk>/", delegates.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/delete/", delegates.attachment_delete, name="attachment_delete"),
    path("cosignatures/", delegates.cosignature_list, name="cosignature_list"),
    path("cosignatures/<int:pk>/respond/", delegates.cosignature_respond, name="cosignature_respond"),
    *urls_accounts.urlpatterns,
    *urls_triage.urlpatterns,
    *urls_dashboards.urlpatterns,
    *urls_rounds.urlpatterns,
    *urls_digests.urlpatterns,
    *urls_notifications.urlpatterns,
    *urls_room.urlpatterns,
]
