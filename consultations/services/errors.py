from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from consultations.models import IntelligenceNote, Position, Round, TriageEvent


def format_moment(moment) -> str:  # noqa: ANN001 - a datetime
    """A moment as users read it: in their time zone, in their language's long format."""
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


class VersionConflict(ValidationError):
    """Someone saved the object after the form was opened. ``current`` is the object as it is now."""

    def __init__(self, current: Position) -> None:
        self.current = current
        super().__init__(
            _(
                "Someone else saved this position at %(time)s, after you opened the form. Your text was not "
                "saved and is kept below; compare it with the current version shown beside it and save again."
            )
            % {"time": format_moment(current.updated_at)},
            code="conflict",
        )


class NoteConflict(ValidationError):
    """Someone saved the intelligence note after the form was opened. ``current`` is the note as it is now."""

    def __init__(self, current: IntelligenceNote) -> None:
        self.current = current
        super().__init__(
            _(
                "%(author)s saved this note at %(time)s, after you opened the form. Your text was not saved and is "
                "kept below; compare it with the current version shown beside it and save again."
            )
            % {"author": current.updated_by, "time": format_moment(current.updated_at)},
            code="conflict",
        )


class VersionRequired(ValidationError):
    """The form came without the version it was opened at, so a conflict could not be detected: refused."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "This form is missing the version of the text it was opened with, so we cannot tell whether someone "
                "changed it meanwhile. Nothing was saved: reload the page and try again."
            ),
            code="version_required",
        )


class SignOffOutdated(ValidationError):
    """The draft changed after the coordinator opened it: signing off would file a text they did not read."""

    def __init__(self, current: Position) -> None:
        self.current = current
        super().__init__(
            _(
                "The draft changed at %(time)s, after you opened it for sign-off. Nothing was filed: read the current "
                "text and sign off again."
            )
            % {"time": format_moment(current.updated_at)},
            code="signoff_outdated",
        )


class RoundClosed(ValidationError):
    """The target round does not accept input; the message names the deadline and the next open round."""

    def __init__(self, round: Round, next_open: Round | None) -> None:
        self.round = round
        self.next_open = next_open
        if round.cancelled_at:
            message = _("«%(round)s» was cancelled.") % {"round": round.label}
        elif round.submission_deadline is None:
            message = _("«%(round)s» does not take positions.") % {"round": round.label}
        elif round.input_opens_at and timezone.now() < round.input_opens_at:
            message = _("«%(round)s» opens for input on %(opens)s.") % {
                "round": round.label,
                "opens": format_moment(round.input_opens_at),
            }
        else:
            message = _("The submission deadline for «%(round)s» was %(deadline)s.") % {
                "round": round.label,
                "deadline": format_moment(round.submission_deadline),
            }
        if next_open is not None and next_open.input_opens_at and timezone.now() < next_open.input_opens_at:
            message += " " + _("The next round, «%(next)s», opens for input on %(opens)s.") % {
                "next": next_open.label,
                "opens": format_moment(next_open.input_opens_at),
            }
        elif next_open is not None and next_open.submission_deadline is not None:
            message += " " + _("The next round open for input is «%(next)s», until %(next_deadline)s.") % {
                "next": next_open.label,
                "next_deadline": format_moment(next_open.submission_deadline),
            }
        else:
            message += " " + _("No other round is open for input at the moment.")
        super().__init__(message, code="round_closed")


class TriageConflict(ValidationError):
    """Another official changed the position's triage after this one opened it; ``latest`` is that change."""

    def __init__(self, current: Position, latest: TriageEvent | None) -> None:
        self.current = current
        self.latest = latest
        if latest is not None:
            message = _(
                "%(official)s changed this position at %(time)s (%(change)s) after you opened it. Nothing of yours "
                "was saved; check the current state and apply your change again."
            ) % {
                "official": latest.actor,
                "time": format_moment(latest.created_at),
                "change": latest.get_action_display(),
            }
        else:
            message = _("Someone changed this position after you opened it. Reload it and apply your change again.")
        super().__init__(message, code="conflict")
