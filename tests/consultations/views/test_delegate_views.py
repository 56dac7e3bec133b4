"""The delegate pages as a delegate uses them: forms, refusals and their messages, in Spanish by default."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from consultations.models import Attachment, Position, PositionStatus
from consultations.services import positions as position_services
from tests import factories

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return tmp_path


@pytest.fixture
def delegate_client(client, cast):
    client.force_login(cast.delegate_a)
    return client


def draft_data(chapter, round, **changes):
    data = {
        "chapter": chapter.pk,
        "round": round.pk,
        "title": "Acumulación de origen para autopartes",
        "summary": "Mantener la acumulación regional.",
        "stance": "defensive",
        "priority": "high",
        "confidentiality": "government",
        "hs_lines": "8708.29, 870899",
        "client_token": str(uuid.uuid4()),
    }
    data.update(changes)
    return data


def test_invalid_draft_shows_field_errors_in_spanish_and_saves_nothing(delegate_client, chapter, open_round):
    data = draft_data(chapter, open_round, title="", hs_lines="87AB, 12")
    response = delegate_client.post(reverse("consultations:position_create"), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Este campo es obligatorio" in content
    assert "No es una fracción arancelaria" in content
    assert not Position.objects.exists()


def validate(client, url, field, data):
    return client.post(url, {**data, "_validate": field}, headers={"HX-Request": "true"})


def test_inline_validation_answers_only_the_changed_fields_message_and_saves_nothing(
    delegate_client, chapter, open_round
):
    url = reverse("consultations:position_create")
    data = draft_data(chapter, open_round, title="", hs_lines="nope")
    response = validate(delegate_client, url, "hs_lines", data)
    assert response.status_code == 200
    content = response.content.decode().strip()
    assert content.startswith('<ul class="errorlist">')  # the message only: no field, no form, no page
    assert "<input" not in content and "<form" not in content and "<html" not in content
    assert "No es una fracción arancelaria: nope" in content
    assert "obligatorio" not in content  # the empty title is another field's business
    assert validate(delegate_client, url, "title", data).content.decode().strip() != ""  # its own turn
    assert validate(delegate_client, url, "hs_lines", {**data, "hs_lines": "8708.29"}).content.decode().strip() == ""
    assert not Position.objects.exists()


def test_inline_validation_refuses_unknown_or_hidden_fields(delegate_client, chapter, open_round):
    url = reverse("consultations:position_create")
    data = draft_data(chapter, open_round)
    assert validate(delegate_client, url, "organisation", data).status_code == 400
    assert validate(delegate_client, url, "version", data).status_code == 400


def test_inline_validation_of_an_existing_draft_uses_its_own_page(delegate_client, cast, chapter, open_round):
    position = factories.PositionFactory(organisation=cast.org_a, chapter=chapter, round=open_round)
    url = reverse("consultations:position_edit", args=[position.pk])
    response = validate(delegate_client, url, "jobs", draft_data(chapter, open_round, jobs="muchos"))
    assert response.status_code == 200
    assert "número entero" in response.content.decode()
    position.refresh_from_db()
    assert position.jobs is None


def test_draft_form_fields_each_validate_into_their_own_message_container(delegate_client):
    response = delegate_client.get(reverse("consultations:position_create"))
    content = response.content.decode()
    assert "hx-post" not in content.split('id="position-form"')[0].rsplit("<form", 1)[-1]  # the form is not swapped
    for name in ("chapter", "round", "title", "summary", "stance", "hs_lines", "exports_usd", "jobs"):
        assert f'hx-target="#id_{name}_errors"' in content
        assert f'<div class="errors" id="id_{name}_errors" aria-live="polite">' in content
    assert 'hx-swap="innerHTML"' in content and 'hx-sync="this:replace"' in content
    assert "autofocus" not in content
    assert 'aria-describedby="id_hs_lines_helptext id_hs_lines_errors"' in content
    # Attachments come after the first save, and the page says so.
    assert "una vez guardado el borrador" in content or "once the draft is saved" in content


def test_money_and_jobs_are_typed_and_shown_grouped(delegate_client, cast, chapter, open_round):
    data = draft_data(chapter, open_round, exports_usd="US$1,500,000,000", jobs="120,000")
    response = delegate_client.post(reverse("consultations:position_create"), data)
    assert response.status_code == 302
    position = Position.objects.get()
    assert (position.exports_usd, position.jobs) == (1_500_000_000, 120_000)
    content = delegate_client.get(response["Location"]).content.decode()
    assert "US$1,500,000,000" in content
    assert "120,000" in content


def test_failed_submit_shows_an_error_summary_linking_each_field(delegate_client, chapter, open_round):
    data = draft_data(chapter, open_round, title="", hs_lines="87AB", stance="")
    content = delegate_client.post(reverse("consultations:position_create"), data).content.decode()
    summary = content.split('class="error-summary"')[1].split("</div>")[0]
    assert "data-autofocus" in summary
    assert 'href="#id_title"' in summary
    assert 'href="#id_hs_lines"' in summary
    assert 'href="#id_stance_0"' in summary
    assert 'id="id_stance_0"' in content


def test_submitting_the_same_form_twice_creates_one_position(delegate_client, chapter, open_round):
    data = draft_data(chapter, open_round)
    first = delegate_client.post(reverse("consultations:position_create"), data)
    second = delegate_client.post(reverse("consultations:position_create"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Position.objects.count() == 1


def test_saving_over_another_delegates_change_shows_a_conflict_and_keeps_both(
    delegate_client, cast, chapter, open_round
):
    position = factories.PositionFactory(organisation=cast.org_a, chapter=chapter, round=open_round)
    opened_version = position.version
    position_services.position_update_draft(
        by=cast.coordinator_a, position=position, data={"summary": "Cambio del coordinador."}
    )
    data = draft_data(chapter, open_round, summary="Mi cambio.", version=opened_version)
    response = delegate_client.post(reverse("consultations:position_edit", args=[position.pk]), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "después de que usted abrió el formulario" in content or "after you opened the form" in content
    assert "Cambio del coordinador." in content  # the other change, shown beside
    assert "Mi cambio." in content  # and mine, kept in the form
    position.refresh_from_db()
    assert position.summary == "Cambio del coordinador."
    # Saving again from the conflict page is based on the current version and goes through.
    assert f'name="version" value="{position.version}"' in content
    data["version"] = position.version
    response = delegate_client.post(reverse("consultations:position_edit", args=[position.pk]), data)
    assert response.status_code == 302
    position.refresh_from_db()
    assert position.summary == "Mi cambio."


def test_filing_after_the_deadline_names_the_deadline_and_the_next_open_round(
    delegate_client, cast, chapter, closed_round, open_round
):
    position = factories.PositionFactory(organisation=cast.org_a, chapter=chapter, round=closed_round)
    response = delegate_client.post(reverse("consultations:position_file", args=[position.pk]), follow=True)
    content = response.content.decode()
    assert closed_round.label in content
    assert open_round.label in content
    position.refresh_from_db()
    assert position.status == PositionStatus.DRAFT


def test_an_executable_named_pdf_is_refused_with_a_message_and_nothing_stored(
    delegate_client, cast, chapter, open_round, media_root
):
    position = factories.PositionFactory(organisation=cast.org_a, chapter=chapter, round=open_round)
    upload = SimpleUploadedFile("informe.pdf", b"MZ\x90\x00" + b"\x00" * 200)
    response = delegate_client.post(
        reverse("consultations:attachment_upload", args=[position.pk]), {"file": upload}, follow=True
    )
    assert "informe.pdf" in response.content.decode()
    assert not Attachment.objects.exists()
    assert not any(path.is_file() for path in media_root.rglob("*"))


def test_attachment_downloads_as_an_attachment_under_its_original_name(
    delegate_client, cast, chapter, open_round, media_root
):
    position = factories.PositionFactory(organisation=cast.org_a, chapter=chapter, round=open_round)
    delegate_client.post(
        reverse("consultations:attachment_upload", args=[position.pk]),
        {"file": SimpleUploadedFile("Evidencia 2026.pdf", PDF)},
    )
    attachment = Attachment.objects.get()
    assert "Evidencia" not in attachment.file.name  # stored under a generated name
    response = delegate_client.get(reverse("consultations:attachment_download", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Evidencia 2026.pdf" in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF


def test_withdraw_asks_for_confirmation_before_changing_anything(delegate_client, cast, chapter, open_round):
    position = factories.PositionFactory(organisation=cast.org_a, chapter=chapter, round=open_round)
    position_services.position_file(by=cast.delegate_a, position=position)
    response = delegate_client.get(reverse("consultations:position_withdraw", args=[position.pk]))
    assert response.status_code == 200
    assert "Sí, retirarla" in response.content.decode() or "Yes, withdraw it" in response.content.decode()
    position.refresh_from_db()
    assert position.status == PositionStatus.SUBMITTED
    delegate_client.post(reverse("consultations:position_withdraw", args=[position.pk]), {"reason": ""})
    position.refresh_from_db()
    assert position.status == PositionStatus.WITHDRAWN


def test_amendment_shows_the_last_change_as_a_diff(delegate_client, cast, chapter, open_round):
    position = factories.PositionFactory(organisation=cast.org_a, chapter=chapter, round=open_round)
    position = position_services.position_file(by=cast.delegate_a, position=position)
    data = draft_data(chapter, open_round, summary="Texto nuevo y mejor.", version=position.version, reason="Datos")
    response = delegate_client.post(reverse("consultations:position_amend", args=[position.pk]), data)
    assert response.status_code == 302
    detail = delegate_client.get(reverse("consultations:position_detail", args=[position.pk])).content.decode()
    # The paragraph changed in place: the words added are marked inside it, in reading order.
    added = "".join(re.findall(r"<ins>(?:<span[^>]*>[^<]*</span>)?([^<]*)</ins>", detail))
    assert "nuevo y mejor." in added
    assert position.revisions.count() == 2


def test_english_user_gets_english_pages_and_chapter_titles(client, cast, chapter):
    cast.delegate_a.language = "en"
    cast.delegate_a.save()
    client.force_login(cast.delegate_a)
    content = client.get(reverse("consultations:chapter_list")).content.decode()
    assert '<html lang="en"' in content
    assert "Rules of Origin" in content
    with translation.override("es"):
        client.force_login(cast.delegate_b)
        content = client.get(reverse("consultations:chapter_list")).content.decode()
    assert '<html lang="es"' in content
    assert "Reglas de Origen" in content


def test_other_delegates_read_a_shared_position_but_not_how_the_government_answered_it(
    client, cast, chapter, open_round
):
    from consultations.services import triage as triage_services

    position = factories.PositionFactory(
        organisation=cast.org_a, chapter=chapter, round=open_round, confidentiality="room"
    )
    position = position_services.position_file(by=cast.delegate_a, position=position)
    triage_services.position_set_status(by=cast.official_of_chapter, position=position, status="in_review")
    triage_services.position_set_status(
        by=cast.official_of_chapter, position=position, status="noted", response="RESPUESTA-PARA-A-5d1"
    )
    url = reverse("consultations:position_detail", args=[position.pk])
    client.force_login(cast.delegate_b)
    content = client.get(url).content.decode()
    assert position.title in content
    assert "RESPUESTA-PARA-A-5d1" not in content
    assert "badge-noted" not in content
    client.force_login(cast.delegate_a)
    content = client.get(url).content.decode()
    assert "RESPUESTA-PARA-A-5d1" in content
    assert "badge-noted" in content


def progress_of(content: str) -> list[tuple[str, str]]:
    """(state, label) of each step of the page's progress indicator."""
    block = content.split('class="progress-steps"')[1].split("</ol>")[0]
    steps = re.findall(
        r'class="progress-step is-(\w+)"[^>]*>\s*<span class="visually-hidden">[^<]*</span>([^<]+)', block
    )
    return [(state, label.strip()) for state, label in steps]


def test_position_page_shows_its_progress_as_steps(delegate_client, cast, chapter, open_round):
    cast.org_a.requires_signoff = True
    cast.org_a.save()
    position = factories.PositionFactory(
        organisation=cast.org_a,
        chapter=chapter,
        round=open_round,
        status=PositionStatus.IN_REVIEW,
        filed_at=timezone.now(),
    )
    content = delegate_client.get(reverse("consultations:position_detail", args=[position.pk])).content.decode()
    with translation.override("es"):
        labels = [translation.gettext(text) for text in ("Draft", "Sign-off", "Filed", "In review", "Answered")]
    assert progress_of(content) == [
        ("done", labels[0]),
        ("done", labels[1]),
        ("done", labels[2]),
        ("current", labels[3]),
        ("todo", labels[4]),
    ]
    assert content.count('aria-current="step"') == 1


def test_new_draft_shows_its_first_step_and_no_sign_off_when_not_required(delegate_client, cast):
    cast.org_a.requires_signoff = False
    cast.org_a.save()
    content = delegate_client.get(reverse("consultations:position_create")).content.decode()
    states = [state for state, _label in progress_of(content)]
    assert states == ["current", "todo", "todo", "todo"]


def test_failed_amendment_shows_the_error_summary_too(delegate_client, cast, chapter, open_round):
    position = factories.PositionFactory(organisation=cast.org_a, chapter=chapter, round=open_round)
    position = position_services.position_file(by=cast.delegate_a, position=position)
    data = {
        "title": position.title,
        "summary": position.summary,
        "stance": position.stance,
        "priority": position.priority,
        "confidentiality": position.confidentiality,
        "hs_lines": "87AB",
        "version": position.version,
    }
    content = delegate_client.post(reverse("consultations:position_amend", args=[position.pk]), data).content.decode()
    summary = content.split('class="error-summary"')[1].split("</div>")[0]
    assert "data-autofocus" in summary and 'href="#id_hs_lines"' in summary


def test_withdraw_page_agrees_in_gender_with_the_position(delegate_client, cast, chapter, open_round):
    position = factories.PositionFactory(organisation=cast.org_a, chapter=chapter, round=open_round)
    position = position_services.position_file(by=cast.delegate_a, position=position)
    content = delegate_client.get(reverse("consultations:position_withdraw", args=[position.pk])).content.decode()
    assert "Sí, retirarla" in content and "No, conservarla" in content
    assert "conservarlo" not in content


def test_red_flag_reads_in_english_for_english_readers(client, cast, chapter, open_round):
    cast.delegate_a.language = "en"
    cast.delegate_a.save()
    client.force_login(cast.delegate_a)
    position = factories.PositionFactory(organisation=cast.org_a, chapter=chapter, round=open_round, is_red_flag=True)
    detail = client.get(reverse("consultations:position_detail", args=[position.pk])).content.decode()
    form = client.get(reverse("consultations:position_edit", args=[position.pk])).content.decode()
    assert 'badge-red_flag">Red flag<' in detail
    assert "Red flag (foco rojo)" in form
    assert "Foco rojo<" not in detail + form


def test_times_are_shown_with_their_zone(delegate_client, cast, chapter, open_round):
    position = factories.PositionFactory(organisation=cast.org_a, chapter=chapter, round=open_round)
    content = delegate_client.get(reverse("consultations:position_detail", args=[position.pk])).content.decode()
    deadline = timezone.localtime(open_round.submission_deadline)
    zone = deadline.strftime("%Z")  # CST or CDT in Mexico City, the delegate's zone
    assert re.search(rf"\d{{2}}:\d{{2}} {zone}\b", content), f"no time followed by {zone}"


def test_each_role_lands_on_what_needs_them(client, cast, chapter):
    negotiator = factories.official(chapters=[chapter], negotiator=True)
    landings = {
        cast.delegate_a: "consultations:position_list",
        cast.coordinator_a: "consultations:position_list",
        cast.official_of_chapter: "consultations:triage_queue",
        negotiator: "consultations:dashboard",
        cast.coordinator: "consultations:dashboard",
        cast.admin: "consultations:round_manage_list",
        factories.UserFactory(): "consultations:round_list",
    }
    for user, name in landings.items():
        client.force_login(user)
        response = client.get(reverse("consultations:home"))
        assert (response.status_code, response["Location"]) == (302, reverse(name)), user
