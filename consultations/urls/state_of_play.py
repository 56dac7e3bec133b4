"""The negotiation board and the chapters' state of play, included into the "consultations" namespace."""

from __future__ import annotations

from django.urls import URLPattern, path

from consultations.views import state_of_play

urlpatterns: list[URLPattern] = [
    path("board/", state_of_play.board, name="board"),
    path("chapters/<int:number>/state/", state_of_play.chapter_state, name="chapter_state"),
    path("chapters/<int:number>/state/status/", state_of_play.chapter_status, name="chapter_status"),
    path("chapters/<int:number>/state/share/", state_of_play.chapter_share, name="chapter_share"),
    path("chapters/<int:number>/issues/new/", state_of_play.issue_create, name="issue_create"),
    path("issues/<int:issue_id>/edit/", state_of_play.issue_edit, name="issue_edit"),
    path("issues/<int:issue_id>/status/", state_of_play.issue_status, name="issue_status"),
]
