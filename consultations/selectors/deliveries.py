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


# A digest is never carried in another e-mail: its pages leave out the "sent in a batch" state.
DIGEST_STATUSES = [(value, label) for value, label in Delivery.Status.choices if value != Delivery.Status.BATCHED]


def _counts(
    deliveries: QuerySet[Delivery], kinds: list[str] | tuple[str, ...], statuses: list[str] | None = None
) -> dict[str, dict[str, int]]:
    statuses = statuses or Delivery.Status.values
    counts = {kind: dict.fromkeys(statuses, 0) for kind in kinds}
    for row in deliveries.values("kind", "status").annotate(n=Count("id")).order_by():
        counts.setdefault(row["kind"], dict.fromkeys(statuses, 0))[row["status"]] = row["n"]
    return counts


def delivery_counts_for_round(*, round: Round) -> dict[str, dict[str, int]]:
    """{kind: {status: count}} for the round's digests, every status present (zero when none)."""
    return _counts(
        Delivery.objects.filter(key=digest_delivery_key(round), kind__in=DIGEST_KINDS),
        DIGEST_KINDS,
        [value for value, _label in DIGEST_STATUSES],
    )


def delivery_list_notifications(*, kind: str | None = None, status: str | None = None) -> QuerySet[Delivery]:
    """Notification e-mails (everything that is not a digest), newest first."""
    deliveries = Delivery.objects.exclude(kind__in=DIGEST_KINDS).select_related("recipient")
    if kind:
        deliveries = deliveries.filter(kind=kind)
    if status:
        deliveries = deliveries.filter(status=status)
    return deliveries.order_by("-created_at", "-id")


def delivery_counts_notifications() -> dict[str, dict[str, int]]:
    return _counts(Delivery.objects.exclude(kind__in=DIGEST_KINDS), ())
