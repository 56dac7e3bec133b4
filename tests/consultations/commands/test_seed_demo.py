"""seed_demo: a fictional 2026 joint review with an open round, ~20 organisations, every role and ~200 positions."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.utils import timezone

from consultations.models import (
    AuditEvent,
    Chapter,
    Confidentiality,
    IntelligenceNote,
    Membership,
    NegotiatingTable,
    OfficialProfile,
    Organisation,
    Position,
    PositionRevision,
    PositionStatus,
    Round,
    Sector,
    User,
)
from consultations.reference import demo

# Real Mexican business chambers and associations: demo data must never borrow their names.
REAL_CHAMBERS = (
    "CCE", "CONCAMIN", "COECE", "CANACINTRA", "AMIA", "CNA", "COPARMEX", "CONCANACO", "COMCE", "ANIQ", "CANIETI",
    "CANAIVE", "CANAINTEX", "CANACAR", "INA", "ABM", "AMIS", "CAMIMEX", "AMITI", "AMEXHI", "APEAM", "ANTAD",
    "CANACERO", "CANIFARMA", "Consejo Coordinador Empresarial", "Consejo Nacional Agropecuario",
    "Confederación de Cámaras Industriales", "Cámara Nacional de la Industria de Transformación",
    "Asociación Mexicana de la Industria Automotriz", "Industria Nacional de Autopartes",
)  # fmt: skip


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def demo_round() -> Round:
    return Round.objects.get(label=demo.OPEN_ROUND_LABEL)


def row_counts() -> dict[str, int]:
    models = (
        Round, Organisation, User, Membership, OfficialProfile, Position, PositionRevision, AuditEvent, Chapter,
        Sector, NegotiatingTable, IntelligenceNote,
    )  # fmt: skip
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.django_db
def test_seed_opens_the_joint_review_round_for_input() -> None:
    seed()

    open_round = demo_round()
    assert open_round.accepts_input
    assert open_round.status == Round.Status.OPEN
    assert (open_round.city, open_round.time_zone) == ("Ciudad de México", "America/Mexico_City")
    today = timezone.localdate(timezone=open_round.tz)
    assert open_round.starts_on == today + dt.timedelta(days=21)
    deadline = open_round.submission_deadline.astimezone(open_round.tz)
    assert (deadline.date(), deadline.time()) == (open_round.starts_on - dt.timedelta(days=7), dt.time(18, 0))
    digest = open_round.digest_at.astimezone(open_round.tz)
    assert (digest.date(), digest.time()) == (open_round.starts_on - dt.timedelta(days=3), dt.time(8, 0))
    assert open_round.input_opens_at < timezone.now()

    statuses = {r.label: r.status for r in Round.objects.filter(label__startswith="Revisión conjunta 2026")}
    assert sorted(statuses.values()) == sorted([Round.Status.CONCLUDED, Round.Status.OPEN, Round.Status.PLANNED])
    # The reference calendar comes along when it is missing.
    assert Chapter.objects.count() == 34


@pytest.mark.django_db
def test_seed_creates_about_twenty_fictional_organisations() -> None:
    seed()

    organisations = Organisation.objects.prefetch_related("sectors", "followed_chapters")
    assert 18 <= len(organisations) <= 22
    for organisation in organisations:
        assert organisation.name.endswith("(demo)")
        assert organisation.acronym.endswith("-demo")
        words = set(re.findall(r"\w+", f"{organisation.name} {organisation.acronym.removesuffix('-demo')}"))
        for real in REAL_CHAMBERS:
            assert real not in organisation.name
            assert real not in words
        assert organisation.sectors.all()
        assert organisation.followed_chapters.all()
    assert organisations.filter(requires_signoff=True).exists()
    assert organisations.filter(requires_signoff=False).exists()
    assert set(Sector.objects.filter(organisations__isnull=False).values_list("code", flat=True)) >= {
        "111", "3361", "325", "5112", "522", "211",
    }  # fmt: skip


@pytest.mark.django_db
def test_demo_accounts_for_every_role_sign_in_with_the_demo_password() -> None:
    seed()

    assert {account["role"] for account in demo.DEMO_ACCOUNTS} == {
        "admin", "delegate", "org_coordinator", "official", "negotiator", "coordinator",
    }  # fmt: skip
    for account in demo.DEMO_ACCOUNTS:
        assert account["email"].endswith("@demo.cuartodejunto.mx")
        assert account["role_es"] and account["role_en"] and account["description"]
        user = authenticate(email=account["email"], password=demo.DEMO_PASSWORD)
        assert user is not None, account["email"]
    assert authenticate(email=demo.DEMO_ACCOUNTS[0]["email"], password="not-the-password") is None
    # Liaison accounts only author positions: they have no usable password.
    liaison = User.objects.get(email=demo.DEMO_ORGANISATIONS[2].liaison_email)
    assert not liaison.has_usable_password()

    def user(local_part: str) -> User:
        return User.objects.get(email=f"{local_part}@demo.cuartodejunto.mx")

    admin = user("admin")
    assert admin.is_staff and admin.is_superuser
    assert user("delegada.a").memberships.get().role == Membership.Role.DELEGATE
    assert user("coordinador.a").memberships.get().role == Membership.Role.COORDINATOR
    assert user("delegado.b").memberships.get().role == Membership.Role.DELEGATE
    assert user("coordinadora.b").memberships.get().role == Membership.Role.COORDINATOR
    assert user("delegada.a").memberships.get().organisation != user("delegado.b").memberships.get().organisation
    assert user("delegada.a").memberships.get().organisation.requires_signoff

    def chapters(local_part: str) -> list[int]:
        return sorted(user(local_part).official_profile.chapters.values_list("number", flat=True))

    assert chapters("funcionaria.agricultura") == [3, 9]
    assert user("funcionaria.agricultura").official_profile.ministry == OfficialProfile.Ministry.AGRICULTURA
    assert chapters("funcionario.origen") == [4, 5]
    assert chapters("negociador.autos") == [4, 5, 12]
    assert user("negociador.autos").official_profile.is_negotiator
    assert Chapter.objects.get(number=4).table.lead == user("negociador.autos")
    assert user("coordinacion").official_profile.is_coordinator
    assert not user("coordinacion").memberships.exists()


@pytest.mark.django_db
def test_seed_files_about_200_positions_only_for_demo_organisations_and_the_open_round() -> None:
    seed()

    positions = Position.objects.all()
    assert 180 <= positions.count() <= 220
    assert set(positions.values_list("round", flat=True)) == {demo_round().pk}
    demo_names = {spec.name for spec in demo.DEMO_ORGANISATIONS}
    assert set(positions.values_list("organisation__name", flat=True)) == demo_names
    # Each position's author belongs to its organisation.
    members = set(Membership.objects.values_list("user", "organisation"))
    assert set(positions.values_list("created_by", "organisation")) <= members

    statuses = Counter(positions.values_list("status", flat=True))
    assert statuses[PositionStatus.SUBMITTED] > positions.count() / 2
    assert statuses[PositionStatus.DRAFT] > 0
    assert statuses[PositionStatus.WITHDRAWN] > 0
    assert statuses[PositionStatus.AWAITING_SIGNOFF] > 0
    assert positions.filter(confidentiality=Confidentiality.ROOM).exclude(status=PositionStatus.DRAFT).exists()
    assert positions.filter(is_red_flag=True).count() >= 10
    assert positions.filter(priority="red_line").exists()
    assert len(set(positions.values_list("chapter", flat=True))) >= 20
    assert len(set(positions.values_list("stance", flat=True))) == 3
    # Filing went through the service: every filed position has its first revision and a filing time.
    filed = positions.exclude(status__in=[PositionStatus.DRAFT, PositionStatus.AWAITING_SIGNOFF])
    assert not filed.filter(filed_at__isnull=True).exists()
    assert not filed.filter(revisions__isnull=True).exists()
    assert AuditEvent.objects.filter(action="position.file").count() == filed.count()
    assert all("ilustrativo" in body for body in positions.values_list("body", flat=True))


@pytest.mark.django_db
def test_second_run_creates_nothing() -> None:
    seed()
    after_first = row_counts()

    output = seed()

    assert row_counts() == after_first
    assert "positions: 0 created, 0 updated, 200 unchanged" in output
    assert "users: 0 created" in output
    assert "organisations: 0 created" in output
    assert f"intelligence notes: 0 created, 0 updated, {len(demo.DEMO_INTELLIGENCE_NOTES)} unchanged" in output


@pytest.mark.django_db
def test_reset_dates_reopens_a_demo_round_that_has_moved_on() -> None:
    seed()
    Round.objects.filter(label=demo.OPEN_ROUND_LABEL).update(
        starts_on=dt.date(2020, 1, 10),
        ends_on=dt.date(2020, 1, 12),
        input_opens_at=dt.datetime(2019, 12, 1, tzinfo=dt.UTC),
        submission_deadline=dt.datetime(2020, 1, 3, tzinfo=dt.UTC),
        digest_at=dt.datetime(2020, 1, 7, tzinfo=dt.UTC),
    )
    seed()
    assert demo_round().status == Round.Status.CONCLUDED

    seed("--reset-dates")

    assert demo_round().accepts_input
    assert Position.objects.count() == 200


@pytest.mark.django_db
def test_seed_refuses_to_file_into_a_demo_round_that_has_closed() -> None:
    Round.objects.create(
        label=demo.OPEN_ROUND_LABEL,
        starts_on=dt.date(2020, 1, 10),
        ends_on=dt.date(2020, 1, 12),
        submission_deadline=dt.datetime(2020, 1, 3, tzinfo=dt.UTC),
    )

    with pytest.raises(CommandError, match="--reset-dates"):
        seed()

    assert not Position.objects.exists()
    assert not Organisation.objects.exists()  # all or nothing


@pytest.mark.django_db
def test_seed_writes_intelligence_notes_through_the_service_linked_within_their_chapter() -> None:
    output = seed()

    notes = IntelligenceNote.objects.prefetch_related("positions", "rounds", "authors").select_related("chapter")
    assert f"intelligence notes: {len(demo.DEMO_INTELLIGENCE_NOTES)} created" in output
    assert notes.count() == len(demo.DEMO_INTELLIGENCE_NOTES) >= 4
    assert len({note.chapter.number for note in notes}) >= 3
    officials = {spec["email"]: set(spec["chapters"]) for spec in demo.DEMO_OFFICIALS}
    for note in notes:
        (author,) = note.authors.all()
        assert note.chapter.number in officials[author.email], note.title
        assert note.tags and note.rounds.exists()
        assert all(position.chapter_id == note.chapter_id for position in note.positions.all())
    assert sum(note.positions.count() for note in notes) >= 5
    assert any(note.hs_lines for note in notes)
    assert AuditEvent.objects.filter(action="intelligence.create").count() == notes.count()
