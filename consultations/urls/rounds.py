"""Round management and timeline URLs, included into the "consultations" namespace by consultations.urls."""

from __future__ import annotations

from django.urls import path

from consultations.views import rounds

urlpatterns = [
    path("rounds/timeline/", rounds.round_timeline, name="round_timeline"),
    path("manage/rounds/", rounds.round_manage_list, name="round_manage_list"),
    path("manage/rounds/new/", rounds.round_manage_create, name="round_manage_create"),
    path("manage/rounds/<int:pk>/edit/", rounds.round_manage_edit, name="round_manage_edit"),
    path("manage/rounds/<int:pk>/clone/", rounds.round_manage_clone, name="round_manage_clone"),
    path("manage/rounds/<int:pk>/cancel/", rounds.round_manage_cancel, name="round_manage_cancel"),
    path("manage/rounds/<int:pk>/input/", rounds.round_manage_input, name="round_manage_input"),
]
