from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consultations.forms.fields import parse_id
from consultations.models import NotificationKind, NotificationPreference
from consultations.selectors import notifications as notification_selectors
from consultations.services import notifications as notification_services
from consultations.views.helpers import paginate


@require_GET
@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = paginate(notification_selectors.notification_list_for(user=request.user), request)
    return render(request, "consultations/notifications/list.html", {"page": page})


@require_POST
@login_required
def notification_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification read (and follow it) or all of them (``all``)."""
    notification_id = parse_id(request.POST.get("id"))
    notification_services.notification_mark_read(user=request.user, notification_id=notification_id)
    target = request.POST.get("next", "")
    if notification_id is not None and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        # Not redirect(): it would take a bare word such as "0" for the name of a view.
        return HttpResponseRedirect(target)
    return redirect("consultations:notification_list")


@require_http_methods(["GET", "POST"])
@login_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        channels = {kind: request.POST.get(f"channel-{kind}", "") for kind in NotificationKind.values}
        notification_services.preferences_update(user=request.user, channels=channels)
        messages.success(request, _("Your notification settings were saved."))
        return redirect("consultations:notification_preferences")
    return render(
        request,
        "consultations/notifications/preferences.html",
        {
            "table": notification_selectors.preference_table_for(user=request.user),
            "channels": NotificationPreference.Channel.choices,
        },
    )
