"""Builders shared by the service and selector tests: real minimal files, position states, row counts."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import formats, timezone

from consultations.models import (
    Attachment,
    AuditEvent,
    Chapter,
    CoSignature,
    Organisation,
    Position,
    PositionRevision,
    Round,
    Stance,
    User,
)
from consultations.services import positions as position_services
from tests import factories

COUNTED = (Position, PositionRevision, Attachment, AuditEvent, CoSignature)


def db_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def row(position: Position) -> dict[str, Any]:
    """The position as stored, to compare before and after a refused write."""
    return Position.objects.filter(pk=position.pk).values().get()


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def when(moment: dt.datetime) -> str:
    """A moment as messages show it (the active locale's DATETIME_FORMAT, in the current time zone)."""
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def position_data(*, chapter: Chapter, round: Round, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "chapter": chapter,
        "round": round,
        "title": "Reglas de origen para autopartes",
        "summary": "Mantener el valor de contenido regional en 75 %.",
        "body": "Texto completo.",
        "stance": Stance.DEFENSIVE,
        "priority": "high",
        "hs_lines": ["8708.29"],
        "exports_usd": 1_000_000,
        "jobs": 1200,
    }
    data.update(overrides)
    return data


def draft(*, organisation: Organisation, by: User, chapter: Chapter, round: Round, **fields: Any) -> Position:
    return factories.PositionFactory(organisation=organisation, created_by=by, chapter=chapter, round=round, **fields)


def filed(*, organisation: Organisation, by: User, chapter: Chapter, round: Round, **fields: Any) -> Position:
    """A position filed through the service, so it has its first revision."""
    position = draft(organisation=organisation, by=by, chapter=chapter, round=round, **fields)
    return position_services.position_file(by=by, position=position)


def close_round(round: Round) -> Round:
    """Move the deadline of ``round`` into the past (it stays before the session)."""
    Round.objects.filter(pk=round.pk).update(submission_deadline=timezone.now() - dt.timedelta(hours=1))
    round.refresh_from_db()
    return round


# Real minimal files, as their first bytes give them away.


def pdf_bytes(marker: str = "") -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        + f"% {marker}\n".encode()
        + b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def jpeg_bytes() -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + app0 + b"\xff\xd9"


def _ooxml(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        archive.writestr(part, '<?xml version="1.0"?><document/>')
    return buffer.getvalue()


def docx_bytes() -> bytes:
    return _ooxml("word/document.xml")


def xlsx_bytes() -> bytes:
    return _ooxml("xl/workbook.xml")


def csv_bytes() -> bytes:
    return "fracción,descripción,exportaciones_usd\n8708.29,Partes de carrocería,1000000\n".encode()


def exe_bytes() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)
