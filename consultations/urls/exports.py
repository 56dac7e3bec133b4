from __future__ import annotations

from django.urls import URLPattern, path

from consultations.views import exports

urlpatterns: list[URLPattern] = [
    path("rounds/<int:round_id>/book.<slug:fmt>", exports.book_round, name="book_round"),
    path("rounds/<int:round_id>/chapters/<int:number>/book.<slug:fmt>", exports.book_chapter, name="book_chapter"),
    path("positions/export.<slug:fmt>", exports.position_export, name="position_export"),
    path("positions/<int:pk>/export.pdf", exports.position_pdf, name="position_pdf"),
    path("handover/", exports.handover, name="handover"),
    path("exports/", exports.export_job_list, name="export_job_list"),
    path("exports/<int:pk>/", exports.export_job_detail, name="export_job_detail"),
    path("exports/<int:pk>/download/", exports.export_job_download, name="export_job_download"),
    path("exports/<int:pk>/retry/", exports.export_job_retry, name="export_job_retry"),
]
