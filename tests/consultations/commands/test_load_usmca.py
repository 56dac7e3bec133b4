"""load_usmca: the project's own copy of the USMCA facts, loaded idempotently."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from io import StringIO

import pytest
from django.core.management import call_command

from consultations.models import Chapter, NegotiatingTable, Round, Sector

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")


def load() -> str:
    out = StringIO()
    call_command("load_usmca", stdout=out)
    return out.getvalue()


def model_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Chapter, NegotiatingTable, Round, Sector)}


@pytest.mark.django_db
def test_loads_the_34_chapters_with_english_and_spanish_titles() -> None:
    load()

    chapters = list(Chapter.objects.order_by("number"))
    assert [c.number for c in chapters] == list(range(1, 35))
    assert all(c.title_en and c.title_es for c in chapters)
    eight = chapters[7]
    assert eight.title_en == (
        "Recognition of the Mexican State's Direct, Inalienable, and Imprescriptible Ownership of Hydrocarbons"
    )
    assert eight.title_es == (
        "Reconocimiento de la Propiedad Directa, Inalienable e Imprescriptible del Estado Mexicano sobre Hidrocarburos"
    )
    assert (chapters[33].title_en, chapters[33].title_es) == ("Final Provisions", "Disposiciones Finales")
    assert (chapters[3].title_en, chapters[3].title_es) == ("Rules of Origin", "Reglas de Origen")


@pytest.mark.django_db
def test_every_chapter_sits_at_one_negotiating_table() -> None:
    load()

    assert 7 <= NegotiatingTable.objects.count() <= 12
    assert not Chapter.objects.filter(table__isnull=True).exists()
    market_access = NegotiatingTable.objects.get(name_es="Acceso a mercados")
    assert sorted(market_access.chapters.values_list("number", flat=True)) == [2, 3, 6]
    assert market_access.name_en == "Market access"
    assert Chapter.objects.get(number=4).table == Chapter.objects.get(number=5).table


@pytest.mark.django_db
def test_loads_real_scian_sectors() -> None:
    load()

    assert Sector.objects.count() >= 15
    names = dict(Sector.objects.values_list("code", "name_es"))
    assert names["111"] == "Agricultura"
    assert names["3361"] == "Fabricación de automóviles y camiones"
    assert names["325"] == "Industria química"
    assert names["517"] == "Telecomunicaciones"
    assert Sector.objects.get(code="336").name_en == "Transportation equipment manufacturing"


@pytest.mark.django_db
def test_loads_the_2017_2018_calendar_with_its_dates_and_all_concluded() -> None:
    load()

    first = Round.objects.get(label="Ronda 1")
    assert (first.starts_on, first.ends_on) == (dt.date(2017, 8, 16), dt.date(2017, 8, 20))
    assert (first.city, first.country, first.time_zone) == ("Washington, D.C.", "US", "America/New_York")
    assert (first.kind, first.format) == (Round.Kind.FORMAL, Round.Format.TRILATERAL)
    seventh = Round.objects.get(label="Ronda 7")
    assert (seventh.starts_on, seventh.ends_on, seventh.country) == (dt.date(2018, 2, 25), dt.date(2018, 3, 5), "MX")
    assert Round.objects.get(label="Ronda 6").time_zone == "America/Toronto"
    assert Round.objects.get(label="Ronda intersesional").kind == Round.Kind.INTERSESSIONAL
    assert Round.objects.get(label="Ronda permanente").kind == Round.Kind.CONTINUOUS

    bilateral = Round.objects.get(kind=Round.Kind.BILATERAL)
    assert bilateral.format == Round.Format.MX_US
    assert (bilateral.starts_on, bilateral.ends_on) == (dt.date(2018, 7, 1), dt.date(2018, 8, 27))
    assert "aproximada" in bilateral.notes

    assert Round.objects.filter(kind=Round.Kind.FORMAL).count() == 7
    assert Round.objects.count() == 14
    after_the_review = dt.datetime(2026, 7, 2, tzinfo=MEXICO)
    assert {r.status_at(after_the_review) for r in Round.objects.all()} == {Round.Status.CONCLUDED}
    assert {r.status for r in Round.objects.filter(starts_on__year__lte=2020)} == {Round.Status.CONCLUDED}


@pytest.mark.django_db
def test_milestones_take_no_input() -> None:
    load()

    milestones = Round.objects.filter(kind=Round.Kind.MILESTONE)
    assert milestones.count() == 4
    assert all(m.starts_on == m.ends_on and m.submission_deadline is None for m in milestones)
    signature = milestones.get(starts_on=dt.date(2018, 11, 30))
    assert (signature.city, signature.country) == ("Buenos Aires", "AR")
    assert milestones.filter(starts_on=dt.date(2026, 7, 1)).exists()


@pytest.mark.django_db
def test_formal_rounds_had_a_deadline_and_digest_in_host_time() -> None:
    load()

    second = Round.objects.get(label="Ronda 2")  # Ciudad de México, 2017-09-01
    assert second.submission_deadline == dt.datetime(2017, 8, 25, 18, 0, tzinfo=MEXICO)
    assert second.digest_at == dt.datetime(2017, 8, 29, 8, 0, tzinfo=MEXICO)
    assert second.input_opens_at == dt.datetime(2017, 8, 2, 0, 0, tzinfo=MEXICO)
    third = Round.objects.get(label="Ronda 3")  # Ottawa
    assert third.submission_deadline == dt.datetime(2017, 9, 16, 18, 0, tzinfo=zoneinfo.ZoneInfo("America/Toronto"))
    assert not Round.objects.exclude(kind=Round.Kind.FORMAL).filter(submission_deadline__isnull=False).exists()


@pytest.mark.django_db
def test_running_twice_creates_no_duplicates() -> None:
    first_output = load()
    after_first = model_counts()

    second_output = load()

    assert model_counts() == after_first
    assert "chapters: 34 created" in first_output
    assert "chapters: 0 created, 0 updated, 34 unchanged" in second_output
    assert "rounds: 0 created, 0 updated, 14 unchanged" in second_output


@pytest.mark.django_db
def test_running_again_restores_a_changed_fact() -> None:
    load()
    Chapter.objects.filter(number=3).update(title_es="Agro")

    output = load()

    assert Chapter.objects.get(number=3).title_es == "Agricultura"
    assert "chapters: 0 created, 1 updated, 33 unchanged" in output
