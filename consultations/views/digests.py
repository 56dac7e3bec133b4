"""Digest preview (any recipient, their own digest); e-mail delivery history and resends (staff)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from consultations.models import Delivery, Round
from consultations.models.deliveries import DIGEST_KINDS, DIGEST_PRE
from consultations.selectors.deliveries import (
    DIGEST_STATUSES,
    delivery_counts_for_round,
    delivery_counts_notifications,
    delivery_list_for_round,
    delivery_list_notifications,
)
from consultations.selectors.digests import digest_context
from consultations.services import deliveries as delivery_services
from consultations.services import digests as digest_services
from consultations.views.helpers import error_text, paginate


def _round(pk: int) -> Round:
    return get_object_or_404(Round.objects.exclude(kind=Round.Kind.MILESTONE), pk=pk)


@require_GET
@login_required
def digest_preview(request: HttpRequest, round_id: int) -> HttpResponse:
    """The digest this user gets for the round, exactly as the e-mail will show it."""
    round = _round(round_id)
    kind = request.GET.get("kind", DIGEST_PRE)
    if kind not in DIGEST_KINDS:
        kind = DIGEST_PRE
    context = digest_context(round=round, user=request.user, kind=kind)
    context.update(kinds=DIGEST_KINDS, current_kind=kind)
    return render(request, "consultations/digests/preview.html", context)


def _require_staff(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise Http404


@require_GET
@login_required
def round_deliveries(request: HttpRequest, round_id: int) -> HttpResponse:
    _require_staff(request)
    round = _round(round_id)
    status = request.GET.get("status") or None
    if status not in (None, *Delivery.Status.values):
        status = None
    page = paginate(delivery_list_for_round(round=round, status=status), request, per_page=50)
    return render(
        request,
        "consultations/digests/deliveries.html",
        {
            "round": round,
            "page": page,
            "counts": [(name, KIND_LABELS[name], n) for name, n in delivery_counts_for_round(round=round).items()],
            "statuses": DIGEST_STATUSES,
            "current_status": status,
            "query": f"status={status}" if status else "",
        },
    )


# What each kind of e-mail is, for the delivery pages.
KIND_LABELS = {
    digest_services.PRE: gettext_lazy("Before the round"),
    digest_services.POST: gettext_lazy("Debrief after the round"),
    "position-update": gettext_lazy("Status change or response"),
    "cosign-invite": gettext_lazy("Invitation to co-sign"),
    "signoff-request": gettext_lazy("Awaiting sign-off"),
    "room-briefing": gettext_lazy("New briefing"),
    "room-question": gettext_lazy("New room question"),
    "room-deadline": gettext_lazy("Room question deadline"),
}
RESENDABLE = (Delivery.Status.FAILED, Delivery.Status.UNKNOWN)


def _back(delivery_kind: str, key: str) -> HttpResponse:
    """To the page that lists this kind of e-mail: the round's digests, or the notification e-mails."""
    if delivery_kind in digest_services.KINDS:
        return redirect("consultations:round_deliveries", round_id=int(key.split(":", 1)[1]))
    return redirect("consultations:notification_deliveries")


@require_GET
@login_required
def notification_deliveries(request: HttpRequest) -> HttpResponse:
    """Notification e-mails (status changes, responses, invitations, the room): what went out, what did not."""
    _require_staff(request)
    status = request.GET.get("status") or None
    if status not in (None, *Delivery.Status.values):
        status = None
    kind = request.GET.get("kind") or None
    if kind not in KIND_LABELS or kind in digest_services.KINDS:
        kind = None
    page = paginate(delivery_list_notifications(kind=kind, status=status), request, per_page=50)
    query = "&".join(f"{name}={value}" for name, value in (("kind", kind), ("status", status)) if value)
    counts = delivery_counts_notifications()
    return render(
        request,
        "consultations/digests/notification_deliveries.html",
        {
            "page": page,
            "counts": [(name, KIND_LABELS.get(name, name), by_status) for name, by_status in counts.items()],
            "statuses": Delivery.Status.choices,
            "kinds": [(name, label) for name, label in KIND_LABELS.items() if name not in digest_services.KINDS],
            "current_status": status,
            "current_kind": kind,
            "query": query,
            "kind_labels": KIND_LABELS,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def delivery_resend(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what resending this e-mail means (a warning when it may already have arrived). POST: resend it."""
    _require_staff(request)
    delivery = get_object_or_404(Delivery.objects.select_related("recipient"), pk=pk)
    if request.method == "GET":
        return render(
            request,
            "consultations/digests/resend_confirm.html",
            {"delivery": delivery, "kind_label": KIND_LABELS.get(delivery.kind, delivery.kind), "count": 1},
        )
    try:
        delivery_services.delivery_resend(
            by=request.user, delivery=delivery, confirm_unknown=request.POST.get("confirm_unknown") == "1"
        )
    except ValidationError as error:
        if any(getattr(e, "code", "") == "unconfirmed" for e in error.error_list):
            return redirect("consultations:delivery_resend", pk=delivery.pk)
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("The e-mail to %(email)s was queued again.") % {"email": delivery.recipient.email})
    return _back(delivery.kind, delivery.key)


@require_http_methods(["GET", "POST"])
@login_required
def deliveries_resend_bulk(request: HttpRequest) -> HttpResponse:
    """Every e-mail of one kind (of one round, for digests) that was not sent, or whose outcome is unknown, in
    one go: GET asks for confirmation with the count, POST resends."""
    _require_staff(request)
    params = request.POST if request.method == "POST" else request.GET
    kind = params.get("kind", "")
    status = params.get("status", "")
    if kind not in KIND_LABELS or status not in RESENDABLE:
        raise Http404
    key = None
    round = None
    if kind in digest_services.KINDS:
        round = _round(int(params.get("round") or 0))
        key = digest_services.delivery_key(round)
    deliveries = Delivery.objects.filter(kind=kind, status=status)
    if key is not None:
        deliveries = deliveries.filter(key=key)
    if request.method == "GET":
        return render(
            request,
            "consultations/digests/resend_confirm.html",
            {
                "bulk": True,
                "kind": kind,
                "kind_label": KIND_LABELS[kind],
                "status": status,
                "status_label": Delivery.Status(status).label,
                "round": round,
                "count": deliveries.count(),
            },
        )
    try:
        count = delivery_services.delivery_resend_bulk(
            by=request.user,
            kind=kind,
            key=key,
            status=status,
            confirm_unknown=request.POST.get("confirm_unknown") == "1",
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            ngettext("%(count)d e-mail was queued again.", "%(count)d e-mails were queued again.", count)
            % {"count": count},
        )
    if round is not None:
        return redirect("consultations:round_deliveries", round_id=round.pk)
    return redirect("consultations:notification_deliveries")
