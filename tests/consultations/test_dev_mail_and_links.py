"""The local inbox shows e-mails as a mail client does; links in e-mails follow the server's address; a co-sign
invitation stops waiting in the list once answered."""

from __future__ import annotations

import pytest
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.filebased import EmailBackend
from django.urls import reverse

from consultations.management.commands.runall import child_env
from consultations.models import CoSignature, Notification, NotificationKind
from consultations.services import cosignatures as cosignature_services
from tests import factories
from tests.conftest import Cast

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.consultations.permission_cases")]  # with /dev/


@pytest.fixture
def mail_dir(settings, tmp_path):
    settings.LOCAL_MAIL_DIR = tmp_path
    return tmp_path


def _send(folder) -> None:
    """One e-mail written as `make run` writes it: Django's file-based backend."""
    message = EmailMultiAlternatives(
        subject="Respuesta oficial: Posición sobre reglas de origen",
        body="Texto llano con acentos: reducción arancelaria.",
        to=["delegada@camara.mx"],
    )
    message.attach_alternative("<p style='color:#333'>Versión <strong>HTML</strong></p>", "text/html")
    EmailBackend(file_path=str(folder)).send_messages([message])


def test_the_inbox_shows_each_message_decoded_with_its_headers(client, cast: Cast, mail_dir) -> None:
    _send(mail_dir)
    client.force_login(cast.admin)

    page = client.get(reverse("dev:mail")).content.decode()

    assert "Respuesta oficial: Posición sobre reglas de origen" in page  # decoded, not =?utf-8?...
    assert "delegada@camara.mx" in page
    assert "reducción arancelaria" in page
    name = next(mail_dir.glob("*.log")).name
    html = client.get(reverse("dev:mail_html", args=[name, 0]))
    assert html.status_code == 200
    assert "Versión <strong>HTML</strong>" in html.content.decode()
    assert html["Content-Security-Policy"].startswith("sandbox")


def test_the_inbox_is_for_staff_and_reads_only_its_own_folder(client, cast: Cast, mail_dir) -> None:
    _send(mail_dir)
    name = next(mail_dir.glob("*.log")).name
    client.force_login(cast.delegate_a)
    assert client.get(reverse("dev:mail")).status_code == 404
    assert client.get(reverse("dev:mail_html", args=[name, 0])).status_code == 404
    client.force_login(cast.admin)
    assert client.get(reverse("dev:mail_html", args=["..%2Fsecret.log", 0])).status_code == 404
    assert client.get(reverse("dev:mail_html", args=[name, 7])).status_code == 404


def test_make_run_links_e_mails_to_the_port_it_serves_unless_a_site_url_is_set(monkeypatch) -> None:
    monkeypatch.delenv("SITE_URL", raising=False)
    assert child_env("127.0.0.1", 8765)["SITE_URL"] == "http://127.0.0.1:8765"
    monkeypatch.setenv("SITE_URL", "https://cuarto.example.mx")
    assert child_env("127.0.0.1", 8765)["SITE_URL"] == "https://cuarto.example.mx"


def test_an_answered_co_sign_invitation_leaves_the_notification_list(cast: Cast, chapter, open_round, eager_celery):
    position = factories.PositionFactory(
        organisation=cast.org_a, created_by=cast.delegate_a, chapter=chapter, round=open_round
    )
    cosignature = cosignature_services.cosignature_invite(
        by=cast.delegate_a, position=position, organisation=cast.org_b
    )
    from consultations.services.notifications import cosignature_invite_notify

    cosignature_invite_notify(cosignature_id=cosignature.pk)
    waiting = Notification.objects.filter(kind=NotificationKind.COSIGN, recipient=cast.delegate_b, read_at__isnull=True)
    assert waiting.count() == 1

    cosignature_services.cosignature_respond(
        by=cast.delegate_b, cosignature=CoSignature.objects.get(pk=cosignature.pk), accept=True
    )

    assert waiting.count() == 0
