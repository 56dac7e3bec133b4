"""Writes of the "Cuarto de Inteligencia": notes per chapter and their attachments.

Only the government side of a chapter writes its notes (``selectors.intelligence``); an edit made on an older
version of a note is refused (optimistic lock), so two analysts never overwrite each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consultations.models import IntelligenceAttachment, IntelligenceNote, Position, Round
from consultations.models.intelligence import NOTE_TAG_MAX, NOTE_TAGS_MAX
from consultations.selectors.intelligence import intelligence_writer_chapter_ids_for
from consultations.selectors.positions import position_list_visible_to
from consultations.services.attachments import upload_inspect
from consultations.services.audit import audit_record
from consultations.services.errors import NoteConflict, VersionRequired

if TYPE_CHECKING:
    from consultations.models import Chapter, User


def _require_writer(by: User, chapter_id: int) -> None:
    chapter_ids = intelligence_writer_chapter_ids_for(by)
    if chapter_ids is not None and chapter_id not in chapter_ids:
        raise PermissionDenied(_("Only the government side of the chapter writes its intelligence notes."))


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Tags as kept: trimmed, without repeats (whatever their case), in the order given."""
    kept: list[str] = []
    seen: set[str] = set()
    for tag in tags:
        tag = " ".join(tag.split())
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            kept.append(tag)
    return kept


def _validate(note: IntelligenceNote) -> None:
    note.title = note.title.strip()
    note.body_markdown = note.body_markdown.strip()
    note.tags = clean_tags(note.tags)
    errors: dict[str, str] = {}
    if not note.title:
        errors["title"] = _("Give the note a title.")
    if not note.body_markdown:
        errors["body_markdown"] = _("Write the analysis.")
    if len(note.tags) > NOTE_TAGS_MAX:
        errors["tags"] = ngettext(
            "A note can have at most %(count)d tag.", "A note can have at most %(count)d tags.", NOTE_TAGS_MAX
        ) % {"count": NOTE_TAGS_MAX}
    elif any(len(tag) > NOTE_TAG_MAX for tag in note.tags):
        errors["tags"] = _("Each tag can have at most %(count)d characters.") % {"count": NOTE_TAG_MAX}
    if errors:
        raise ValidationError(errors)
    note.full_clean(
        exclude=["chapter", "created_by", "updated_by", "rounds", "positions", "authors"], validate_constraints=False
    )


def _linked_positions(by: User, chapter_id: int, position_ids: Iterable[int]) -> list[Position]:
    """The positions a note may link to: of its chapter, and ones the writer may read. Anything else is refused
    without saying whether it exists."""
    wanted = sorted(set(position_ids))
    found = list(position_list_visible_to(user=by).filter(chapter_id=chapter_id, pk__in=wanted).order_by("pk"))
    missing = sorted(set(wanted) - {p.pk for p in found})
    if missing:
        raise ValidationError(
            {
                "positions": _("No position numbered %(numbers)s in this chapter that you can read.")
                % {"numbers": ", ".join(str(pk) for pk in missing)}
            }
        )
    return found


def _set_links(note: IntelligenceNote, by: User, rounds: Iterable[Round], positions: list[Position]) -> None:
    note.rounds.set(rounds)
    note.positions.set(positions)
    note.authors.add(by)


@transaction.atomic
def intelligence_note_create(
    *,
    by: User,
    chapter: Chapter,
    title: str,
    body_markdown: str,
    tags: Iterable[str] = (),
    hs_lines: Iterable[str] = (),
    rounds: Iterable[Round] = (),
    position_ids: Iterable[int] = (),
    now: dt.datetime | None = None,
) -> IntelligenceNote:
    _require_writer(by, chapter.pk)
    now = now or timezone.now()
    note = IntelligenceNote(
        chapter=chapter,
        title=title,
        body_markdown=body_markdown,
        tags=list(tags),
        hs_lines=list(hs_lines),
        created_by=by,
        updated_by=by,
        created_at=now,
        updated_at=now,
    )
    _validate(note)
    positions = _linked_positions(by, chapter.pk, position_ids)
    note.save()
    _set_links(note, by, rounds, positions)
    audit_record(
        actor=by,
        action="intelligence.create",
        target=note,
        data={"chapter": chapter.number, "title": note.title},
    )
    return note


@transaction.atomic
def intelligence_note_update(
    *,
    by: User,
    note: IntelligenceNote,
    expected_version: int | None,
    title: str,
    body_markdown: str,
    tags: Iterable[str] = (),
    hs_lines: Iterable[str] = (),
    rounds: Iterable[Round] = (),
    position_ids: Iterable[int] = (),
    now: dt.datetime | None = None,
) -> IntelligenceNote:
    """Change a note written at ``expected_version``; if someone saved it since, nothing is saved (NoteConflict)."""
    if expected_version is None:
        raise VersionRequired
    note = IntelligenceNote.objects.select_for_update().select_related("chapter", "updated_by").get(pk=note.pk)
    _require_writer(by, note.chapter_id)
    if note.version != expected_version:
        raise NoteConflict(note)
    note.title = title
    note.body_markdown = body_markdown
    note.tags = list(tags)
    note.hs_lines = list(hs_lines)
    _validate(note)
    positions = _linked_positions(by, note.chapter_id, position_ids)
    note.version += 1
    note.updated_by = by
    note.updated_at = now or timezone.now()
    note.save()
    _set_links(note, by, rounds, positions)
    audit_record(actor=by, action="intelligence.update", target=note, data={"version": note.version})
    return note


@transaction.atomic
def intelligence_attachment_add(
    *, by: User, note: IntelligenceNote, upload: UploadedFile, now: dt.datetime | None = None
) -> IntelligenceAttachment:
    """Attach a file to a note, under the rules of position attachments (content checked, size and count limits,
    stored under a generated name outside any public folder)."""
    note = IntelligenceNote.objects.select_for_update().get(pk=note.pk)
    _require_writer(by, note.chapter_id)
    limit = settings.ATTACHMENTS_PER_POSITION
    if note.attachments.count() >= limit:
        raise ValidationError(
            ngettext(
                "A note can have at most %(count)d attachment.", "A note can have at most %(count)d attachments.", limit
            )
            % {"count": limit},
            code="too_many",
        )
    name, kind, sha256 = upload_inspect(upload)
    if note.attachments.filter(sha256=sha256).exists():
        raise ValidationError(_("This file is already attached to the note."), code="duplicate")
    attachment = IntelligenceAttachment(
        note=note, original_name=name, kind=kind, size=upload.size, sha256=sha256, uploaded_by=by
    )
    attachment.file.save("upload", upload, save=False)
    # If the database write fails the stored file must not stay behind.
    try:
        with transaction.atomic():
            attachment.save()
            audit_record(
                actor=by,
                action="intelligence.attachment_add",
                target=note,
                data={"attachment": attachment.pk, "name": name, "sha256": sha256},
            )
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment
