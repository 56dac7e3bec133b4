"""Account URLs, included into the "consultations" namespace by consultations.urls."""

from __future__ import annotations

from django.urls import path

from consultations.views import accounts

urlpatterns = [
    path("invitations/<str:token>/", accounts.invitation_accept, name="invitation_accept"),
    path("organisation/members/", accounts.member_list, name="member_list"),
    path("organisation/chapters/", accounts.organisation_chapters, name="organisation_chapters"),
    path("organisation/members/<int:pk>/remove/", accounts.member_remove, name="member_remove"),
    path("organisation/invitations/<int:pk>/revoke/", accounts.invitation_revoke, name="invitation_revoke"),
    path("staff/officials/invite/", accounts.official_invite, name="official_invite"),
    path("preferences/", accounts.preferences, name="preferences"),
]
