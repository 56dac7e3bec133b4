"""Writes of briefings: a negotiator's readout to the room, per chapter and round; and its safe rendering.

A new briefing queues the room's notification through the outbox, in the same transaction.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import markdown
import nh3
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from consultations.models import Briefing
from consultations.selectors.room import can_brief
from consultations.services.audit import audit_record
from consultations.services.outbox import outbox_enqueue

if TYPE_CHECKING:
    from consultations.models import Chapter, Round, User

MARKDOWN_EXTENSIONS = ["tables", "fenced_code", "sane_lists", "toc"]
# The page already has its h1 and the briefing's title as h2: "# Heading" in a readout becomes an h3.
MARKDOWN_CONFIG = {"toc": {"baselevel": 3, "anchorlink": False, "permalink": False}}
ALLOWED_TAGS = {
    "p", "br", "hr", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "abbr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


# Python-Markdown recurses once per level of nesting (lists, quotes, indentation): a body of thousands of "- " or
# "1. " exhausts the stack. No readout needs more than this many levels.
MAX_NESTING = 20
LIST_OR_QUOTE_MARKER = re.compile(r"^(?:[-*+>]|\d{1,9}[.)])$")


def _nesting(line: str) -> int:
    """How deep a line nests: its markers in a row ("- - 1. > x" is 4) or its indentation in 4-space steps."""
    expanded = line.expandtabs(4)
    depth = 0
    for token in expanded.split():
        if not LIST_OR_QUOTE_MARKER.match(token):
            break
        depth += 1
    return max(depth, (len(expanded) - len(expanded.lstrip())) // 4)


def _plain(text: str) -> SafeString:
    return mark_safe(linebreaks(text, autoescape=True))  # noqa: S308 - linebreaks escaped the text


def render_markdown(text: str) -> SafeString:
    """Markdown to HTML that is safe to show: raw HTML, scripts, event handlers, images and links to anything but
    http(s)/mailto are removed; the links left get rel="noopener noreferrer". Text nested deeper than
    ``MAX_NESTING`` is shown as escaped plain text instead, as is anything the Markdown parser cannot finish."""
    if any(_nesting(line) > MAX_NESTING for line in text.splitlines()):
        return _plain(text)
    try:
        html = markdown.markdown(text, extensions=MARKDOWN_EXTENSIONS, extension_configs=MARKDOWN_CONFIG)
    except RecursionError:
        return _plain(text)
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    return mark_safe(cleaned)  # noqa: S308 - nh3 sanitised it just above


def _require_can_brief(by: User, chapter: Chapter) -> None:
    if not can_brief(by, chapter):
        raise PermissionDenied(_("Only the chapter's negotiators post its briefings."))


def _validate(briefing: Briefing) -> None:
    briefing.title = briefing.title.strip()
    briefing.body_markdown = briefing.body_markdown.strip()
    errors: dict[str, str] = {}
    if not briefing.title:
        errors["title"] = _("Give the briefing a title.")
    if not briefing.body_markdown:
        errors["body_markdown"] = _("Write the readout.")
    if errors:
        raise ValidationError(errors)
    briefing.full_clean(exclude=["chapter", "round", "author"], validate_constraints=False)


@transaction.atomic
def briefing_post(
    *, by: User, chapter: Chapter, round: Round, title: str, body_markdown: str, format: str | None = None
) -> Briefing:
    """Post a readout to the room of ``chapter`` for ``round``, of a session in ``format`` (by default the
    round's: trilateral, MX–US or MX–CA)."""
    _require_can_brief(by, chapter)
    if round.cancelled_at is not None:
        raise ValidationError({"round": _("«%(round)s» was cancelled.") % {"round": round.label}})
    briefing = Briefing(
        chapter=chapter,
        round=round,
        author=by,
        title=title,
        body_markdown=body_markdown,
        format=format or round.format,
    )
    _validate(briefing)
    briefing.save()
    audit_record(
        actor=by,
        action="briefing.post",
        target=briefing,
        data={"chapter": chapter.number, "round": round.pk, "title": briefing.title},
    )
    outbox_enqueue(task="consultations.tasks.briefing_notify", briefing_id=briefing.pk)
    return briefing


@transaction.atomic
def briefing_update(
    *, by: User, briefing: Briefing, title: str, body_markdown: str, format: str | None = None
) -> Briefing:
    """Correct a posted readout. The room sees the latest text and when it was updated."""
    briefing = Briefing.objects.select_for_update().select_related("chapter", "round").get(pk=briefing.pk)
    _require_can_brief(by, briefing.chapter)
    before = {"title": briefing.title, "body_markdown": briefing.body_markdown, "format": briefing.format}
    briefing.title = title
    briefing.body_markdown = body_markdown
    briefing.format = format or briefing.format
    _validate(briefing)
    changed = [name for name, value in before.items() if getattr(briefing, name) != value]
    if changed:
        briefing.save(update_fields=[*changed, "updated_at"])
        audit_record(actor=by, action="briefing.update", target=briefing, data={"fields": changed})
    return briefing
