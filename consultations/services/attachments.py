"""Attachments: type checked by content, stored under generated names, never served publicly."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import os
import unicodedata
from typing import TYPE_CHECKING, NamedTuple

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consultations.models import Attachment, IntelligenceAttachment, Membership, Position
from consultations.models.positions import CLOSED_STATUSES, UNFILED_STATUSES
from consultations.selectors.rounds import round_next_open
from consultations.services.audit import audit_record
from consultations.services.errors import RoundClosed
from consultations.services.memberships import membership_require
from consultations.services.positions import lock_position, revision_record
from consultations.services.retry import retry_on_conflict

if TYPE_CHECKING:
    from consultations.models import User

# The extensions a delegate may use, and what the content must turn out to be.
ALLOWED = {
    ".pdf": Attachment.Kind.PDF,
    ".docx": Attachment.Kind.DOCX,
    ".xlsx": Attachment.Kind.XLSX,
    ".csv": Attachment.Kind.CSV,
    ".png": Attachment.Kind.PNG,
    ".jpg": Attachment.Kind.JPEG,
    ".jpeg": Attachment.Kind.JPEG,
}
CONTENT_TYPES = {
    Attachment.Kind.PDF: "application/pdf",
    Attachment.Kind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    Attachment.Kind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Attachment.Kind.CSV: "text/csv",
    Attachment.Kind.PNG: "image/png",
    Attachment.Kind.JPEG: "image/jpeg",
}
MAX_NAME = 150


def clean_file_name(name: str) -> str:
    """The name to show and to offer on download: no folders, no control characters, bounded length."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().strip(".").strip()
    stem, ext = os.path.splitext(name)
    if len(name) > MAX_NAME:
        name = (stem[: MAX_NAME - len(ext)] + ext) if len(ext) < MAX_NAME // 2 else name[:MAX_NAME]
    return name


def _looks_like_csv(head: bytes) -> bool:
    if b"\x00" in head or filetype.guess(head) is not None:
        return False
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            # Incremental: the 8 KB sample may end in the middle of a multi-byte character.
            text = codecs.getincrementaldecoder(encoding)().decode(head)
            break
        except UnicodeDecodeError:
            continue
    else:
        return False
    lines = text.splitlines()[:20]
    if not lines:
        return False
    try:
        list(csv.reader(io.StringIO("\n".join(lines))))
    except csv.Error:
        return False
    return all(ch.isprintable() or ch in "\t" for line in lines for ch in line)


def detect_kind(upload: UploadedFile) -> str:
    """The attachment kind, from the file's extension *and* content; refuses anything that does not match."""
    name = clean_file_name(upload.name or "")
    ext = os.path.splitext(name)[1].lower()
    expected = ALLOWED.get(ext)
    if expected is None:
        raise ValidationError(
            _("“%(name)s” is not an accepted type. Attach PDF, DOCX, XLSX, CSV, PNG or JPEG files.") % {"name": name},
            code="type",
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    if expected == Attachment.Kind.CSV:
        actual = Attachment.Kind.CSV if _looks_like_csv(head) else None
    else:
        guess = filetype.guess(head)
        actual = {"jpg": Attachment.Kind.JPEG}.get(guess.extension, guess.extension) if guess else None
    if actual != expected:
        raise ValidationError(
            _("“%(name)s” does not contain what its name says (%(ext)s). Nothing was stored.")
            % {"name": name, "ext": ext},
            code="mismatch",
        )
    return expected


class InspectedUpload(NamedTuple):
    name: str
    kind: str
    sha256: str


def upload_inspect(upload: UploadedFile) -> InspectedUpload:
    """The checks every upload passes, whatever it is attached to: a name, not empty, within the size limit, and
    content that matches its extension. Returns the clean name, the kind and the SHA-256 of the content."""
    name = clean_file_name(upload.name or "")
    if not name or not os.path.splitext(name)[0]:
        raise ValidationError(_("The file needs a name."), code="name")
    if not upload.size:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="empty")
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is %(size)s; the limit is %(limit)s per file.")
            % {
                "name": name,
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES),
            },
            code="too_large",
        )
    kind = detect_kind(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return InspectedUpload(name, kind, digest.hexdigest())


@retry_on_conflict
@transaction.atomic
def attachment_add(*, by: User, position: Position, upload: UploadedFile, now: dt.datetime | None = None) -> Attachment:
    position = lock_position(position.pk)
    membership = membership_require(user=by, organisation_id=position.organisation_id)
    if position.status in CLOSED_STATUSES:
        raise ValidationError(_("This position is closed; no attachments can be added."), code="closed")
    filed = position.status not in UNFILED_STATUSES
    if filed and position.organisation.requires_signoff and membership.role != Membership.Role.COORDINATOR:
        # A file added to a filed position is part of its next revision: like any amendment, it needs sign-off.
        raise ValidationError(
            _(
                "In your organisation a filed position changes only with the coordinator's sign-off: ask your "
                "coordinator to add this file."
            ),
            code="signoff",
        )
    if position.status not in UNFILED_STATUSES and not position.round.accepts_input_at(now or timezone.now()):
        raise RoundClosed(position.round, round_next_open(exclude=position.round))
    if position.attachments.count() >= settings.ATTACHMENTS_PER_POSITION:
        limit = settings.ATTACHMENTS_PER_POSITION
        raise ValidationError(
            ngettext(
                "A position can have at most %(count)d attachment.",
                "A position can have at most %(count)d attachments.",
                limit,
            )
            % {"count": limit},
            code="too_many",
        )
    name, kind, sha256 = upload_inspect(upload)
    if position.attachments.filter(sha256=sha256).exists():
        raise ValidationError(_("This file is already attached to the position."), code="duplicate")
    upload.seek(0)
    attachment = Attachment(
        position=position, original_name=name, kind=kind, size=upload.size, sha256=sha256, uploaded_by=by
    )
    attachment.file.save("upload", upload, save=False)
    # If the database write fails the stored file must not stay behind.
    try:
        with transaction.atomic():
            attachment.save()
            if position.status not in UNFILED_STATUSES:
                # Evidence added after filing changes the filed record: it becomes the next revision.
                revision_record(position, by=by)
            audit_record(
                actor=by,
                action="attachment.add",
                target=position,
                organisation=position.organisation,
                data={"attachment": attachment.pk, "name": name, "sha256": sha256},
            )
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment


@retry_on_conflict
@transaction.atomic
def attachment_delete(*, by: User, attachment: Attachment) -> None:
    """Remove an attachment from a draft. Attachments of filed positions are part of the record and stay."""
    position = lock_position(attachment.position_id)
    membership_require(user=by, organisation_id=position.organisation_id)
    if position.status not in UNFILED_STATUSES:
        raise ValidationError(_("Attachments of a filed position are kept with its record."), code="filed")
    stored = attachment.file.name
    audit_record(
        actor=by,
        action="attachment.delete",
        target=position,
        organisation=position.organisation,
        data={"attachment": attachment.pk, "name": attachment.original_name},
    )
    attachment.delete()
    storage = attachment.file.storage
    transaction.on_commit(lambda: storage.delete(stored))


def attachment_content_type(attachment: Attachment | IntelligenceAttachment) -> str:
    return CONTENT_TYPES[Attachment.Kind(attachment.kind)]


def attachment_download_record(*, by: User, attachment: Attachment | IntelligenceAttachment) -> None:
    """Every download, from the pages or the API (which marks its rows as such), leaves one audit row."""
    if isinstance(attachment, IntelligenceAttachment):
        audit_record(
            actor=by, action="intelligence_attachment.download", target=attachment, data={"note": attachment.note_id}
        )
        return
    audit_record(
        actor=by,
        action="attachment.download",
        target=attachment,
        organisation=attachment.position.organisation,
        data={"position": attachment.position_id},
    )
