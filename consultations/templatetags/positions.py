"""How a position reads on its pages: its progress through the steps, and its money and job figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from consultations.models import Organisation, Position, PositionStatus
from consultations.selectors.roles import user_organisation_ids

register = template.Library()

ANSWERED = (
    PositionStatus.INCORPORATED,
    PositionStatus.NOTED,
    PositionStatus.NEEDS_INFO,
    PositionStatus.DECLINED,
    PositionStatus.MERGED,
)
# How far along each status is: draft → sign-off → filed → in review → answered.
REACHED = {
    PositionStatus.DRAFT: "draft",
    PositionStatus.AWAITING_SIGNOFF: "signoff",
    PositionStatus.SUBMITTED: "filed",
    PositionStatus.IN_REVIEW: "in_review",
    **dict.fromkeys(ANSWERED, "answered"),
}


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    state: str  # "done", "current" or "todo"


def _steps(*, status: str, requires_signoff: bool) -> list[Step]:
    keys = ["draft", "signoff", "filed", "in_review", "answered"]
    if not requires_signoff and status != PositionStatus.AWAITING_SIGNOFF:
        keys.remove("signoff")
    labels = {
        "draft": _("Draft"),
        "signoff": _("Sign-off"),
        "filed": _("Filed"),
        "in_review": _("In review"),
        "answered": _("Answered"),
    }
    reached = REACHED.get(status)
    current = keys.index(reached) if reached in keys else -1
    return [
        Step(key, labels[key], "done" if i < current else "current" if i == current else "todo")
        for i, key in enumerate(keys)
    ]


@register.inclusion_tag("consultations/includes/position_progress.html")
def position_progress(position: Position | None, user: Any = None) -> dict[str, Any]:
    """The steps of a position (or of the new draft a user is writing), for ``<ol aria-label>``."""
    if position is not None:
        status, organisation = position.status, position.organisation
    else:
        status = PositionStatus.DRAFT
        org_ids = sorted(user_organisation_ids(user)) if user is not None else []
        organisation = Organisation.objects.filter(pk__in=org_ids[:1]).first()
    requires_signoff = bool(organisation and organisation.requires_signoff)
    return {
        "steps": _steps(status=status, requires_signoff=requires_signoff),
        "position": position,
        "withdrawn": status == PositionStatus.WITHDRAWN,
    }


@register.filter
def usd(value: Any) -> str:
    """``1500000000`` → ``US$1,500,000,000``: Mexican Spanish groups digits with commas, as English does."""
    if value is None or value == "":
        return ""
    return f"US${int(value):,}"


@register.filter
def grouped(value: Any) -> str:
    """``120000`` → ``120,000``."""
    if value is None or value == "":
        return ""
    return f"{int(value):,}"
