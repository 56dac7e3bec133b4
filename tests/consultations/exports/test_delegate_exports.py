"""A delegate exports its own organisation's positions (CSV, XLSX) and one position as a PDF with the revisions it
may read: another organisation's canary never reaches it by any of these."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from consultations.models import AuditEvent, Confidentiality, ExportJob, PositionStatus
from consultations.services import positions as position_services
from tests import factories
from tests.conftest import Cast
from tests.consultations.exports.conftest import CANARY, FORMULA, RED_TITLE, Book
from tests.consultations.exports.helpers import body_bytes, csv_rows, pdf_text, workbook
from tests.consultations.services.helpers import filed

pytestmark = pytest.mark.django_db

HISTORY_CANARY = "CANARIO-SOLO-GOBIERNO-77c"


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def test_our_positions_csv_holds_our_positions_only_with_neutralised_formulas(book: Book) -> None:
    response = _client(book.cast.delegate_a).get(reverse("consultations:position_export", args=["csv"]))

    assert response.status_code == 200 and response.streaming
    rows = csv_rows(body_bytes(response))
    text = "\n".join(",".join(row) for row in rows)
    assert RED_TITLE in text
    assert "'" + FORMULA in text
    assert CANARY not in text and "Proteger la industria nacional" not in text
    event = AuditEvent.objects.get(action="export")
    assert (event.actor, event.organisation, event.data["rows"], event.data["kind"]) == (
        book.cast.delegate_a,
        book.cast.org_a,
        1,
        "own_csv",
    )


def test_our_positions_xlsx_follows_the_list_filters(book: Book) -> None:
    url = reverse("consultations:position_export", args=["xlsx"])
    sheets = workbook(body_bytes(_client(book.cast.delegate_b).get(url)))
    titles = {row[6] for row in sheets["Posiciones"].iter_rows(min_row=2, values_only=True)}
    assert titles == {"Proteger la industria nacional", CANARY}
    assert RED_TITLE not in titles
    narrowed = workbook(body_bytes(_client(book.cast.delegate_b).get(url, {"chapter": book.other_chapter.pk})))
    assert [row[6] for row in narrowed["Posiciones"].iter_rows(min_row=2, values_only=True)] == [CANARY]


@pytest.mark.parametrize("role", ["official_of_chapter", "coordinator", "admin"])
def test_our_positions_export_is_for_members_only(book: Book, role: str) -> None:
    response = _client(getattr(book.cast, role)).get(reverse("consultations:position_export", args=["csv"]))
    assert response.status_code == 404


def test_our_positions_export_refuses_an_unknown_format(book: Book) -> None:
    assert _client(book.cast.delegate_a).get(reverse("consultations:position_export", args=["pdf"])).status_code == 404


@pytest.fixture
def shared_after_secret(cast: Cast, chapter, open_round):  # noqa: ANN001, ANN201
    """Filed government only with a canary, then amended to share with the room without it."""
    position = filed(
        organisation=cast.org_a,
        by=cast.delegate_a,
        chapter=chapter,
        round=open_round,
        title="Autopartes",
        summary=f"Resumen público.\n{HISTORY_CANARY} es nuestra verdadera línea roja.",
        confidentiality=Confidentiality.GOVERNMENT,
    )
    return position_services.position_amend(
        by=cast.delegate_a,
        position=position,
        data={"summary": "Resumen público.", "confidentiality": Confidentiality.ROOM},
        reason="Compartir con el cuarto",
    )


def test_position_pdf_of_another_organisation_holds_only_the_revisions_shared_with_the_room(
    cast: Cast,
    shared_after_secret,
    private_media,  # noqa: ANN001
) -> None:
    url = reverse("consultations:position_pdf", args=[shared_after_secret.pk])
    own = pdf_text(body_bytes(_client(cast.delegate_a).get(url)))
    assert "Autopartes" in own and HISTORY_CANARY in own and "Revisión 2" in own

    response = _client(cast.delegate_b).get(url)
    assert response.status_code == 200
    other = pdf_text(body_bytes(response))
    assert "Autopartes" in other and "Resumen público." in other
    assert HISTORY_CANARY not in other
    assert "Revisión 1" not in other
    event = AuditEvent.objects.filter(action="export", actor=cast.delegate_b).get()
    assert (event.target_type, event.target_id, event.data["rows"]) == ("position", shared_after_secret.pk, 1)


def test_position_pdf_of_a_position_the_reader_may_not_see_answers_404(book: Book) -> None:
    url = reverse("consultations:position_pdf", args=[book.canary.pk])
    assert _client(book.cast.delegate_a).get(url).status_code == 404
    assert _client(book.cast.official_of_chapter).get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()


@pytest.fixture
def awaiting_signoff(book: Book) -> list[str]:
    """Two drafts of organisation A wait for its coordinator's sign-off; the filed red line does not."""
    book.cast.org_a.requires_signoff = True
    book.cast.org_a.save(update_fields=["requires_signoff"])
    titles = ["Energía: espera firma", "Textiles: espera firma"]
    for title in titles:
        factories.PositionFactory(
            organisation=book.cast.org_a,
            chapter=book.chapter,
            round=book.round,
            title=title,
            status=PositionStatus.AWAITING_SIGNOFF,
            created_by=book.cast.delegate_a,
        )
    return titles


def _listed_titles(client: Client, query: dict[str, str]) -> set[str]:
    response = client.get(reverse("consultations:position_list"), query)
    assert response.status_code == 200
    return {position.title for position in response.context["page"].object_list}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_our_positions_export_awaiting_my_signoff_has_exactly_the_lists_rows(
    book: Book, awaiting_signoff: list[str], fmt: str
) -> None:
    client = _client(book.cast.coordinator_a)
    listed = _listed_titles(client, {"signoff": "on"})
    assert listed == set(awaiting_signoff)

    content = body_bytes(client.get(reverse("consultations:position_export", args=[fmt]), {"signoff": "on"}))
    if fmt == "csv":
        exported = {row[6] for row in csv_rows(content)[1:]}
    else:
        exported = {row[6] for row in workbook(content)["Posiciones"].iter_rows(min_row=2, values_only=True)}
    assert exported == listed
    assert AuditEvent.objects.get(action="export").data["filters"]["awaiting_my_signoff"] is True


def test_our_positions_export_job_awaiting_my_signoff_has_exactly_the_lists_rows(
    book: Book, awaiting_signoff: list[str], settings, eager_celery: None, django_capture_on_commit_callbacks
) -> None:  # noqa: ANN001
    settings.EXPORT_SYNC_MAX_ROWS = 1
    client = _client(book.cast.coordinator_a)
    listed = _listed_titles(client, {"signoff": "on"})

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("consultations:position_export", args=["csv"]), {"signoff": "on"})

    job = ExportJob.objects.get()
    assert response.status_code == 302 and job.status == ExportJob.Status.DONE
    download = client.get(reverse("consultations:export_job_download", args=[job.pk]))
    assert {row[6] for row in csv_rows(body_bytes(download))[1:]} == listed == set(awaiting_signoff)


def test_the_signoff_filter_is_ignored_for_a_delegate_in_the_list_and_the_export(
    book: Book, awaiting_signoff: list[str]
) -> None:
    # Only a coordinator is offered the filter: for anyone else the list and the export both show everything.
    client = _client(book.cast.delegate_a)
    listed = _listed_titles(client, {"signoff": "on"})
    content = body_bytes(client.get(reverse("consultations:position_export", args=["csv"]), {"signoff": "on"}))
    assert {row[6] for row in csv_rows(content)[1:]} == listed == {RED_TITLE, *awaiting_signoff}
