from __future__ import annotations

from django.urls import path

from consultations.views import digests

urlpatterns = [
    path("rounds/<int:round_id>/digest/", digests.digest_preview, name="digest_preview"),
    path("manage/rounds/<int:round_id>/deliveries/", digests.round_deliveries, name="round_deliveries"),
    path("manage/deliveries/<int:pk>/resend/", digests.delivery_resend, name="delivery_resend"),
]
