from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from consultations.models import Attachment, AuditEvent, Position, PositionStatus
from consultations.services import attachments as attachment_services
from consultations.services.attachments import (
    attachment_add,
    attachment_content_type,
    attachment_delete,
    clean_file_name,
)
from consultations.services.errors import RoundClosed
from consultations.services.positions import position_file, position_withdraw
from tests import factories
from tests.consultations.services.helpers import (
    close_round,
    csv_bytes,
    db_counts,
    docx_bytes,
    draft,
    exe_bytes,
    filed,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    stored_files,
    upload,
    when,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def position(cast, chapter, open_round) -> Position:
    return draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)


def _assert_refused_and_nothing_stored(
    *, by, position: Position, file: SimpleUploadedFile, media_root: Path, code: str
) -> ValidationError:
    before_files = stored_files(media_root)
    before = db_counts()

    with pytest.raises(ValidationError) as caught:
        attachment_add(by=by, position=position, upload=file)

    assert caught.value.code == code
    assert caught.value.messages[0]
    assert stored_files(media_root) == before_files
    assert db_counts() == before
    return caught.value


# Accepted files


@pytest.mark.parametrize(
    ("name", "content", "kind", "content_type"),
    [
        ("Propuesta de reglas de origen.pdf", pdf_bytes(), "pdf", "application/pdf"),
        ("mapa.png", png_bytes(), "png", "image/png"),
        ("foto.jpg", jpeg_bytes(), "jpg", "image/jpeg"),
        ("foto.jpeg", jpeg_bytes(), "jpg", "image/jpeg"),
        (
            "memorándum.docx",
            docx_bytes(),
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "cifras.xlsx",
            xlsx_bytes(),
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("fracciones.csv", csv_bytes(), "csv", "text/csv"),
        ("INFORME.PDF", pdf_bytes(), "pdf", "application/pdf"),
    ],
)
def test_accepted_type_is_stored_under_a_generated_name(cast, position, media_root, name, content, kind, content_type):
    attachment = attachment_add(by=cast.delegate_a, position=position, upload=upload(name, content))

    stored = Attachment.objects.get(pk=attachment.pk)
    assert stored.position == position
    assert stored.original_name == name
    assert stored.kind == kind
    assert stored.size == len(content)
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert stored.uploaded_by == cast.delegate_a
    assert attachment_content_type(stored) == content_type
    assert stored.file.name.startswith("attachments/")
    stem = name.rsplit(".", 1)[0]
    assert stem not in stored.file.name
    assert "." not in Path(stored.file.name).name
    files = stored_files(media_root)
    assert files == [media_root / stored.file.name]
    assert files[0].read_bytes() == content
    event = AuditEvent.objects.get(action="attachment.add")
    assert event.data == {"attachment": stored.pk, "name": name, "sha256": stored.sha256}


def test_the_same_file_may_be_attached_to_two_positions(cast, position, chapter, open_round, media_root):
    other = draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)

    first = attachment_add(by=cast.delegate_a, position=position, upload=upload("a.pdf", pdf_bytes()))
    second = attachment_add(by=cast.delegate_a, position=other, upload=upload("a.pdf", pdf_bytes()))

    assert first.file.name != second.file.name
    assert len(stored_files(media_root)) == 2


def test_file_exactly_at_the_size_limit_is_accepted(cast, position, media_root, settings):
    content = pdf_bytes()
    settings.ATTACHMENT_MAX_BYTES = len(content)

    attachment = attachment_add(by=cast.delegate_a, position=position, upload=upload("a.pdf", content))

    assert attachment.size == len(content)


def test_tenth_attachment_is_accepted(cast, position, media_root):
    for number in range(10):
        attachment_add(by=cast.delegate_a, position=position, upload=upload(f"a{number}.pdf", pdf_bytes(str(number))))

    assert position.attachments.count() == 10
    assert len(stored_files(media_root)) == 10


def test_attachment_may_be_added_to_a_filed_position_while_the_round_is_open(cast, chapter, open_round, media_root):
    position = filed(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)

    attachment = attachment_add(by=cast.delegate_a, position=position, upload=upload("anexo.pdf", pdf_bytes()))

    assert attachment.position == position


def test_attachments_of_the_draft_are_recorded_in_the_first_revision(cast, position, media_root):
    attachment = attachment_add(by=cast.delegate_a, position=position, upload=upload("anexo.pdf", pdf_bytes()))

    position_file(by=cast.delegate_a, position=position)

    revision = position.revisions.get()
    assert revision.content["attachments"] == [{"name": "anexo.pdf", "sha256": attachment.sha256}]


# Refused files


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("vacío.pdf", b"", "empty"),
        ("factura.pdf", exe_bytes(), "mismatch"),
        ("memo.docx", pdf_bytes(), "mismatch"),
        ("cifras.xlsx", docx_bytes(), "mismatch"),
        ("memo.docx", xlsx_bytes(), "mismatch"),
        ("foto.jpg", png_bytes(), "mismatch"),
        ("mapa.png", jpeg_bytes(), "mismatch"),
        ("imagen.csv", png_bytes(), "mismatch"),
        ("texto.pdf", b"esto no es un PDF\n", "mismatch"),
        ("instalador.exe", exe_bytes(), "type"),
        ("reporte.pdf.exe", exe_bytes(), "type"),
        ("macro.docm", docx_bytes(), "type"),
        ("página.html", b"<html><script>alert(1)</script></html>", "type"),
        ("sin_extension", pdf_bytes(), "type"),
        ("datos.csv", b"fraccion,valor\n8708.29,\x00100\n", "mismatch"),
        ("datos.csv", b"fraccion,valor\n8708.29,\x07100\n", "mismatch"),
    ],
)
def test_refused_file_stores_nothing(cast, position, media_root, name, content, code):
    _assert_refused_and_nothing_stored(
        by=cast.delegate_a, position=position, file=upload(name, content), media_root=media_root, code=code
    )


def test_executable_renamed_to_pdf_is_refused_with_a_message_naming_it(cast, position, media_root):
    error = _assert_refused_and_nothing_stored(
        by=cast.delegate_a,
        position=position,
        file=upload("factura.pdf", exe_bytes()),
        media_root=media_root,
        code="mismatch",
    )

    assert "factura.pdf" in error.messages[0]
    assert "Nothing was stored" in error.messages[0]


def test_file_over_the_size_limit_is_refused(cast, position, media_root, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    content = pdf_bytes() + b"0" * 1024

    error = _assert_refused_and_nothing_stored(
        by=cast.delegate_a,
        position=position,
        file=upload("grande.pdf", content),
        media_root=media_root,
        code="too_large",
    )

    assert "grande.pdf" in error.messages[0]


def test_file_one_byte_over_twenty_megabytes_is_refused(cast, position, media_root, settings):
    assert settings.ATTACHMENT_MAX_BYTES == 20 * 1024 * 1024
    content = pdf_bytes()
    content += b"0" * (20 * 1024 * 1024 + 1 - len(content))

    _assert_refused_and_nothing_stored(
        by=cast.delegate_a,
        position=position,
        file=upload("grande.pdf", content),
        media_root=media_root,
        code="too_large",
    )


def test_eleventh_attachment_is_refused(cast, position, media_root):
    for number in range(10):
        attachment_add(by=cast.delegate_a, position=position, upload=upload(f"a{number}.pdf", pdf_bytes(str(number))))

    _assert_refused_and_nothing_stored(
        by=cast.delegate_a,
        position=position,
        file=upload("a10.pdf", pdf_bytes("10")),
        media_root=media_root,
        code="too_many",
    )
    assert position.attachments.count() == 10


def test_same_file_twice_on_one_position_is_refused_even_under_another_name(cast, position, media_root):
    attachment_add(by=cast.delegate_a, position=position, upload=upload("original.pdf", pdf_bytes()))

    _assert_refused_and_nothing_stored(
        by=cast.delegate_a,
        position=position,
        file=upload("copia.pdf", pdf_bytes()),
        media_root=media_root,
        code="duplicate",
    )


@pytest.mark.parametrize("role", ["delegate_b", "official_of_chapter", "coordinator", "admin"])
def test_someone_outside_the_organisation_cannot_attach(cast, position, media_root, role):
    before_files = stored_files(media_root)
    before = db_counts()

    with pytest.raises(PermissionDenied):
        attachment_add(by=getattr(cast, role), position=position, upload=upload("a.pdf", pdf_bytes()))

    assert stored_files(media_root) == before_files
    assert db_counts() == before


def test_withdrawn_position_takes_no_attachments(cast, chapter, open_round, media_root):
    position = filed(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    position_withdraw(by=cast.delegate_a, position=position)

    _assert_refused_and_nothing_stored(
        by=cast.delegate_a, position=position, file=upload("a.pdf", pdf_bytes()), media_root=media_root, code="closed"
    )


def test_filed_position_takes_no_attachments_after_the_deadline(cast, chapter, open_round, media_root):
    position = filed(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    closed = close_round(open_round)
    before_files = stored_files(media_root)
    before = db_counts()

    with pytest.raises(RoundClosed) as caught:
        attachment_add(by=cast.delegate_a, position=position, upload=upload("tarde.pdf", pdf_bytes()))

    assert closed.label in caught.value.messages[0]
    assert stored_files(media_root) == before_files
    assert db_counts() == before


def test_attachment_after_the_deadline_message_names_the_next_open_round(cast, chapter, open_round, media_root):
    position = filed(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    close_round(open_round)
    next_round = factories.RoundFactory(label="Ronda de Ottawa")

    with pytest.raises(RoundClosed) as caught:
        attachment_add(by=cast.delegate_a, position=position, upload=upload("tarde.pdf", pdf_bytes()))

    assert "Ronda de Ottawa" in caught.value.messages[0]
    assert when(next_round.submission_deadline) in caught.value.messages[0]


def test_draft_of_a_closed_round_still_takes_attachments(cast, chapter, closed_round, media_root):
    position = draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=closed_round)

    attachment = attachment_add(by=cast.delegate_a, position=position, upload=upload("a.pdf", pdf_bytes()))

    assert attachment.pk is not None


def test_failed_database_write_removes_the_stored_file(cast, position, media_root, monkeypatch):
    def broken_audit(**kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(attachment_services, "audit_record", broken_audit)
    before = db_counts()

    with pytest.raises(RuntimeError):
        attachment_add(by=cast.delegate_a, position=position, upload=upload("a.pdf", pdf_bytes()))

    assert stored_files(media_root) == []
    assert db_counts() == before


# Spanish CSV exports


def _spanish_csv(size: int) -> bytes:
    rows = ["fracción,descripción,valor"]
    while len("\n".join(rows).encode()) < size:
        rows.append("8708.29,Política arancelaria de México para autopartes,1000")
    return ("\n".join(rows) + "\n").encode()


def test_short_utf8_spanish_csv_is_accepted(cast, position, media_root):
    attachment = attachment_add(by=cast.delegate_a, position=position, upload=upload("a.csv", _spanish_csv(4000)))

    assert attachment.kind == "csv"


def test_cp1252_csv_from_excel_is_accepted(cast, position, media_root):
    content = "fracción,descripción\n8708.29,Política arancelaria\n".encode("cp1252")

    attachment = attachment_add(by=cast.delegate_a, position=position, upload=upload("a.csv", content))

    assert attachment.kind == "csv"


def test_long_utf8_spanish_csv_cut_mid_character_at_8_kib_is_accepted(cast, position, media_root):
    content = _spanish_csv(12_000)
    padding = 0
    while True:
        candidate = b"#" * padding + content
        try:
            candidate[:8192].decode("utf-8")
        except UnicodeDecodeError:
            break
        padding += 1
    content = candidate
    assert "í".encode() in content[:8192]

    attachment = attachment_add(by=cast.delegate_a, position=position, upload=upload("largo.csv", content))

    assert attachment.kind == "csv"


# Hostile file names


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\win.pdf", "win.pdf"),
        ("C:\\Users\\delegado\\propuesta.pdf", "propuesta.pdf"),
        ("informe\n2026.pdf", "informe2026.pdf"),
        ("informe\r\nX-Evil: 1.pdf", "informeX-Evil: 1.pdf"),
        ("\x1b[31mrojo.pdf", "[31mrojo.pdf"),
        ("tab\tulado.pdf", "tabulado.pdf"),
        ("invoice\u202efdp.pdf", "invoicefdp.pdf"),
        ("  .oculto.pdf  ", "oculto.pdf"),
        ("e\u0301xito.pdf", "éxito.pdf"),
    ],
)
def test_hostile_name_is_cleaned_to_a_safe_display_name(cast, position, media_root, given, shown):
    attachment = attachment_add(by=cast.delegate_a, position=position, upload=upload(given, pdf_bytes()))

    name = Attachment.objects.get(pk=attachment.pk).original_name
    assert name == shown
    assert "/" not in name and "\\" not in name
    assert name.isprintable()
    assert len(name) <= 150
    assert attachment.file.name.startswith("attachments/")
    assert stored_files(media_root) == [media_root / attachment.file.name]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("/etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\win.pdf", "win.pdf"),
        ("dir/sub\\mixed/../final.pdf", "final.pdf"),
    ],
)
def test_name_with_folders_that_reached_the_service_unsanitised_loses_its_folders(
    cast, position, media_root, raw, shown
):
    file = upload("placeholder.pdf", pdf_bytes())
    file._name = raw  # as a caller that skips Django's own basename() would hand it over

    attachment = attachment_add(by=cast.delegate_a, position=position, upload=file)

    assert attachment.original_name == shown
    assert stored_files(media_root) == [media_root / attachment.file.name]


def test_500_character_name_is_cut_to_150_keeping_the_extension(cast, position, media_root):
    attachment = attachment_add(by=cast.delegate_a, position=position, upload=upload("a" * 500 + ".pdf", pdf_bytes()))

    assert len(attachment.original_name) == 150
    assert attachment.original_name.endswith(".pdf")
    assert attachment.original_name.startswith("aaa")


@pytest.mark.parametrize(
    ("given", "code"), [(".pdf", "type"), ("...", "name"), ("\n\t.pdf", "type"), ("..pdf", "type")]
)
def test_name_with_nothing_but_dots_or_an_extension_is_refused(cast, position, media_root, given, code):
    _assert_refused_and_nothing_stored(
        by=cast.delegate_a, position=position, file=upload(given, pdf_bytes()), media_root=media_root, code=code
    )


def test_name_only_control_characters_is_refused_as_nameless(cast, position, media_root):
    file = upload("placeholder.pdf", pdf_bytes())
    file._name = "\x00\x01\n"

    _assert_refused_and_nothing_stored(
        by=cast.delegate_a, position=position, file=file, media_root=media_root, code="name"
    )


@pytest.mark.parametrize("given", ["a" * 500 + ".pdf", "x" * 149 + "." + "y" * 10, "\u202e" * 10 + "a.pdf"])
def test_clean_file_name_is_at_most_150_characters(given):
    assert len(clean_file_name(given)) <= 150


def test_clean_file_name_bounds_a_name_with_an_overlong_extension():
    assert len(clean_file_name("a." + "b" * 300)) <= 150


# Deleting


def test_attachment_of_a_draft_is_deleted_with_its_file_after_commit(
    cast, position, media_root, django_capture_on_commit_callbacks
):
    attachment = attachment_add(by=cast.delegate_a, position=position, upload=upload("a.pdf", pdf_bytes()))
    path = media_root / attachment.file.name
    attachment_id = attachment.pk

    with django_capture_on_commit_callbacks(execute=True):
        attachment_delete(by=cast.coordinator_a, attachment=attachment)

    assert not Attachment.objects.filter(pk=attachment_id).exists()
    assert not path.exists()
    event = AuditEvent.objects.get(action="attachment.delete")
    assert event.actor == cast.coordinator_a
    assert event.data == {"attachment": attachment_id, "name": "a.pdf"}


def test_attachment_of_a_draft_awaiting_sign_off_can_be_deleted(
    cast, position, media_root, django_capture_on_commit_callbacks
):
    attachment = attachment_add(by=cast.delegate_a, position=position, upload=upload("a.pdf", pdf_bytes()))
    Position.objects.filter(pk=position.pk).update(status=PositionStatus.AWAITING_SIGNOFF)

    with django_capture_on_commit_callbacks(execute=True):
        attachment_delete(by=cast.delegate_a, attachment=attachment)

    assert stored_files(media_root) == []


def test_attachment_of_a_filed_position_is_kept(cast, position, media_root, django_capture_on_commit_callbacks):
    attachment = attachment_add(by=cast.delegate_a, position=position, upload=upload("a.pdf", pdf_bytes()))
    position_file(by=cast.delegate_a, position=position)
    before_files = stored_files(media_root)
    before = db_counts()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as caught:
        attachment_delete(by=cast.delegate_a, attachment=attachment)

    assert caught.value.code == "filed"
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    assert stored_files(media_root) == before_files
    assert db_counts() == before


@pytest.mark.parametrize("role", ["delegate_b", "official_of_chapter", "coordinator", "admin"])
def test_someone_outside_the_organisation_cannot_delete_an_attachment(
    cast, position, media_root, django_capture_on_commit_callbacks, role
):
    attachment = attachment_add(by=cast.delegate_a, position=position, upload=upload("a.pdf", pdf_bytes()))
    before_files = stored_files(media_root)
    before = db_counts()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        attachment_delete(by=getattr(cast, role), attachment=attachment)

    assert stored_files(media_root) == before_files
    assert db_counts() == before


def test_a_delegate_cannot_change_a_filed_position_with_a_file_where_sign_off_is_required(
    cast, chapter, open_round, media_root
):
    cast.org_a.requires_signoff = True
    cast.org_a.save()
    position = draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)
    position = position_file(by=cast.coordinator_a, position=position)
    revisions = position.revisions.count()

    error = _assert_refused_and_nothing_stored(
        by=cast.delegate_a,
        position=position,
        file=upload("anexo.pdf", pdf_bytes()),
        media_root=media_root,
        code="signoff",
    )
    assert "coordinator" in error.messages[0]
    assert position.revisions.count() == revisions

    # The coordinator, whose sign-off it would need, adds it.
    attachment_add(by=cast.coordinator_a, position=position, upload=upload("anexo.pdf", pdf_bytes()))
    assert position.attachments.count() == 1
