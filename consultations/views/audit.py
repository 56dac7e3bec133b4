"""The audit log for platform staff (browse, filter, export as CSV) and a user's own sign-in history."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from consultations.forms.audit import AuditFilterForm
from consultations.models import AuditEvent
from consultations.rules.accounts import is_platform_staff
from consultations.selectors import audit as selectors
from consultations.services import exports as export_services
from consultations.services.audit import audit_denial
from consultations.views.helpers import as_download, in_language, paginate, render_filtered_list


def _require_staff(request: HttpRequest) -> None:
    if not is_platform_staff(request.user):
        audit_denial(user=request.user, permission="consultations.view_auditevent", target=None)
        raise Http404


def _filter_form(request: HttpRequest) -> AuditFilterForm:
    return AuditFilterForm(
        request.GET or None,
        actions=selectors.audit_action_list(),
        target_types=selectors.audit_target_type_list(),
    )


@require_GET
@login_required
@vary_on_headers("HX-Request")
def audit_log(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    form = _filter_form(request)
    events = selectors.audit_event_list(filters=form.filters())
    return render_filtered_list(request, "consultations/audit/log.html", "audit-results", events, form, per_page=50)


def _row(event: AuditEvent) -> list[object]:
    return [
        timezone.localtime(event.created_at).isoformat(timespec="seconds"),
        event.actor.email if event.actor else "",
        event.organisation.name if event.organisation else "",
        event.action,
        event.target_type,
        event.target_id,
        event.ip_address or "",
        event.user_agent,
        json.dumps(event.data, ensure_ascii=False, sort_keys=True),
    ]


@require_GET
@login_required
def audit_log_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered log as CSV, streamed (BOM, formulas neutralised); the export is itself an audit row."""
    _require_staff(request)
    filters = _filter_form(request).filters()
    events = selectors.audit_event_list(filters=filters)
    export_services.export_audit(
        user=request.user, kind="audit_log", target=request.user, filters=filters.as_dict(), rows=events.count()
    )
    language = request.user.language
    with translation.override(language):
        header = [
            _("At"),
            _("Actor"),
            _("Organisation"),
            _("Action"),
            _("Object type"),
            _("Object id"),
            _("IP address"),
            _("User agent"),
            _("Details"),
        ]
    lines = export_services.csv_lines(header, map(_row, events.iterator(chunk_size=2000)))
    response = StreamingHttpResponse(in_language(lines, language), content_type=export_services.CONTENT_TYPES["csv"])
    return as_download(response, f"audit-log_{timezone.localdate():%Y-%m-%d}.csv")


@require_GET
@login_required
def signin_history(request: HttpRequest) -> HttpResponse:
    page = paginate(selectors.signin_history_for(user=request.user), request, per_page=50)
    return render(request, "consultations/audit/signin_history.html", {"page": page, "query": ""})
