from __future__ import annotations

from django.urls import path

from consultations.views import devmail

app_name = "dev"

urlpatterns = [
    path("mail/", devmail.inbox, name="mail"),
    path("mail/<str:name>/<int:index>/", devmail.message_html, name="mail_html"),
]
