"""Writes to rounds, for platform staff: create, edit, clone, cancel, and open or close input early."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.models import Round
from consultations.reference.usmca import consultation_schedule
from consultations.services.audit import audit_record

if TYPE_CHECKING:
    from consultations.models import User

EDITABLE_FIELDS = (
    "kind",
    "format",
    "label",
    "label_en",
    "city",
    "country",
    "time_zone",
    "starts_on",
    "ends_on",
    "input_opens_at",
    "submission_deadline",
    "digest_at",
    "notes",
)
SCHEDULE_FIELDS = ("input_opens_at", "submission_deadline", "digest_at")
CLONED_FIELDS = ("kind", "format", "city", "country", "time_zone", "notes")
# Labels are data in the negotiation's language, like "Ronda 1", not interface text.
COPY_SUFFIX = " (copia)"
COPY_SUFFIX_EN = " (copy)"


def _require_staff(user: User | None) -> None:
    if user is None or not getattr(user, "is_staff", False) or not user.is_active:
        raise ValidationError(_("Only platform staff can manage rounds."), code="forbidden")


def _lock(round: Round) -> Round:
    # No key changes: a plain FOR UPDATE would hold up every filing of the round (their foreign keys key-share it).
    return Round.objects.select_for_update(no_key=True).get(pk=round.pk)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _apply(round: Round, data: dict[str, Any]) -> list[str]:
    changed = []
    for name in EDITABLE_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name in ("label", "label_en", "city", "notes", "time_zone"):
            value = (value or "").strip()
        elif name == "country":
            value = (value or "").strip().upper()
        if getattr(round, name) != value:
            setattr(round, name, value)
            changed.append(name)
    return changed


def _check_time_zone(round: Round) -> None:
    try:
        zoneinfo.ZoneInfo(round.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            {"time_zone": _("«%(zone)s» is not a time zone we know.") % {"zone": round.time_zone}}
        ) from None


def _default_opening(round: Round, *, now: dt.datetime, house: dt.datetime) -> dt.datetime:
    """When input opens if the admin leaves it blank: the house rule (30 days before the start), never before the
    previous round's input closes (so two rounds do not take input at once) and never in the past."""
    previous = (
        Round.objects.filter(
            cancelled_at__isnull=True,
            submission_deadline__isnull=False,
            submission_deadline__lt=round.submission_deadline,
        )
        .exclude(pk=round.pk)
        .order_by("-submission_deadline")
        .values_list("submission_deadline", flat=True)
        .first()
    )
    return max(candidate for candidate in (house, previous, now) if candidate is not None)


def _fill_defaults(round: Round, *, now: dt.datetime, takes_positions: bool) -> None:
    """The house schedule, in the host city's time, for what the admin left blank: the deadline 7 days before the
    start at 18:00, the digest 3 days before at 08:00, and input open 30 days before the start (or when the previous
    round's input closes, if later). A round without a call for positions (a milestone, or a meeting the admin marked
    so) has no opening or deadline, and a digest only if one was set."""
    if not takes_positions or round.kind == Round.Kind.MILESTONE:
        round.input_opens_at = None
        round.submission_deadline = None
        return
    if not round.starts_on:
        return
    schedule = consultation_schedule(starts_on=round.starts_on, time_zone=round.time_zone)
    if round.submission_deadline is None:
        round.submission_deadline = schedule.submission_deadline
    if round.digest_at is None:
        round.digest_at = schedule.digest_at
    # A round recorded after its deadline (a past round) opens at no particular moment.
    if round.input_opens_at is None and round.submission_deadline > now:
        opening = _default_opening(round, now=now, house=schedule.input_opens_at)
        round.input_opens_at = opening if opening < round.submission_deadline else now


def _validate(round: Round, *, early_digest: bool = False) -> None:
    """Clear messages per field: the model's clean() for the schedule, plus what the table does not check. A digest
    before the submission deadline misses the positions filed after it: refused unless ``early_digest`` confirms it."""
    _check_time_zone(round)
    errors: dict[str, list[str]] = {}
    try:
        round.full_clean(exclude=["cancelled_at"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        errors.update(error.message_dict)
    if round.kind == Round.Kind.MILESTONE:
        if round.input_opens_at:
            errors.setdefault("input_opens_at", []).append(_("A milestone does not take positions."))
        if round.digest_at:
            errors.setdefault("digest_at", []).append(_("A milestone has no pre-round digest."))
    if round.digest_at and round.starts_on and round.digest_at >= round.starts_at and "digest_at" not in errors:
        errors["digest_at"] = [_("The pre-round digest must go out before the round starts.")]
    if (
        round.digest_at
        and round.submission_deadline
        and round.digest_at < round.submission_deadline
        and not early_digest
        and not errors.keys() & {"digest_at", "submission_deadline"}
    ):
        errors["digest_at"] = [
            ValidationError(
                _(
                    "The digest would go out before the submission deadline, so positions filed after it would miss "
                    "it. Move it after the deadline, or tick the box below to confirm."
                ),
                code="early_digest",
            )
        ]
    if (
        round.label
        and round.starts_on
        and Round.objects.filter(label=round.label, starts_on=round.starts_on).exclude(pk=round.pk).exists()
    ):
        errors.setdefault("label", []).append(
            _("Another round called «%(label)s» starts on the same day.") % {"label": round.label}
        )
    if errors:
        raise ValidationError(errors)


def _prepare(*, by: User, data: dict[str, Any], round: Round | None = None) -> Round:
    """The round as saving ``data`` would leave it (defaults filled, every rule checked), not saved yet."""
    _require_staff(by)
    if round is None:
        round = Round()
        _apply(round, {name: value for name, value in data.items() if value is not None or name in SCHEDULE_FIELDS})
        takes_positions = data.get("takes_positions", True)
    else:
        if round.cancelled_at:
            raise ValidationError(_("A cancelled round cannot be edited; clone it to plan it again."), code="cancelled")
        takes_positions = data.get("takes_positions", round.submission_deadline is not None)
        _apply(round, data)
    _check_time_zone(round)
    _fill_defaults(round, now=timezone.now(), takes_positions=takes_positions)
    _validate(round, early_digest=bool(data.get("early_digest")))
    return round


def round_preview(*, by: User, data: dict[str, Any], round: Round | None = None) -> Round:
    """What creating (or, with ``round``, changing) a round would do, for the admin to confirm: nothing is saved."""
    if round is not None:
        round = Round.objects.get(pk=round.pk)
    return _prepare(by=by, data=data, round=round)


@transaction.atomic
def round_create(*, by: User, data: dict[str, Any]) -> Round:
    """Create a round. Blank schedule fields take the house defaults, computed in the round's time zone, unless
    ``data["takes_positions"]`` is false (a meeting without a call for positions)."""
    round = _prepare(by=by, data=data)
    round.save()
    audit_record(
        actor=by,
        action="round.create",
        target=round,
        data={name: _jsonable(getattr(round, name)) for name in ("label", "starts_on", *SCHEDULE_FIELDS)},
    )
    return round


@transaction.atomic
def round_update(*, by: User, round: Round, data: dict[str, Any]) -> Round:
    """Change a round. A schedule field sent blank takes the house default again, as on creation; without
    ``takes_positions`` in ``data`` the round keeps taking positions or not, as before."""
    _require_staff(by)
    round = _lock(round)
    before = {name: getattr(round, name) for name in EDITABLE_FIELDS}
    round = _prepare(by=by, data=data, round=round)
    changed = [name for name in EDITABLE_FIELDS if getattr(round, name) != before[name]]
    if changed:
        round.save()
        audit_record(
            actor=by,
            action="round.update",
            target=round,
            data={
                "fields": changed,
                "before": {name: _jsonable(before[name]) for name in changed},
                "after": {name: _jsonable(getattr(round, name)) for name in changed},
            },
        )
    return round


def _shift(moment: dt.datetime | None, *, days: int, tz: zoneinfo.ZoneInfo) -> dt.datetime | None:
    """The same wall-clock time in the host city, ``days`` later (18:00 stays 18:00 across a DST change)."""
    if moment is None:
        return None
    local = moment.astimezone(tz)
    return dt.datetime.combine(local.date() + dt.timedelta(days=days), local.time(), tzinfo=tz)


def clone_label(round: Round) -> str:
    return round.label[: Round._meta.get_field("label").max_length - len(COPY_SUFFIX)] + COPY_SUFFIX


def clone_label_en(round: Round) -> str:
    if not round.label_en:
        return ""
    return round.label_en[: Round._meta.get_field("label_en").max_length - len(COPY_SUFFIX_EN)] + COPY_SUFFIX_EN


@transaction.atomic
def round_clone(*, by: User, round: Round, starts_on: dt.date, label: str = "", label_en: str = "") -> Round:
    """A new round like ``round``, starting on ``starts_on``: its length, deadline, digest and opening keep their
    distance from the start, in the host city's time."""
    _require_staff(by)
    if not isinstance(starts_on, dt.date):
        raise ValidationError({"starts_on": _("Enter the day the new round starts.")})
    days = (starts_on - round.starts_on).days
    tz = round.tz
    copy = Round(
        **{name: getattr(round, name) for name in CLONED_FIELDS},
        label=(label or "").strip() or clone_label(round),
        label_en=(label_en or "").strip() or clone_label_en(round),
        starts_on=starts_on,
        ends_on=round.ends_on + dt.timedelta(days=days),
        input_opens_at=_shift(round.input_opens_at, days=days, tz=tz),
        submission_deadline=_shift(round.submission_deadline, days=days, tz=tz),
        digest_at=_shift(round.digest_at, days=days, tz=tz),
    )
    _validate(copy)
    copy.save()
    audit_record(
        actor=by,
        action="round.clone",
        target=copy,
        data={"source": round.pk, "source_label": round.label, "days": days},
    )
    return copy


@transaction.atomic
def round_cancel(*, by: User, round: Round, reason: str) -> Round:
    """Cancel a round that has not concluded. Positions filed for it stay as they are."""
    _require_staff(by)
    round = _lock(round)
    reason = (reason or "").strip()
    status = round.status
    if status == Round.Status.CANCELLED:
        raise ValidationError(
            _("«%(round)s» is cancelled already.") % {"round": round.localized_label}, code="cancelled"
        )
    if status == Round.Status.CONCLUDED:
        raise ValidationError(
            _("«%(round)s» has concluded; a round that took place cannot be cancelled.")
            % {"round": round.localized_label},
            code="concluded",
        )
    if not reason:
        raise ValidationError({"reason": _("Say why the round is cancelled; the reason is kept in the record.")})
    round.cancelled_at = timezone.now()
    round.save(update_fields=["cancelled_at"])
    audit_record(actor=by, action="round.cancel", target=round, data={"reason": reason, "status_was": status.value})
    return round


@transaction.atomic
def round_open_input_now(*, by: User, round: Round) -> Round:
    """Open a planned round for input before its opening time; its deadline stays."""
    _require_staff(by)
    round = _lock(round)
    now = timezone.now()
    status = round.status_at(now)
    if status == Round.Status.OPEN:
        raise ValidationError(
            _("«%(round)s» is open for input already.") % {"round": round.localized_label}, code="open"
        )
    if status != Round.Status.PLANNED:
        raise ValidationError(
            _("«%(round)s» is %(status)s; only a planned round can open for input.")
            % {"round": round.localized_label, "status": status.label.lower()},
            code="not_planned",
        )
    if round.kind == Round.Kind.MILESTONE or round.submission_deadline is None:
        raise ValidationError(
            _("«%(round)s» has no submission deadline; edit the round to set one first.")
            % {"round": round.localized_label},
            code="no_deadline",
        )
    previous = round.input_opens_at
    round.input_opens_at = now
    round.save(update_fields=["input_opens_at"])
    audit_record(actor=by, action="round.open_input", target=round, data={"input_opens_at_was": _jsonable(previous)})
    return round


@transaction.atomic
def round_close_input_now(*, by: User, round: Round) -> Round:
    """Close input before the deadline: the deadline becomes now, the original one is kept in the audit event.
    Positions already filed stay filed."""
    _require_staff(by)
    round = _lock(round)
    now = timezone.now()
    if round.status_at(now) != Round.Status.OPEN:
        raise ValidationError(
            _("«%(round)s» is not open for input (it is %(status)s).")
            % {"round": round.localized_label, "status": round.status_at(now).label.lower()},
            code="not_open",
        )
    previous = round.submission_deadline
    round.submission_deadline = now
    round.save(update_fields=["submission_deadline"])
    audit_record(
        actor=by,
        action="round.close_input",
        target=round,
        data={"submission_deadline_was": _jsonable(previous)},
    )
    return round
