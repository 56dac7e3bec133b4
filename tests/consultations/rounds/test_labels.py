"""Round labels in Spanish and English: pages, pickers, e-mails and the CSV show the reader's language; the reference
calendar and the demo rounds carry both; round management and the admin edit both."""

from __future__ import annotations

import csv
import datetime as dt
import io
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from consultations.forms.positions import PositionFilterForm
from consultations.models import Round
from consultations.services import room_questions as question_services
from tests import factories
from tests.conftest import Cast
from tests.consultations.rounds.test_views import form_data, save_round

pytestmark = pytest.mark.django_db

ES, EN = "Ronda de Ottawa", "Ottawa Round"


@pytest.fixture
def bilingual(open_round: Round) -> Round:
    open_round.label, open_round.label_en = ES, EN
    open_round.save()
    return open_round


def _as(client, user, language: str):
    user.language = language
    user.save()
    client.force_login(user)
    return client


def test_the_label_follows_the_active_language_and_falls_back_to_spanish(bilingual: Round) -> None:
    with translation.override("en"):
        assert bilingual.localized_label == EN and str(bilingual) == EN
    with translation.override("es"):
        assert bilingual.localized_label == ES and str(bilingual) == ES
    bilingual.label_en = ""
    with translation.override("en"):
        assert bilingual.localized_label == ES


@pytest.mark.parametrize(("language", "shown", "hidden"), [("en", EN, ES), ("es", ES, EN)])
def test_pages_show_the_label_in_the_readers_language(
    client, cast: Cast, bilingual: Round, language: str, shown: str, hidden: str
) -> None:
    factories.PositionFactory(organisation=cast.org_a, round=bilingual, title="Posición de prueba")
    _as(client, cast.delegate_a, language)
    for url in (reverse("consultations:round_list"), reverse("consultations:position_list")):
        page = client.get(url).content.decode()
        assert shown in page and hidden not in page, url
    _as(client, cast.admin, language)
    for url in (reverse("consultations:round_manage_list"), reverse("consultations:round_timeline")):
        page = client.get(url).content.decode()
        assert shown in page and hidden not in page, url


def test_pickers_list_the_label_in_the_active_language(bilingual: Round) -> None:
    field = PositionFilterForm().fields["round"]
    with translation.override("en"):
        assert EN in dict(field.choices).values()
    with translation.override("es"):
        assert ES in dict(field.choices).values()


def test_the_answers_csv_names_the_round_in_the_readers_language(client, cast: Cast, chapter, bilingual: Round) -> None:
    cast.org_a.followed_chapters.add(chapter)
    negotiator = factories.official(chapters=[chapter], negotiator=True)
    question = question_services.room_question_ask(
        by=negotiator,
        chapter=chapter,
        round=bilingual,
        text="¿Cuál es su prioridad?",
        response_deadline=timezone.now() + dt.timedelta(hours=6),
    )
    question_services.room_answer_submit(by=cast.delegate_a, question=question, text="Acceso a mercados")
    for language, label in (("en", EN), ("es", ES)):
        response = _as(client, negotiator, language).get(
            reverse("consultations:room_question_export", args=[question.pk])
        )
        header, row = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
        assert row[header.index("Round" if language == "en" else "Ronda")] == label


def test_round_management_saves_both_labels_and_clones_them(client, cast: Cast) -> None:
    client.force_login(cast.admin)
    response = save_round(client, reverse("consultations:round_manage_create"), form_data(label=ES, label_en=EN))
    assert response.status_code == 302
    round = Round.objects.get(label=ES)
    assert round.label_en == EN
    edit = reverse("consultations:round_manage_edit", args=[round.pk])
    assert f'value="{EN}"' in client.get(edit).content.decode()
    clone = reverse("consultations:round_manage_clone", args=[round.pk])
    assert f"{EN} (copy)" in client.get(clone).content.decode()
    starts = (round.starts_on.replace(year=round.starts_on.year + 1)).isoformat()
    assert client.post(clone, {"starts_on": starts, "label": "", "label_en": ""}).status_code == 302
    copy = Round.objects.exclude(pk=round.pk).get()
    assert (copy.label, copy.label_en) == (f"{ES} (copia)", f"{EN} (copy)")


def test_the_admin_edits_the_english_label(client, cast: Cast, bilingual: Round) -> None:
    client.force_login(cast.admin)
    page = client.get(reverse("admin:consultations_round_change", args=[bilingual.pk])).content.decode()
    assert 'name="label_en"' in page and f'value="{EN}"' in page


def test_the_reference_calendar_and_the_demo_rounds_have_english_labels() -> None:
    call_command("load_usmca", stdout=StringIO())
    assert Round.objects.get(label="Ronda 3").label_en == "Round 3"
    assert Round.objects.get(label="Firma del T-MEC").label_en == "USMCA signed"
    assert not Round.objects.filter(label_en="").exists()
    call_command("seed_demo", stdout=StringIO())
    assert Round.objects.get(label="Revisión conjunta 2026 — Ronda 1").label_en == "2026 joint review — Round 1"
    assert not Round.objects.filter(label_en="").exists()
