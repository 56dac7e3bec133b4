from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from consultations.api import api
from consultations.api.docs import api_docs

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/docs/", api_docs, name="api_docs"),
    path("api/v1/", api.urls),
    path("", include("consultations.urls")),
]

if settings.DEBUG and not settings.PRODUCTION:
    urlpatterns += [path("dev/", include("consultations.urls.dev"))]
