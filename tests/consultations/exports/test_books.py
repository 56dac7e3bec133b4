"""Briefing books per chapter and round: the same content as PDF, XLSX and CSV, only what the reader may see,
one audit row per export, headers in the reader's language, and nothing a spreadsheet would run as a formula."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultations.models import AuditEvent, ExportJob
from tests.consultations.exports.conftest import ANSWER, BRIEFING_TITLE, CANARY, FORMULA, RED_TITLE, Book
from tests.consultations.exports.helpers import body_bytes, csv_rows, pdf_text, workbook

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def _chapter_url(book: Book, fmt: str) -> str:
    return reverse("consultations:book_chapter", args=[book.round.pk, book.chapter.number, fmt])


def test_csv_book_has_bom_spanish_headers_rows_by_priority_and_neutralised_formulas(book: Book) -> None:
    response = _client(book.cast.official_of_chapter).get(_chapter_url(book, "csv"))

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(body_bytes(response))
    header = rows[0]
    assert header[:7] == ["ID", "Capítulo", "Título del capítulo", "Ronda", "Organización", "Cofirmantes", "Título"]
    assert len(header) == 19
    titles = [row[header.index("Título")] for row in rows[1:]]
    assert titles == [RED_TITLE, "Proteger la industria nacional"]  # the red line first
    red = dict(zip(header, rows[1], strict=True))
    assert red["Cofirmantes"] == "Cámara Ficticia C"
    assert red["Resultado solicitado"] == "'" + FORMULA
    assert red["Posición de respaldo"] == "'+70 % con transición"
    assert red["Prioridad"] == "Línea roja"
    assert red["Exportaciones en juego (USD)"] == "1500000"
    assert red["Fracciones arancelarias (SA)"] == "7208.10, 7208.25"
    assert CANARY not in "".join(",".join(row) for row in rows)


def test_csv_headers_follow_the_readers_language(book: Book) -> None:
    reader = book.cast.official_of_chapter
    reader.language = "en"
    reader.save(update_fields=["language"])
    rows = csv_rows(body_bytes(_client(reader).get(_chapter_url(book, "csv"))))
    assert rows[0][:3] == ["ID", "Chapter", "Chapter title"]
    assert "Red line" in rows[1]


def test_csv_is_streamed_lazily_from_the_database(book: Book) -> None:
    client = _client(book.cast.official_of_chapter)
    with CaptureQueriesContext(connection) as before:
        response = client.get(_chapter_url(book, "csv"))
    assert response.streaming
    assert not any("cosigner_names" in query["sql"] for query in before.captured_queries), (
        "the rows were read before the response was iterated"
    )
    with CaptureQueriesContext(connection) as during:
        first = next(iter(response.streaming_content))
        rest = b"".join(response.streaming_content)
    assert first.startswith("\ufeff".encode())
    assert any("cosigner_names" in query["sql"] for query in during.captured_queries)
    assert RED_TITLE.encode() in rest


def test_xlsx_book_has_frozen_filtered_positions_and_a_red_lines_sheet(book: Book) -> None:
    response = _client(book.cast.coordinator).get(_chapter_url(book, "xlsx"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheets = workbook(body_bytes(response))
    assert sheets.sheetnames == ["Posiciones", "Líneas rojas"]
    positions = sheets["Posiciones"]
    assert positions.freeze_panes == "A2"
    assert positions.auto_filter.ref == "A1:S3"
    header = [cell.value for cell in positions[1]]
    assert header[6] == "Título"
    assert [row[6] for row in positions.iter_rows(min_row=2, values_only=True)] == [
        RED_TITLE,
        "Proteger la industria nacional",
    ]
    outcome = positions.cell(row=2, column=header.index("Resultado solicitado") + 1)
    assert outcome.value == FORMULA and outcome.data_type == "s"  # text, never a formula
    assert positions.cell(row=2, column=header.index("Exportaciones en juego (USD)") + 1).value == 1_500_000
    red_lines = [row[6] for row in sheets["Líneas rojas"].iter_rows(min_row=2, values_only=True)]
    assert red_lines == [RED_TITLE]


def test_pdf_book_holds_cover_summary_red_lines_positions_conflicts_briefings_and_answers(book: Book) -> None:
    response = _client(book.negotiator).get(_chapter_url(book, "pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(body_bytes(response))
    assert book.round.label in text
    assert "Reglas de Origen" in text
    for expected in (
        "Resumen",
        "Líneas rojas y focos rojos",
        RED_TITLE,
        "Cámara Ficticia C",  # the co-signer
        "US$1,500,000",
        "120,000",
        "7208.10, 7208.25",
        "Se incorpora a la posición de México.",
        "Mapa de conflictos",
        BRIEFING_TITLE,
        ANSWER,
    ):
        assert expected in text, expected
    assert text.index("Líneas rojas y focos rojos") < text.index("Otras posiciones, por prioridad")
    assert CANARY not in text


def test_round_book_of_an_official_holds_only_their_chapters(book: Book) -> None:
    url = reverse("consultations:book_round", args=[book.round.pk, "csv"])
    mine = "".join(",".join(r) for r in csv_rows(body_bytes(_client(book.cast.official_of_chapter).get(url))))
    assert RED_TITLE in mine and CANARY not in mine
    everything = "".join(",".join(r) for r in csv_rows(body_bytes(_client(book.cast.coordinator).get(url))))
    assert RED_TITLE in everything and CANARY in everything


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_every_export_writes_one_audit_row(book: Book, fmt: str) -> None:
    reader = book.cast.official_of_chapter
    client = _client(reader)  # signing in is a row of its own
    before = AuditEvent.objects.count()
    body_bytes(client.get(_chapter_url(book, fmt)))
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.get(action="export")
    assert event.actor == reader
    assert (event.target_type, event.target_id) == ("round", book.round.pk)
    assert event.data == {
        "kind": f"book_{fmt}",
        "filters": {"round_id": book.round.pk, "chapter": book.chapter.number},
        "rows": 2,
    }


@pytest.mark.parametrize(
    ("role", "chapter_of"),
    [
        ("delegate_a", "chapter"),
        ("coordinator_a", "chapter"),
        ("official_of_other_chapter", "chapter"),
        ("official_of_chapter", "other_chapter"),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_a_chapter_the_reader_may_not_see_answers_404_and_writes_nothing(
    book: Book, role: str, chapter_of: str, fmt: str
) -> None:
    chapter = getattr(book, chapter_of)
    url = reverse("consultations:book_chapter", args=[book.round.pk, chapter.number, fmt])
    response = _client(getattr(book.cast, role)).get(url)
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        lambda b: reverse("consultations:book_round", args=[999999, "csv"]),
        lambda b: reverse("consultations:book_chapter", args=[b.round.pk, 99, "pdf"]),
        lambda b: reverse("consultations:book_round", args=[b.round.pk, "docx"]),
        lambda b: reverse("consultations:book_chapter", args=[b.round.pk, b.chapter.number, "exe"]),
    ],
)
def test_missing_round_chapter_or_format_answers_404(book: Book, url) -> None:  # noqa: ANN001
    assert _client(book.cast.coordinator).get(url(book)).status_code == 404


def test_book_queries_do_not_grow_with_the_rows(book: Book, django_assert_max_num_queries) -> None:  # noqa: ANN001
    from tests import factories

    client = _client(book.cast.coordinator)
    url = _chapter_url(book, "csv")
    with CaptureQueriesContext(connection) as small:
        body_bytes(client.get(url))
    for index in range(30):
        factories.PositionFactory(
            organisation=book.cast.org_a,
            chapter=book.chapter,
            round=book.round,
            status="submitted",
            filed_at=book.red_line.filed_at,
            title=f"Más {index}",
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        body_bytes(client.get(url))
