from __future__ import annotations

from django.urls import path

from consultations.views import audit

urlpatterns = [
    path("manage/audit/", audit.audit_log, name="audit_log"),
    path("manage/audit/export.csv", audit.audit_log_export, name="audit_log_export"),
    path("preferences/sign-ins/", audit.signin_history, name="signin_history"),
]
