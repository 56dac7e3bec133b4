"""What a signed-in user is served is never stored by a browser or a shared cache: pages, htmx partials, attachment
downloads and exports carry ``Cache-Control: private, no-store``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from consultations.models import Attachment, Confidentiality
from consultations.services import room_questions as question_services
from tests import factories
from tests.consultations.services.helpers import filed

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def assert_private(response) -> None:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert {"private", "no-store"} <= directives, response.get("Cache-Control")
    assert "public" not in directives


@pytest.fixture
def media_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return tmp_path


@pytest.fixture
def position(cast, chapter, open_round):
    return filed(
        organisation=cast.org_a,
        by=cast.delegate_a,
        chapter=chapter,
        round=open_round,
        confidentiality=Confidentiality.GOVERNMENT,
    )


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("consultations:position_detail", "position"),
        ("consultations:position_revisions", "position"),
        ("consultations:position_list", None),
        ("consultations:cosignature_list", None),
        ("consultations:notification_list", None),
    ],
)
def test_confidential_pages_are_private_and_not_stored(client, cast, position, name, args):
    client.force_login(cast.delegate_a)
    response = client.get(reverse(name, args=[position.pk] if args else []))
    assert response.status_code == 200
    assert_private(response)


def test_htmx_partials_are_private_and_not_stored(client, cast, position):
    client.force_login(cast.delegate_a)
    response = client.get(reverse("consultations:position_list"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert_private(response)


def test_triage_pages_are_private_and_not_stored(client, cast, position):
    client.force_login(cast.official_of_chapter)
    for url in (reverse("consultations:triage_queue"), reverse("consultations:triage_detail", args=[position.pk])):
        response = client.get(url)
        assert response.status_code == 200
        assert_private(response)


def test_attachment_download_is_private_and_not_stored(client, cast, position, media_root):
    client.force_login(cast.delegate_a)
    draft = factories.PositionFactory(organisation=cast.org_a, chapter=position.chapter, round=position.round)
    client.post(reverse("consultations:attachment_upload", args=[draft.pk]), {"file": SimpleUploadedFile("e.pdf", PDF)})
    attachment = Attachment.objects.get()

    response = client.get(reverse("consultations:attachment_download", args=[attachment.pk]))

    assert response.status_code == 200
    assert_private(response)
    assert b"".join(response.streaming_content) == PDF


def test_csv_export_is_private_and_not_stored(client, cast, chapter, open_round):
    negotiator = factories.official(chapters=[chapter], negotiator=True)
    question = question_services.room_question_ask(
        by=negotiator,
        chapter=chapter,
        round=open_round,
        text="¿Cuánto contenido regional pueden acreditar?",
        response_deadline=timezone.now() + dt.timedelta(hours=6),
    )
    client.force_login(negotiator)

    response = client.get(reverse("consultations:room_question_export", args=[question.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert_private(response)
