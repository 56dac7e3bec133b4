"""Writes of the chapters' state of play: status changes, sharing the status line, open issues.

Every write appends: a status change or a sharing change is a new ``ChapterStatusEntry`` carrying the whole status
line; every change of an open issue bumps its version and adds an ``OpenIssueChange`` with the whole issue. Edits
of an issue are checked against the version the form was opened at, as positions are: the second saver gets a
conflict and nothing of theirs is lost (the form keeps their text).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.models import (
    Chapter,
    ChapterStatus,
    ChapterStatusEntry,
    OpenIssue,
    OpenIssueChange,
    Party,
    Position,
    Round,
)
from consultations.models.state_of_play import (
    CLOSED_CHAPTER_STATUSES,
    ISSUE_TEXT_MAX,
    NOTE_MAX,
    skipped_statuses,
)
from consultations.selectors.triage import triage_scope
from consultations.services.audit import audit_record
from consultations.services.errors import VersionRequired, format_moment

if TYPE_CHECKING:
    from consultations.models import User


class IssueConflict(ValidationError):
    """Someone changed the open issue after the form was opened; ``current`` is the issue as it is now."""

    def __init__(self, current: OpenIssue) -> None:
        self.current = current
        super().__init__(
            _(
                "%(who)s changed this open issue at %(time)s, after you opened the form. Your changes were not "
                "saved and are kept below; compare them with the current version shown beside them and save again."
            )
            % {"who": current.updated_by, "time": format_moment(current.updated_at)},
            code="conflict",
        )


def _require(user: User, chapter: Chapter) -> None:
    if not rules.has_perm("consultations.change_state_of_play", user, chapter):
        raise PermissionDenied


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _check_round(round: Round) -> None:
    if round.kind == Round.Kind.MILESTONE or round.cancelled_at is not None:
        message = _("«%(round)s» is not a round or meeting where chapters are negotiated.")
        raise ValidationError({"round": message % {"round": round.localized_label}})


def _latest(chapter: Chapter) -> ChapterStatusEntry | None:
    return (
        ChapterStatusEntry.objects.filter(chapter=chapter)
        .select_related("round")
        .order_by("-recorded_at", "-id")
        .first()
    )


def _lock_chapter(chapter: Chapter) -> None:
    """Serialise the state-of-play writes of one chapter. ``FOR NO KEY UPDATE`` does not block the inserts that
    reference the chapter (positions, briefings), which only take ``KEY SHARE`` locks."""
    Chapter.objects.select_for_update(no_key=True).filter(pk=chapter.pk).exists()


@transaction.atomic
def chapter_status_set(
    *,
    chapter: Chapter,
    round: Round,
    by: User,
    status: str,
    note: str = "",
    reason: str = "",
    now: dt.datetime | None = None,
) -> ChapterStatusEntry:
    """Record the chapter's status for ``round``. Skipping steps is allowed and recorded; reopening a closed chapter
    needs a reason; a round earlier than the one last recorded is refused (history is written forward)."""
    _require(by, chapter)
    now = now or timezone.now()
    if status not in ChapterStatus.values:
        raise ValidationError({"status": _("Choose one of the statuses in the list.")})
    _check_round(round)
    note, reason = note.strip(), reason.strip()
    if len(note) > NOTE_MAX or len(reason) > NOTE_MAX:
        raise ValidationError(_("Notes and reasons are at most %(max)d characters long.") % {"max": NOTE_MAX})
    _lock_chapter(chapter)
    latest = _latest(chapter)
    previous = latest.status if latest else ""
    if latest is not None:
        if (round.starts_on, round.pk) < (latest.round.starts_on, latest.round.pk):
            raise ValidationError(
                {
                    "round": _(
                        "The state of play of this chapter was last recorded for «%(latest)s». Record changes for "
                        "that round or a later one."
                    )
                    % {"latest": latest.round.localized_label}
                }
            )
        if latest.status == status and latest.round_id == round.pk:
            raise ValidationError(
                {
                    "status": _("The chapter is already «%(status)s» in «%(round)s».")
                    % {"status": latest.get_status_display(), "round": round.localized_label}
                }
            )
        if latest.status in CLOSED_CHAPTER_STATUSES and status not in CLOSED_CHAPTER_STATUSES and not reason:
            raise ValidationError(
                {
                    "reason": _("The chapter is «%(status)s»: say why it is being reopened.")
                    % {"status": latest.get_status_display()}
                }
            )
    entry = ChapterStatusEntry.objects.create(
        chapter=chapter,
        round=round,
        change=ChapterStatusEntry.Change.STATUS,
        status=status,
        previous_status=previous,
        skipped=skipped_statuses(previous or None, status),
        note=note,
        reason=reason if previous in CLOSED_CHAPTER_STATUSES else "",
        shared_with_room=latest.shared_with_room if latest else False,
        recorded_by=by,
        recorded_at=now,
    )
    audit_record(
        actor=by,
        action="chapter_status_set",
        target=entry,
        data={"chapter": chapter.number, "round": round.pk, "status": status, "previous": previous},
    )
    return entry


@transaction.atomic
def chapter_status_share(
    *, chapter: Chapter, by: User, shared: bool, now: dt.datetime | None = None
) -> ChapterStatusEntry:
    """Share the chapter's status line with the room (delegates then see the status on the chapter list), or stop
    sharing it. Only the status line: the open issues, notes and history stay government-only."""
    _require(by, chapter)
    now = now or timezone.now()
    _lock_chapter(chapter)
    latest = _latest(chapter)
    if latest is None:
        raise ValidationError(_("Record the chapter's status before sharing it with the room."))
    if latest.shared_with_room == shared:
        raise ValidationError(
            _("The status line is already shared with the room.")
            if shared
            else _("The status line is not shared with the room.")
        )
    entry = ChapterStatusEntry.objects.create(
        chapter=chapter,
        round=latest.round,
        change=ChapterStatusEntry.Change.SHARED if shared else ChapterStatusEntry.Change.UNSHARED,
        status=latest.status,
        previous_status=latest.status,
        shared_with_room=shared,
        recorded_by=by,
        recorded_at=now,
    )
    audit_record(actor=by, action="chapter_status_share", target=entry, data={"shared": shared})
    return entry


def _clean_issue(*, chapter: Chapter, by: User, text: str, parties: Iterable[str], note: str, format: str) -> dict:
    errors: dict[str, str] = {}
    text = _one_line(text)
    parties = sorted(set(parties), key=lambda p: Party.values.index(p) if p in Party.values else 99)
    if not text:
        errors["text"] = _("Say what the open issue is.")
    elif len(text) > ISSUE_TEXT_MAX:
        errors["text"] = _("Keep the issue to %(max)d characters; put the detail in the note.") % {
            "max": ISSUE_TEXT_MAX
        }
    if not parties:
        errors["parties"] = _("Say which parties hold this point open.")
    elif any(party not in Party.values for party in parties):
        errors["parties"] = _("Choose the parties among Mexico, the United States and Canada.")
    if format not in Round.Format.values:
        errors["format"] = _("Choose trilateral, Mexico–United States or Mexico–Canada.")
    if len(note.strip()) > NOTE_MAX:
        errors["note"] = _("The note is at most %(max)d characters long.") % {"max": NOTE_MAX}
    if errors:
        raise ValidationError(errors)
    return {"text": text, "parties": parties, "note": note.strip(), "format": format}


def _positions(*, chapter: Chapter, by: User, positions: Iterable[Position]) -> list[Position]:
    """The related positions, which must be filed positions of the chapter that the author may triage."""
    wanted = {p.pk for p in positions}
    found = list(triage_scope(user=by).filter(chapter=chapter, pk__in=wanted))
    if len(found) != len(wanted):
        raise ValidationError({"positions": _("Link only filed positions of this chapter.")})
    return found


def _record(issue: OpenIssue, *, action: str, by: User, now: dt.datetime, previous_status: str = "") -> None:
    OpenIssueChange.objects.create(
        issue=issue,
        version=issue.version,
        action=action,
        by=by,
        at=now,
        round=issue.round,
        text=issue.text,
        parties=issue.parties,
        status=issue.status,
        previous_status=previous_status,
        note=issue.note,
        format=issue.format,
        position_ids=sorted(p.pk for p in issue.positions.all()),
    )
    audit_record(actor=by, action=f"open_issue_{action}", target=issue, data={"version": issue.version})


@transaction.atomic
def open_issue_create(
    *,
    chapter: Chapter,
    round: Round,
    by: User,
    text: str,
    parties: Iterable[str],
    note: str = "",
    format: str = Round.Format.TRILATERAL,
    positions: Iterable[Position] = (),
    now: dt.datetime | None = None,
) -> OpenIssue:
    _require(by, chapter)
    now = now or timezone.now()
    _check_round(round)
    cleaned = _clean_issue(chapter=chapter, by=by, text=text, parties=parties, note=note, format=format)
    related = _positions(chapter=chapter, by=by, positions=positions)
    issue = OpenIssue.objects.create(
        chapter=chapter, round=round, created_by=by, created_at=now, updated_by=by, updated_at=now, **cleaned
    )
    issue.positions.set(related)
    _record(issue, action=OpenIssueChange.Action.CREATED, by=by, now=now)
    return issue


def _lock_issue(issue: OpenIssue, expected_version: int | None) -> OpenIssue:
    if expected_version is None:
        raise VersionRequired
    current = OpenIssue.objects.select_for_update(of=("self",)).select_related("updated_by").get(pk=issue.pk)
    if current.version != expected_version:
        raise IssueConflict(current)
    return current


@transaction.atomic
def open_issue_update(
    *,
    issue: OpenIssue,
    by: User,
    version: int | None,
    round: Round,
    text: str,
    parties: Iterable[str],
    note: str = "",
    format: str = Round.Format.TRILATERAL,
    positions: Iterable[Position] = (),
    status: str | None = None,
    now: dt.datetime | None = None,
) -> OpenIssue:
    """Edit an open issue as it was when the form was opened (``version``); a newer save wins nothing by default:
    the later saver gets ``IssueConflict`` and nothing changes."""
    _require(by, issue.chapter)
    now = now or timezone.now()
    _check_round(round)
    cleaned = _clean_issue(chapter=issue.chapter, by=by, text=text, parties=parties, note=note, format=format)
    related = _positions(chapter=issue.chapter, by=by, positions=positions)
    if status is not None and status not in OpenIssue.Status.values:
        raise ValidationError({"status": _("Choose one of the statuses in the list.")})
    current = _lock_issue(issue, version)
    previous_status = current.status
    unchanged = (
        all(getattr(current, name) == value for name, value in cleaned.items())
        and current.round_id == round.pk
        and {p.pk for p in current.positions.all()} == {p.pk for p in related}
        and (status is None or status == current.status)
    )
    if unchanged:
        raise ValidationError(_("Nothing was changed."))
    for name, value in cleaned.items():
        setattr(current, name, value)
    current.round = round
    if status is not None:
        current.status = status
    current.version += 1
    current.updated_by, current.updated_at = by, now
    current.save()
    current.positions.set(related)
    action = OpenIssueChange.Action.EDITED
    _record(
        current,
        action=action,
        by=by,
        now=now,
        previous_status=previous_status if current.status != previous_status else "",
    )
    return current


@transaction.atomic
def open_issue_set_status(
    *,
    issue: OpenIssue,
    by: User,
    version: int | None,
    status: str,
    round: Round | None = None,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> OpenIssue:
    """Move an open issue to open, converging, resolved or dropped (in ``round``, by default the one it was last
    discussed in), checked against the version the page showed."""
    _require(by, issue.chapter)
    now = now or timezone.now()
    if status not in OpenIssue.Status.values:
        raise ValidationError({"status": _("Choose one of the statuses in the list.")})
    if round is not None:
        _check_round(round)
    current = _lock_issue(issue, version)
    if current.status == status:
        raise ValidationError(
            {"status": _("The issue is already «%(status)s».") % {"status": current.get_status_display()}}
        )
    previous = current.status
    current.status = status
    if round is not None:
        current.round = round
    if note is not None and note.strip():
        if len(note.strip()) > NOTE_MAX:
            raise ValidationError({"note": _("The note is at most %(max)d characters long.") % {"max": NOTE_MAX}})
        current.note = note.strip()
    current.version += 1
    current.updated_by, current.updated_at = by, now
    current.save()
    _record(current, action=OpenIssueChange.Action.STATUS, by=by, now=now, previous_status=previous)
    return current


def reference_status_load(*, chapter: Chapter, round: Round, status: str, note: str, now: dt.datetime) -> bool:
    """One status of the public record (``load_usmca``): recorded once per chapter and round, whatever the reruns.
    Returns whether it was added."""
    if ChapterStatusEntry.objects.filter(chapter=chapter, round=round, is_reference=True).exists():
        return False
    latest = _latest(chapter)
    ChapterStatusEntry.objects.create(
        chapter=chapter,
        round=round,
        status=status,
        previous_status=latest.status if latest else "",
        note=note,
        is_reference=True,
        recorded_at=now,
    )
    return True
