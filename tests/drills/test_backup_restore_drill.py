"""Backup and restore drill: ``manage.py backup`` of a database with positions, attachments and an intelligence
file, then ``manage.py restore`` onto an empty throwaway database and an empty storage folder; every table has its
row count again and every attachment its SHA-256. A tampered backup and a non-empty target are refused.

The data must be committed for pg_dump (another process) to see it, hence ``transaction=True``.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from consultations.drills.deadline import database_url
from consultations.models import Attachment, AuditEvent, IntelligenceAttachment
from consultations.services import attachments as attachment_services
from consultations.services import intelligence as intelligence_services
from tests.consultations.services.helpers import docx_bytes, draft, filed, pdf_bytes, png_bytes, upload

pytestmark = [pytest.mark.drill, pytest.mark.timeout(180), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def media_root(settings, tmp_path: Path) -> Path:
    root = tmp_path / "private-media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": root}},
    }
    return root


@pytest.fixture
def empty_database():
    """A new, empty database on the same server, dropped afterwards; yields its URL."""
    settings_dict = connection.settings_dict
    name = f"{settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url({**settings_dict, "NAME": name})
    finally:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def world(cast, chapter, open_round, media_root):
    """Positions of two organisations with attachments, and an officials' intelligence file."""
    for index, (org, by) in enumerate([(cast.org_a, cast.delegate_a), (cast.org_b, cast.delegate_b)]):
        for kind, content in (("pdf", pdf_bytes(f"drill-{index}")), ("png", png_bytes()), ("docx", docx_bytes())):
            position = draft(organisation=org, by=by, chapter=chapter, round=open_round, title=f"{kind} {index}")
            attachment_services.attachment_add(
                by=by, position=position, upload=upload(f"anexo-{index}.{kind}", content)
            )
        filed(organisation=org, by=by, chapter=chapter, round=open_round)
    note = intelligence_services.intelligence_note_create(
        by=cast.official_of_chapter, chapter=chapter, title="Nota", body_markdown="Texto"
    )
    intelligence_services.intelligence_attachment_add(
        by=cast.official_of_chapter, note=note, upload=upload("analisis.pdf", pdf_bytes("intelligence"))
    )


def _counts(cursor) -> dict[str, int]:  # noqa: ANN001 - a DB-API cursor
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    tables = [name for (name,) in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - names read from pg_tables
        counts[table] = cursor.fetchone()[0]
    return counts


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_backup_restores_onto_an_empty_database_and_storage_with_every_row_and_file(
    world, tmp_path, media_root, empty_database
):
    with connection.cursor() as cursor:
        source_counts = _counts(cursor)
    attachments = {a.file.name: a.sha256 for a in [*Attachment.objects.all(), *IntelligenceAttachment.objects.all()]}
    assert len(attachments) == 7 and source_counts["consultations_auditevent"] == AuditEvent.objects.count() > 0

    call_command("backup", to=tmp_path / "backup")
    restored_media = tmp_path / "restored-media"
    call_command("restore", source=tmp_path / "backup", database_url=empty_database, media_root=restored_media)

    with psycopg.connect(empty_database, autocommit=True) as restored, restored.cursor() as cursor:
        assert _counts(cursor) == source_counts
        cursor.execute(
            "SELECT file, sha256 FROM consultations_attachment UNION ALL "
            "SELECT file, sha256 FROM consultations_intelligenceattachment"
        )
        rows = dict(cursor.fetchall())
        # The audit log comes back append-only: the triggers are restored with it.
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            cursor.execute("DELETE FROM consultations_auditevent")
    assert rows == attachments
    for name, digest in rows.items():
        assert _sha256(restored_media / name) == digest == _sha256(media_root / name)


def test_restore_refuses_a_tampered_backup_before_touching_the_database(world, tmp_path, empty_database):
    call_command("backup", to=tmp_path / "backup")
    stored = next(path for path in (tmp_path / "backup" / "files").rglob("*") if path.is_file())
    stored.write_bytes(stored.read_bytes() + b"tampered")

    with pytest.raises(CommandError, match="SHA-256 differs"):
        call_command("restore", source=tmp_path / "backup", database_url=empty_database, media_root=tmp_path / "m")

    with psycopg.connect(empty_database, autocommit=True) as restored, restored.cursor() as cursor:
        assert _counts(cursor) == {}


def test_restore_refuses_a_database_that_is_not_empty(world, tmp_path):
    call_command("backup", to=tmp_path / "backup")

    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", source=tmp_path / "backup", media_root=tmp_path / "m")
