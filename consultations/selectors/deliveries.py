from __future__ import annotations

from django.db.models import Count, QuerySet

from consultations.models import Delivery, Round
from consultations.models.deliveries import DIGEST_KINDS, digest_delivery_key


def delivery_list_for_round(*, round: Round, status: str | None = None) -> QuerySet[Delivery]:
    deliveries = Delivery.objects.filter(key=digest_delivery_key(round), kind__in=DIGEST_KINDS).select_related(
        "recipient"
    )
    if status:
        deliveries = deliveries.filter(status=status)
    return deliveries.order_by("kind", "status", "recipient__email")


def delivery_counts_for_round(*, round: Round) -> dict[str, dict[str, int]]:
    """{kind: {status: count}} for the round's digests, every status present (zero when none)."""
    counts = {kind: dict.fromkeys(Delivery.Status.values, 0) for kind in DIGEST_KINDS}
    rows = (
        Delivery.objects.filter(key=digest_delivery_key(round), kind__in=DIGEST_KINDS)
        .values("kind", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts[row["kind"]][row["status"]] = row["n"]
    return counts
