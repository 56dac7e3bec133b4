"""The benchmark's dataset: organisations, users, rounds and positions with their revisions, attachment metadata,
internal notes, triage history, notifications and deliveries, in realistic proportions, written with COPY.

It lives in a throwaway database on the configured server (``<name>_bench_<size>``), never in the user's own:
``bench_database`` creates it (or, with ``reuse``, keeps and reuses it between runs).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import generate_totp_secret
from allauth.mfa.utils import encrypt
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.models import Count
from django.utils import timezone

from consultations.models import (
    Chapter,
    Membership,
    OfficialProfile,
    Organisation,
    Position,
    Round,
    Sector,
    User,
)


@dataclass(frozen=True)
class Size:
    positions: int
    organisations: int
    users: int


# T is the CI-sized run (the test); L is opt-in: about 1,000,000 positions take a while to build.
SIZES = {
    "T": Size(positions=1_500, organisations=30, users=120),
    "S": Size(positions=20_000, organisations=300, users=1_500),
    "M": Size(positions=100_000, organisations=500, users=3_000),
    "L": Size(positions=1_000_000, organisations=500, users=3_000),
}
DOMAIN = "bench.cuartodejunto.invalid"
CURRENT_LABEL = "Benchmark: current round"
COORDINATOR = f"coordinator@{DOMAIN}"
OFFICIAL = f"official-3-chapters@{DOMAIN}"
ADMIN = f"admin@{DOMAIN}"
WORDS = (
    "origen",
    "automotriz",
    "aranceles",
    "acero",
    "agricultura",
    "servicios",
    "digital",
    "inversión",
    "laboral",
    "energía",
    "textil",
    "aduanas",
    "sanitarias",
    "propiedad",
    "compras",
)
# Shares of each status: most positions of the current round still wait for triage; earlier rounds are decided.
CURRENT_STATUSES = {
    "draft": 8,
    "awaiting_signoff": 2,
    "submitted": 40,
    "in_review": 20,
    "incorporated": 8,
    "noted": 8,
    "needs_info": 6,
    "declined": 5,
    "withdrawn": 3,
}
PAST_STATUSES = {
    "draft": 3,
    "submitted": 5,
    "in_review": 5,
    "incorporated": 30,
    "noted": 30,
    "needs_info": 7,
    "declined": 15,
    "withdrawn": 5,
}
FINAL = {"incorporated", "noted", "needs_info", "declined"}
UNFILED = {"draft", "awaiting_signoff"}


@dataclass(frozen=True)
class World:
    """What the pages need to know about the dataset: who signs in, which round, which positions."""

    size: str
    positions: int
    current_round_id: int
    coordinator_id: int
    official_id: int
    official_chapter_numbers: tuple[int, ...]
    admin_id: int
    delegate_id: int
    delegate_organisation_id: int
    delegate_position_id: int
    triage_position_id: int
    chapter_id: int
    chapter_number: int
    organisation_id: int
    sector_id: int


# ---------------------------------------------------------------------------------------------------------------
# The throwaway database
# ---------------------------------------------------------------------------------------------------------------


def database_name(size: str) -> str:
    """Derived from the configured database, so two checkouts on one server do not share benchmark data."""
    return f"{settings.DATABASES['default']['NAME']}_bench_{size.lower()}"[:63]


def _switch(to: str) -> None:
    connections.close_all()
    settings.DATABASES["default"]["NAME"] = to
    connection.settings_dict["NAME"] = to


def _exists(name: str) -> bool:
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


@contextlib.contextmanager
def bench_database(size: str, *, reuse: bool, log: Callable[[str], None]) -> Iterator[tuple[str, bool]]:
    """The default connection points at the benchmark's own database for the duration; yields (name, built
    before). Without ``reuse`` it is created afresh and dropped at the end; with it, it is kept for the next run."""
    original = settings.DATABASES["default"]["NAME"]
    name = database_name(size)
    existed = _exists(name)
    if existed and not reuse:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        existed = False
    if not existed:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
    log(f"Benchmark database: {name} ({'reused' if existed else 'new'})")
    try:
        _switch(name)
        call_command("migrate", verbosity=0)
        yield name, existed and Round.objects.filter(label=CURRENT_LABEL, notes__startswith="complete").exists()
    finally:
        _switch(original)
        if not reuse:
            with connection._nodb_cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---------------------------------------------------------------------------------------------------------------
# Building it
# ---------------------------------------------------------------------------------------------------------------


def _copy(table: str, columns: Sequence[str], rows: Iterator[Sequence[Any]]) -> int:
    """COPY ``rows`` into ``table``; returns the number of rows."""
    count = 0
    with connection.cursor() as cursor:
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def _next_id(model: type) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {model._meta.db_table}")  # noqa: S608 - a model's table
        return cursor.fetchone()[0]


def _reset_sequences(*tables: str) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                # The tables are this module's constants.
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"  # noqa: S608
            )


def _vocabulary(rng: random.Random, n: int = 2_000) -> list[str]:
    """Made-up words of two to four syllables: texts that share few trigrams unless they are meant to."""
    syllables = [
        "ta",
        "re",
        "mi",
        "so",
        "lu",
        "ca",
        "der",
        "pon",
        "ex",
        "tri",
        "al",
        "mon",
        "ves",
        "qui",
        "gra",
        "no",
        "bu",
        "fi",
        "le",
        "za",
        "ro",
        "pe",
        "du",
        "sin",
        "cor",
    ]
    return sorted({"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(n)})


def _weighted(rng: random.Random, shares: dict[str, int]) -> Callable[[], str]:
    values, weights = list(shares), list(shares.values())
    return lambda: rng.choices(values, weights)[0]


def build(size: str, *, log: Callable[[str], None], seed: int = 2026) -> None:
    """Fill the (empty, migrated) database with the dataset of ``size``."""
    spec = SIZES[size]
    rng = random.Random(seed)
    now = timezone.now()
    started = time.perf_counter()
    call_command("load_usmca", verbosity=0)
    chapters = list(Chapter.objects.order_by("number"))
    sectors = list(Sector.objects.order_by("code"))

    with transaction.atomic():
        rounds = _rounds(now)
        organisations = Organisation.objects.bulk_create(
            Organisation(
                name=f"Cámara de prueba {i:04d}", acronym=f"CP{i:04d}", kind=rng.choice(["chamber", "company"])
            )
            for i in range(spec.organisations)
        )
        through = Organisation.sectors.through
        through.objects.bulk_create(
            through(organisation_id=org.pk, sector_id=sector.pk)
            for org in organisations
            for sector in rng.sample(sectors, k=min(len(sectors), rng.randint(1, 2)))
        )
        follows = Organisation.followed_chapters.through
        follows.objects.bulk_create(
            follows(organisation_id=org.pk, chapter_id=chapter.pk)
            for org in organisations
            for chapter in rng.sample(chapters, k=3)
        )
        members, officials, delegates = _users(spec, rng, organisations, chapters)
    log(f"  organisations, {spec.users:,} users and rounds in {time.perf_counter() - started:.1f} s")

    chapter_weights = [rng.paretovariate(1.5) for _ in chapters]
    org_weights = [rng.paretovariate(1.2) for _ in organisations]
    current_status = _weighted(rng, CURRENT_STATUSES)
    past_status = _weighted(rng, PAST_STATUSES)
    official_ids = [official.pk for official in officials]
    first_id = _next_id(Position)
    positions: list[tuple[int, str, int, dt.datetime | None, int | None, int]] = []
    duplicates: list[tuple[str, str]] = []
    vocabulary = _vocabulary(rng)

    def position_rows() -> Iterator[Sequence[Any]]:
        for i in range(spec.positions):
            pid = first_id + i
            current = rng.random() < 0.8
            round = rounds[0] if current else rng.choice(rounds[1:])
            status = current_status() if current else past_status()
            org = rng.choices(organisations, org_weights)[0]
            chapter = rng.choices(chapters, chapter_weights)[0]
            author = rng.choice(members[org.pk])
            if positions and rng.random() < 0.02:
                # A near-duplicate: another organisation files almost the same text (the triage queue marks it).
                title, summary = duplicates[-1]
                title = f"{title} (versión {org.acronym})"
            else:
                words = rng.sample(vocabulary, 5)
                theme = rng.choice(WORDS) if rng.random() < 0.3 else words[4]
                title = f"{words[0].capitalize()} {words[1]} {theme} {words[2]}"
                summary = " ".join(rng.sample(vocabulary, 18)) + f" {theme}."
                duplicates[-1:] = [(title, summary)]
            body = " ".join(rng.choices(vocabulary, k=120))
            if status in UNFILED:
                filed_at = None
                created_at = now - dt.timedelta(minutes=rng.randint(10, 60 * 24 * 20))
            else:
                deadline = round.submission_deadline if round.submission_deadline < now else now
                filed_at = deadline - dt.timedelta(minutes=rng.randint(1, 60 * 24 * 28))
                created_at = filed_at - dt.timedelta(minutes=rng.randint(5, 60 * 24 * 3))
            assigned = None
            if status in FINAL or status == "in_review" or (status == "submitted" and rng.random() < 0.1):
                assigned = rng.choice(official_ids)
            revisions = 1 + (rng.random() < 0.2) + (rng.random() < 0.05) if filed_at else 0
            priority = rng.choices(["red_line", "high", "medium", "low"], [5, 25, 45, 25])[0]
            stance = rng.choices(["offensive", "defensive", "conditional"], [40, 45, 15])[0]
            hs_lines = [f"{rng.randint(1, 97):02d}{rng.randint(1, 99):02d}.{rng.randint(10, 99)}"] * (
                rng.random() < 0.5
            )
            positions.append((pid, status, author, filed_at, assigned, revisions))
            yield (
                pid,
                org.pk,
                chapter.pk,
                round.pk,
                title,
                summary,
                body,
                stance,
                priority,
                rng.random() < 0.05,
                "Eliminar el arancel en 5 años." if rng.random() < 0.6 else "",
                "Cupos con desgravación gradual." if rng.random() < 0.3 else "",
                hs_lines,
                rng.randint(1, 5_000) * 1_000_000 if rng.random() < 0.5 else None,
                rng.randint(10, 120_000) if rng.random() < 0.5 else None,
                "room" if rng.random() < 0.3 else "government",
                status,
                max(revisions, 1),
                uuid.UUID(int=rng.getrandbits(128)),
                filed_at,
                (filed_at or now) + dt.timedelta(days=2) if status == "withdrawn" else None,
                created_at,
                filed_at or created_at,
                author,
                assigned,
                "Se considera en la posición de México." if status in FINAL else "",
                (filed_at or now) + dt.timedelta(days=3) if status in FINAL else None,
                ["automotriz"] if rng.random() < 0.1 else [],
                1 + (status != "submitted"),
            )

    columns = [
        "id",
        "organisation_id",
        "chapter_id",
        "round_id",
        "title",
        "summary",
        "body",
        "stance",
        "priority",
        "is_red_flag",
        "requested_outcome",
        "fallback_position",
        "hs_lines",
        "exports_usd",
        "jobs",
        "confidentiality",
        "status",
        "version",
        "client_token",
        "filed_at",
        "withdrawn_at",
        "created_at",
        "updated_at",
        "created_by_id",
        "assigned_to_id",
        "official_response",
        "responded_at",
        "tags",
        "triage_version",
    ]
    started = time.perf_counter()
    _copy("consultations_position", columns, position_rows())
    log(f"  {spec.positions:,} positions in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    counts = _position_children(rng, positions, official_ids, now)
    _deliveries_and_notifications(rng, rounds, officials, delegates, positions, now)
    _reset_sequences(
        "consultations_position",
        "consultations_positionrevision",
        "consultations_attachment",
        "consultations_internalnote",
        "consultations_triageevent",
        "consultations_delivery",
        "consultations_notification",
    )
    log(f"  {counts} in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    Round.objects.filter(pk=rounds[0].pk).update(notes=f"complete {size}")
    log(f"  VACUUM ANALYZE in {time.perf_counter() - started:.1f} s")


def _rounds(now: dt.datetime) -> list[Round]:
    """The current round (open for input, deadline in ten days), then three earlier ones, latest first."""
    current = Round(label=CURRENT_LABEL, city="Ciudad de México", country="MX")
    refresh_current_round(current, now)
    current.save()
    past = []
    for n, days_ago in enumerate((80, 160, 240), start=1):
        starts_on = (now - dt.timedelta(days=days_ago)).date()
        past.append(
            Round.objects.create(
                label=f"Benchmark: round -{n}",
                city="Washington",
                country="US",
                starts_on=starts_on,
                ends_on=starts_on + dt.timedelta(days=4),
                input_opens_at=now - dt.timedelta(days=days_ago + 37),
                submission_deadline=now - dt.timedelta(days=days_ago + 7),
                digest_at=now - dt.timedelta(days=days_ago + 3),
                digest_dispatched_at=now - dt.timedelta(days=days_ago + 3),
            )
        )
    return [current, *past]


def refresh_current_round(round: Round, now: dt.datetime) -> None:
    """Keep the current round open for input whenever the benchmark runs (a reused database may be weeks old)."""
    starts_on = (now + dt.timedelta(days=20)).date()
    round.starts_on = starts_on
    round.ends_on = starts_on + dt.timedelta(days=4)
    round.input_opens_at = now - dt.timedelta(days=30)
    round.submission_deadline = now + dt.timedelta(days=10)
    round.digest_at = now + dt.timedelta(days=17)


def _users(
    spec: Size, rng: random.Random, organisations: list[Organisation], chapters: list[Chapter]
) -> tuple[dict[int, list[int]], list[User], list[User]]:
    """Officials (about 5 %, three chapters each, a few coordinators and negotiators), one admin, and delegates of
    the organisations (the first of each its coordinator). Nobody signs in with a password here."""
    password = make_password(None)
    n_officials = max(4, spec.users // 20)
    users = User.objects.bulk_create(
        User(
            email=f"user-{i:05d}@{DOMAIN}",
            full_name=f"Persona de prueba {i:05d}",
            password=password,
            language="en" if i % 5 == 0 else "es",
        )
        for i in range(spec.users - n_officials - 1)
    )
    staff = User.objects.bulk_create(
        [
            User(email=COORDINATOR, full_name="Coordinación (benchmark)", password=password),
            User(email=OFFICIAL, full_name="Funcionaria de tres capítulos", password=password),
            *(
                User(email=f"official-{i:04d}@{DOMAIN}", full_name=f"Funcionario {i:04d}", password=password)
                for i in range(n_officials - 2)
            ),
        ]
    )
    admin = User.objects.create_superuser(email=ADMIN, password=None)
    # Staff must have a second factor or every page sends them to set one up: enrolled as the set-up page would.
    Authenticator.objects.bulk_create(
        Authenticator(user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(generate_totp_secret())})
        for user in [*staff, admin]
    )
    profiles = OfficialProfile.objects.bulk_create(
        OfficialProfile(user=user, is_coordinator=i < 3 and i != 1, is_negotiator=i % 7 == 0)
        for i, user in enumerate(staff)
    )
    through = OfficialProfile.chapters.through
    through.objects.bulk_create(
        through(officialprofile_id=profile.pk, chapter_id=chapter.pk)
        for i, profile in enumerate(profiles)
        if not profile.is_coordinator
        for chapter in (chapters[:3] if i == 1 else rng.sample(chapters, k=3))
    )
    members: dict[int, list[int]] = {org.pk: [] for org in organisations}
    memberships = []
    for i, user in enumerate(users):
        org = organisations[i % len(organisations)]
        role = Membership.Role.COORDINATOR if not members[org.pk] else Membership.Role.DELEGATE
        members[org.pk].append(user.pk)
        memberships.append(Membership(user=user, organisation=org, role=role))
    Membership.objects.bulk_create(memberships)
    return members, staff, users


def _content(rng: random.Random, n: int) -> str:
    return json.dumps(
        {
            "title": f"Versión {n}",
            "summary": "Texto de la posición tal como se presentó.",
            "body": " ".join(rng.choice(WORDS) for _ in range(60)),
            "stance": "defensive",
            "priority": "high",
            "is_red_flag": False,
            "requested_outcome": "",
            "fallback_position": "",
            "hs_lines": [],
            "exports_usd": None,
            "jobs": None,
            "confidentiality": "government",
        }
    )


def _position_children(
    rng: random.Random, positions: list[tuple], official_ids: list[int], now: dt.datetime
) -> dict[str, int]:
    """Revisions (every filed position has one; a fifth were amended), attachment metadata (three in ten), internal
    notes (one in seven triaged positions) and the triage history of every triaged position."""
    revision_rows, attachment_rows, note_rows, event_rows = [], [], [], []
    for pid, status, author, filed_at, assigned, revisions in positions:
        for number in range(1, revisions + 1):
            revision_rows.append((number, _content(rng, number), "", filed_at, author, pid))
        if filed_at and rng.random() < 0.3:
            for _ in range(rng.randint(1, 2)):
                name = rng.choice(("estudio.pdf", "cifras.xlsx", "anexo.docx", "datos.csv"))
                attachment_rows.append(
                    (
                        f"attachments/{uuid.UUID(int=rng.getrandbits(128)).hex[:2]}/{uuid.UUID(int=rng.getrandbits(128)).hex}",
                        name,
                        name.rsplit(".", 1)[1],
                        rng.randint(10_000, 5_000_000),
                        f"{rng.getrandbits(256):064x}",
                        filed_at,
                        author,
                        pid,
                    )
                )
        if assigned:
            at = (filed_at or now) + dt.timedelta(hours=6)
            event_rows.append(("assign", "", "", json.dumps({"to": assigned}), at, at, assigned, pid))
            if status != "submitted":
                event_rows.append(("status", "submitted", status, "{}", at, at, assigned, pid))
            if rng.random() < 0.15:
                note_rows.append(("Revisar con la mesa el impacto en empleo.", at, assigned, pid))
    return {
        "revisions": _copy(
            "consultations_positionrevision",
            ("number", "content", "reason", "created_at", "created_by_id", "position_id"),
            iter(revision_rows),
        ),
        "attachments": _copy(
            "consultations_attachment",
            ("file", "original_name", "kind", "size", "sha256", "uploaded_at", "uploaded_by_id", "position_id"),
            iter(attachment_rows),
        ),
        "notes": _copy(
            "consultations_internalnote", ("body", "created_at", "author_id", "position_id"), iter(note_rows)
        ),
        "triage events": _copy(
            "consultations_triageevent",
            ("action", "from_status", "to_status", "data", "notified_at", "created_at", "actor_id", "position_id"),
            iter(event_rows),
        ),
    }


def _deliveries_and_notifications(
    rng: random.Random,
    rounds: list[Round],
    officials: list[User],
    delegates: list[User],
    positions: list[tuple],
    now: dt.datetime,
) -> None:
    """The digests of the earlier rounds (one delivery per person and round, sent) and the e-mails and in-app
    entries of status changes (a tenth of the triaged positions)."""
    everyone = [user.pk for user in (*officials, *delegates)]
    delivery_rows = [
        ("digest-pre", f"round:{round.pk}", "sent", 1, 0, "", round.digest_at, round.digest_at, user)
        for round in rounds[1:]
        for user in everyone
    ]
    notification_rows = []
    for pid, status, author, filed_at, _assigned, _revisions in positions:
        if status in FINAL and rng.random() < 0.1:
            at = (filed_at or now) + dt.timedelta(days=3)
            delivery_rows.append(("status", f"position:{pid}", "sent", 1, 0, "", at, at, author))
            notification_rows.append(
                ("status", "Cambio de estado", f"/positions/{pid}/", f"position:{pid}", at, None, author)
            )
    _copy(
        "consultations_delivery",
        ("kind", "key", "status", "attempts", "retries", "last_error", "created_at", "sent_at", "recipient_id"),
        iter(delivery_rows),
    )
    _copy(
        "consultations_notification",
        ("kind", "title", "url", "key", "created_at", "read_at", "recipient_id"),
        iter(notification_rows),
    )


def world(size: str) -> World:
    """Who and what the pages use, read back from the database (built now or in an earlier run)."""
    current = Round.objects.get(label=CURRENT_LABEL)
    refresh_current_round(current, timezone.now())
    current.save()
    coordinator = User.objects.get(email=COORDINATOR)
    official = User.objects.get(email=OFFICIAL)
    official_chapters = tuple(
        OfficialProfile.objects.get(user=official).chapters.order_by("number").values_list("number", flat=True)
    )
    # The delegate of the organisation with the most positions: the heaviest "our positions".
    busiest = Position.objects.values("organisation_id").order_by().annotate(n=Count("id")).order_by("-n").first()
    organisation_id = busiest["organisation_id"]
    delegate = (
        Membership.objects.filter(organisation_id=organisation_id, role=Membership.Role.DELEGATE).order_by("pk").first()
        or Membership.objects.filter(organisation_id=organisation_id).order_by("pk").first()
    )
    filed = Position.objects.filter(round=current, status="submitted")
    own = filed.filter(organisation_id=organisation_id).order_by("pk").first()
    triage = filed.filter(chapter__number__in=official_chapters).order_by("-filed_at").first() or filed.first()
    chapter = Chapter.objects.get(pk=triage.chapter_id)
    sector = Sector.objects.filter(organisations__isnull=False).order_by("code").first()
    return World(
        size=size,
        positions=Position.objects.count(),
        current_round_id=current.pk,
        coordinator_id=coordinator.pk,
        official_id=official.pk,
        official_chapter_numbers=official_chapters,
        admin_id=User.objects.get(email=ADMIN).pk,
        delegate_id=delegate.user_id,
        delegate_organisation_id=organisation_id,
        delegate_position_id=own.pk,
        triage_position_id=triage.pk,
        chapter_id=chapter.pk,
        chapter_number=chapter.number,
        organisation_id=organisation_id,
        sector_id=sector.pk,
    )
