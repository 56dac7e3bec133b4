from __future__ import annotations

from django.urls import path

from consultations.views import digests

urlpatterns = [
    path("rounds/<int:round_id>/digest/", digests.digest_preview, name="digest_preview"),
    path("manage/rounds/<int:round_id>/deliveries/", digests.round_deliveries, name="round_deliveries"),
    path("manage/deliveries/", digests.notification_deliveries, name="notification_deliveries"),
    path("manage/deliveries/resend/", digests.deliveries_resend_bulk, name="deliveries_resend_bulk"),
    path("manage/deliveries/<int:pk>/resend/", digests.delivery_resend, name="delivery_resend"),
]
