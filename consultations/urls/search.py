from __future__ import annotations

from django.urls import path

from consultations.views import search

urlpatterns = [
    path("search/", search.search, name="search"),
]
