from __future__ import annotations

from django.urls import path

from consultations.views import notifications

urlpatterns = [
    path("notifications/", notifications.notification_list, name="notification_list"),
    path("notifications/read/", notifications.notification_read, name="notification_read"),
    path("notifications/settings/", notifications.notification_preferences, name="notification_preferences"),
]
