from __future__ import annotations

from django.urls import path

from consultations.views import devmail

app_name = "dev"

urlpatterns = [
    path("mail/", devmail.inbox, name="mail"),
]
