"""Digest preview (any recipient, their own digest) and the delivery history of a round (staff)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from consultations.models import Delivery, Round
from consultations.selectors.deliveries import delivery_counts_for_round, delivery_list_for_round
from consultations.services import digests as digest_services
from consultations.views.helpers import error_text, paginate


def _round(pk: int) -> Round:
    return get_object_or_404(Round.objects.exclude(kind=Round.Kind.MILESTONE), pk=pk)


@require_GET
@login_required
def digest_preview(request: HttpRequest, round_id: int) -> HttpResponse:
    """The digest this user gets for the round, exactly as the e-mail will show it."""
    round = _round(round_id)
    kind = request.GET.get("kind", digest_services.PRE)
    if kind not in digest_services.KINDS:
        kind = digest_services.PRE
    context = digest_services.digest_context(round=round, user=request.user, kind=kind)
    context.update(kinds=digest_services.KINDS, current_kind=kind)
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
            "counts": delivery_counts_for_round(round=round),
            "statuses": Delivery.Status.choices,
            "current_status": status,
            "query": f"status={status}" if status else "",
        },
    )


@require_POST
@login_required
def delivery_resend(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    delivery = get_object_or_404(Delivery, pk=pk, kind__in=digest_services.KINDS)
    try:
        digest_services.delivery_resend(by=request.user, delivery=delivery)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("The digest to %(email)s was queued again.") % {"email": delivery.recipient.email})
    round_id = int(delivery.key.split(":", 1)[1])
    return redirect("consultations:round_deliveries", round_id=round_id)
