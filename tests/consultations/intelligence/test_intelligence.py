"""The "Cuarto de Inteligencia": who reads and writes notes, safe Markdown, versions, attachments, lists."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultations import models
from consultations.selectors.intelligence import notes_visible_to
from consultations.services import intelligence as intelligence_services
from tests.consultations.intelligence.conftest import NOTE_WORD, OTHER_NOTE_WORD, Intel
from tests.consultations.permission_cases import OTHER_PDF_BYTES, PDF_BYTES

pytestmark = pytest.mark.django_db


def _client(user: models.User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _pdf(name: str = "estudio.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _urls(intel: Intel, attachment: models.IntelligenceAttachment) -> list[tuple[str, str]]:
    note = intel.note.pk
    return [
        ("get", reverse("consultations:intelligence_note_list")),
        ("get", reverse("consultations:intelligence_note_list") + "?chapter=" + str(intel.note.chapter_id)),
        ("get", reverse("consultations:intelligence_note_create")),
        ("post", reverse("consultations:intelligence_note_create")),
        ("get", reverse("consultations:intelligence_note_detail", args=[note])),
        ("get", reverse("consultations:intelligence_note_edit", args=[note])),
        ("post", reverse("consultations:intelligence_note_edit", args=[note])),
        ("post", reverse("consultations:intelligence_attachment_upload", args=[note])),
        ("get", reverse("consultations:intelligence_attachment_download", args=[attachment.pk])),
    ]


def _edit_data(note: models.IntelligenceNote, **changes: object) -> dict[str, object]:
    return {
        "title": note.title,
        "body_markdown": note.body_markdown,
        "tags": ", ".join(note.tags),
        "hs_lines": ", ".join(note.hs_lines),
        "rounds": [r.pk for r in note.rounds.all()],
        "position_ids": ", ".join(str(p.pk) for p in note.positions.all()),
        "version": note.version,
    } | changes


@pytest.mark.parametrize("role", ["delegate_a", "delegate_b", "coordinator_a", "official_member"])
def test_no_member_of_an_organisation_reaches_a_note_by_any_page(cast, intel: Intel, role: str) -> None:
    attachment = intelligence_services.intelligence_attachment_add(
        by=cast.official_of_chapter, note=intel.note, upload=_pdf()
    )
    user = intel.official_member if role == "official_member" else getattr(cast, role)
    client = _client(user)
    before = (models.IntelligenceNote.objects.count(), models.IntelligenceAttachment.objects.count())
    for method, url in _urls(intel, attachment):
        data = _edit_data(intel.note, title="Cambio") if method == "post" else None
        for headers in ({}, {"HX-Request": "true"}):
            response = (
                getattr(client, method)(url, data, headers=headers)
                if data
                else getattr(client, method)(url, headers=headers)
            )
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert response.status_code == 404, (role, method, url)
            assert NOTE_WORD.encode() not in body
    assert (models.IntelligenceNote.objects.count(), models.IntelligenceAttachment.objects.count()) == before
    assert models.IntelligenceNote.objects.get(pk=intel.note.pk).title.startswith("Cuotas")
    # Nor does the navigation offer the room.
    page = client.get(reverse("consultations:round_list")).content.decode()
    assert reverse("consultations:intelligence_note_list") not in page
    assert not notes_visible_to(user).exists()


def test_each_official_reads_the_notes_of_their_chapters_and_the_coordinator_all(cast, intel: Intel) -> None:
    expected = {
        cast.official_of_chapter: {intel.note.pk},
        intel.negotiator: {intel.note.pk},
        cast.official_of_other_chapter: {intel.other_note.pk},
        cast.coordinator: {intel.note.pk, intel.other_note.pk},
        cast.admin: {intel.note.pk, intel.other_note.pk},
    }
    for user, notes in expected.items():
        assert set(notes_visible_to(user).values_list("pk", flat=True)) == notes
        body = _client(user).get(reverse("consultations:intelligence_note_list")).content.decode()
        assert (NOTE_WORD in body, OTHER_NOTE_WORD in body) == (
            intel.note.pk in notes,
            intel.other_note.pk in notes,
        )
    other = _client(cast.official_of_other_chapter)
    assert other.get(reverse("consultations:intelligence_note_detail", args=[intel.note.pk])).status_code == 404
    assert other.get(reverse("consultations:intelligence_note_edit", args=[intel.note.pk])).status_code == 404
    # Admins read (for the handover) but do not write research.
    admin = _client(cast.admin)
    assert admin.get(reverse("consultations:intelligence_note_detail", args=[intel.note.pk])).status_code == 200
    assert admin.get(reverse("consultations:intelligence_note_edit", args=[intel.note.pk])).status_code == 404
    assert admin.get(reverse("consultations:intelligence_note_create")).status_code == 404


def test_selector_filters_by_chapter_and_round(cast, intel: Intel, chapter, other_chapter, open_round) -> None:
    coordinator = cast.coordinator
    assert list(notes_visible_to(coordinator, chapter=chapter)) == [intel.note]
    assert list(notes_visible_to(coordinator, chapter=other_chapter.pk)) == [intel.other_note]
    assert list(notes_visible_to(coordinator, round=open_round)) == [intel.note]
    assert list(notes_visible_to(cast.official_of_other_chapter, chapter=chapter)) == []


def test_a_negotiator_writes_a_note_linked_to_positions_rounds_and_hs_lines(cast, intel: Intel, chapter, open_round):
    from tests import factories

    position = factories.PositionFactory(
        organisation=cast.org_a,
        chapter=chapter,
        round=open_round,
        status=models.PositionStatus.SUBMITTED,
        filed_at=open_round.submission_deadline,
    )
    client = _client(intel.negotiator)
    response = client.post(
        reverse("consultations:intelligence_note_create"),
        {
            "chapter": chapter.pk,
            "title": "Mercado del\nacero",
            "body_markdown": "## Hallazgos\n\n<script>alert(1)</script> [enlace](javascript:alert(1)) **clave**",
            "tags": "acero, Acero,  laminados ",
            "rounds": [open_round.pk],
            "position_ids": f"#{position.pk}",
            "hs_lines": "7208.10, 7210",
        },
    )
    note = models.IntelligenceNote.objects.get(title="Mercado del acero")
    assert response.headers["Location"] == reverse("consultations:intelligence_note_detail", args=[note.pk])
    assert note.tags == ["acero", "laminados"]
    assert note.hs_lines == ["7208.10", "7210"]
    assert list(note.positions.all()) == [position]
    assert list(note.rounds.all()) == [open_round]
    assert list(note.authors.all()) == [intel.negotiator]
    page = client.get(response.headers["Location"]).content.decode()
    assert "<strong>clave</strong>" in page
    assert "<script>alert(1)" not in page and "javascript:" not in page
    assert position.title in page


def test_a_position_of_another_chapter_or_invisible_cannot_be_linked(cast, intel: Intel, chapter, other_chapter):
    from tests import factories

    elsewhere = factories.PositionFactory(organisation=cast.org_b, chapter=other_chapter)
    draft = factories.PositionFactory(organisation=cast.org_a, chapter=chapter)  # a draft: officials do not read it
    for pk in (elsewhere.pk, draft.pk, 999_999):
        response = _client(cast.official_of_chapter).post(
            reverse("consultations:intelligence_note_create"),
            {"chapter": chapter.pk, "title": "Nota", "body_markdown": "Texto", "position_ids": str(pk)},
        )
        assert response.status_code == 200
        assert f"con el número {pk}." in response.content.decode()
    assert not models.IntelligenceNote.objects.filter(title="Nota").exists()


def test_an_edit_on_an_older_version_is_refused_and_keeps_both_texts(cast, intel: Intel) -> None:
    url = reverse("consultations:intelligence_note_edit", args=[intel.note.pk])
    first, second = _client(cast.official_of_chapter), _client(intel.negotiator)
    opened = models.IntelligenceNote.objects.get(pk=intel.note.pk)
    assert first.post(url, _edit_data(opened, body_markdown="Versión de la primera analista.")).status_code == 302
    response = second.post(url, _edit_data(opened, body_markdown="Versión TEXTO-SEGUNDO del negociador."))
    body = response.content.decode()
    assert response.status_code == 200
    assert "TEXTO-SEGUNDO" in body and "Versión de la primera analista." in body
    note = models.IntelligenceNote.objects.get(pk=intel.note.pk)
    assert (note.body_markdown, note.version) == ("Versión de la primera analista.", 2)
    # Saving again from the conflict form is deliberate, and goes through.
    assert second.post(url, _edit_data(note, body_markdown="Versión TEXTO-SEGUNDO.")).status_code == 302
    note.refresh_from_db()
    assert (note.body_markdown, note.version) == ("Versión TEXTO-SEGUNDO.", 3)
    assert set(note.authors.all()) == {cast.official_of_chapter, intel.negotiator}
    # A form without its version is refused.
    data = _edit_data(note, body_markdown="Sin versión")
    del data["version"]
    assert second.post(url, data).status_code == 200
    note.refresh_from_db()
    assert note.version == 3


def test_attachments_follow_the_upload_rules_and_download_only_for_readers(cast, intel: Intel) -> None:
    url = reverse("consultations:intelligence_attachment_upload", args=[intel.note.pk])
    client = _client(cast.official_of_chapter)
    refused = [
        SimpleUploadedFile("programa.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200),  # an executable named .pdf
        SimpleUploadedFile("vacio.pdf", b""),
        SimpleUploadedFile("script.exe", PDF_BYTES),
    ]
    for upload in refused:
        client.post(url, {"file": upload})
    assert not models.IntelligenceAttachment.objects.exists()
    client.post(url, {"file": _pdf("Estudio de mercado.pdf", OTHER_PDF_BYTES)})
    attachment = models.IntelligenceAttachment.objects.get()
    assert attachment.original_name == "Estudio de mercado.pdf"
    assert "Estudio" not in attachment.file.name  # stored under a generated name
    download = reverse("consultations:intelligence_attachment_download", args=[attachment.pk])
    response = _client(cast.coordinator).get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == OTHER_PDF_BYTES
    assert _client(cast.official_of_other_chapter).get(download).status_code == 404
    assert _client(cast.delegate_a).get(download).status_code == 404


def test_the_list_filters_by_tag_and_round_in_the_url(cast, intel: Intel, chapter, open_round) -> None:
    intelligence_services.intelligence_note_create(
        by=cast.coordinator, chapter=chapter, title="Sin ronda TAGLESS-5e1", body_markdown="Texto", tags=["textil"]
    )
    client = _client(cast.coordinator)
    url = reverse("consultations:intelligence_note_list")
    by_tag = client.get(url, {"tag": "acero"}).content.decode()
    assert NOTE_WORD in by_tag and "TAGLESS-5e1" not in by_tag
    by_round = client.get(url, {"round": open_round.pk}, headers={"HX-Request": "true"}).content.decode()
    assert NOTE_WORD in by_round and "TAGLESS-5e1" not in by_round and "<html" not in by_round
    # A tag nobody uses leaves that filter out; the others still apply.
    stale = client.get(url, {"tag": "no-existe", "chapter": chapter.pk}).content.decode()
    assert NOTE_WORD in stale and OTHER_NOTE_WORD not in stale


def test_the_list_costs_the_same_queries_for_3_and_30_notes(cast, intel: Intel, chapter, open_round) -> None:
    client = _client(cast.coordinator)
    url = reverse("consultations:intelligence_note_list")

    def add(count: int) -> None:
        for n in range(count):
            intelligence_services.intelligence_note_create(
                by=cast.coordinator,
                chapter=chapter,
                title=f"Nota {n}",
                body_markdown="Texto",
                rounds=[open_round],
                tags=[f"t{n}"],
            )

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    add(1)
    small = queries()
    add(27)
    assert queries() == small
