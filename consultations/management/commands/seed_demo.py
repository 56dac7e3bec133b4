"""Seed the fictional 2026 joint-review demo: rounds, organisations, accounts, about 200 positions, consultations
between ministries and a few intelligence notes.

Idempotent: rounds are found by label, organisations by name, users by e-mail, positions by a fixed client token
and intelligence notes by chapter and title, so a second run creates nothing. Positions are created and filed
through the position services, as a delegate would, and notes through the intelligence service, as an official
would; only the reference-like rows (rounds, organisations, accounts) are written directly.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from consultations.management.commands.load_usmca import load_usmca, upsert
from consultations.models import (
    Chapter,
    ConsultationRequest,
    IntelligenceNote,
    Membership,
    Ministry,
    NegotiatingTable,
    OfficialProfile,
    Organisation,
    Position,
    PositionStatus,
    Round,
    Sector,
    User,
)
from consultations.reference import demo
from consultations.reference.ministries import MINISTRIES
from consultations.reference.usmca import CHAPTERS, SECTORS
from consultations.services.intelligence import intelligence_note_create
from consultations.services.ministries import consultation_answer, consultation_request_create
from consultations.services.positions import position_create, position_file, position_sign_off, position_withdraw

Report = dict[str, Counter[str]]


def _ensure_reference_data() -> None:
    if (
        Chapter.objects.count() < len(CHAPTERS)
        or Sector.objects.count() < len(SECTORS)
        or Ministry.objects.count() < len(MINISTRIES)
    ):
        load_usmca()


def _rounds(report: Report, *, reset_dates: bool) -> dict[str, Round]:
    rounds: dict[str, Round] = {}
    for spec in demo.demo_rounds(now=timezone.now()):
        values = {
            "label_en": spec.label_en,
            "kind": spec.kind,
            "format": spec.format,
            "city": spec.city,
            "country": spec.country,
            "time_zone": spec.time_zone,
            "starts_on": spec.starts_on,
            "ends_on": spec.ends_on,
            "input_opens_at": spec.schedule.input_opens_at,
            "submission_deadline": spec.schedule.submission_deadline,
            "digest_at": spec.schedule.digest_at,
            "notes": spec.notes,
        }
        # Found by label alone: the dates are relative to the day of the first run and stay put afterwards.
        existing = Round.objects.filter(label=spec.label).order_by("-starts_on").first()
        if existing is None:
            rounds[spec.key] = Round.objects.create(label=spec.label, **values)
            report["rounds"]["created"] += 1
        elif reset_dates:
            rounds[spec.key], outcome = upsert(Round, {"pk": existing.pk}, values)
            report["rounds"][outcome] += 1
        elif not existing.label_en:
            # Rounds seeded before labels were bilingual get their English label, nothing else.
            rounds[spec.key], outcome = upsert(Round, {"pk": existing.pk}, {"label_en": spec.label_en})
            report["rounds"][outcome] += 1
        else:
            rounds[spec.key] = existing
            report["rounds"]["unchanged"] += 1
    return rounds


def _organisations(report: Report) -> dict[str, Organisation]:
    sectors = {sector.code: sector for sector in Sector.objects.all()}
    chapters = {chapter.number: chapter for chapter in Chapter.objects.all()}
    organisations: dict[str, Organisation] = {}
    for spec in demo.DEMO_ORGANISATIONS:
        organisation, outcome = upsert(
            Organisation,
            {"name": spec.name},
            {"acronym": spec.acronym, "kind": spec.kind, "requires_signoff": spec.requires_signoff, "is_active": True},
        )
        report["organisations"][outcome] += 1
        if outcome == "created":
            organisation.sectors.set([sectors[code] for code in spec.sectors])
            organisation.followed_chapters.set([chapters[number] for number in spec.chapters])
        organisations[spec.key] = organisation
    return organisations


def _users(report: Report, organisations: dict[str, Organisation]) -> dict[str, User]:
    wanted: dict[str, dict[str, Any]] = {
        account["email"]: {
            "full_name": account["full_name"],
            "is_staff": account["role"] == "admin",
            "is_superuser": account["role"] == "admin",
            "sign_in": True,
        }
        for account in demo.DEMO_ACCOUNTS
    }
    for spec in demo.DEMO_ORGANISATIONS:
        if spec.liaison_email in demo.organisation_authors(spec):
            # Authors only: the published sign-ins are DEMO_ACCOUNTS, so these accounts cannot sign in.
            wanted[spec.liaison_email] = {
                "full_name": f"Enlace de {spec.acronym}",
                "is_staff": False,
                "is_superuser": False,
                "sign_in": False,
            }
    existing = set(User.objects.filter(email__in=wanted).values_list("email", flat=True))
    missing = [email for email in wanted if email not in existing]
    if missing:
        # One hash for all the demo accounts: hashing is deliberately slow and they share the one password.
        password = make_password(demo.DEMO_PASSWORD)
        User.objects.bulk_create(
            User(
                email=email,
                full_name=wanted[email]["full_name"],
                language=User.Language.SPANISH,
                is_staff=wanted[email]["is_staff"],
                is_superuser=wanted[email]["is_superuser"],
                password=password if wanted[email]["sign_in"] else make_password(None),
            )
            for email in missing
        )
    report["users"]["created"] += len(missing)
    report["users"]["unchanged"] += len(existing)
    users = {user.email: user for user in User.objects.filter(email__in=wanted)}

    memberships = [
        (account["email"], account["organisation"], demo.MEMBERSHIP_ROLES[account["role"]])
        for account in demo.DEMO_ACCOUNTS
        if account["role"] in demo.MEMBERSHIP_ROLES
    ]
    memberships += [
        (spec.liaison_email, spec.key, Membership.Role.COORDINATOR)
        for spec in demo.DEMO_ORGANISATIONS
        if spec.liaison_email in users
    ]
    present = set(Membership.objects.filter(user__in=users.values()).values_list("user__email", "organisation_id"))
    new = [
        Membership(user=users[email], organisation=organisations[key], role=role)
        for email, key, role in memberships
        if (email, organisations[key].pk) not in present
    ]
    Membership.objects.bulk_create(new)
    report["memberships"]["created"] += len(new)
    report["memberships"]["unchanged"] += len(memberships) - len(new)
    return users


def _officials(report: Report, users: dict[str, User]) -> None:
    chapters = {chapter.number: chapter for chapter in Chapter.objects.all()}
    for spec in demo.DEMO_OFFICIALS:
        profile, outcome = upsert(
            OfficialProfile,
            {"user": users[spec["email"]]},
            {
                "ministry": spec["ministry"],
                "is_negotiator": spec["is_negotiator"],
                "is_coordinator": spec["is_coordinator"],
            },
        )
        if outcome == "created":
            profile.chapters.set([chapters[number] for number in spec["chapters"]])
        report["official profiles"][outcome] += 1
    for table_name, email in demo.DEMO_TABLE_LEADS.items():
        NegotiatingTable.objects.filter(name_es=table_name, lead__isnull=True).update(lead=users[email])


def _second_factors(report: Report, users: dict[str, User]) -> None:
    """Staff must sign in with a code: the demo's staff accounts share the published DEMO_TOTP_SECRET."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    staff_emails = {account["email"] for account in demo.DEMO_ACCOUNTS if account["role"] not in demo.MEMBERSHIP_ROLES}
    enrolled = set(
        Authenticator.objects.filter(user__email__in=staff_emails, type=Authenticator.Type.TOTP).values_list(
            "user__email", flat=True
        )
    )
    for email in sorted(staff_emails - enrolled):
        TOTP.activate(users[email], demo.DEMO_TOTP_SECRET)
        RecoveryCodes.activate(users[email])
    report["authenticator apps"]["created"] += len(staff_emails - enrolled)
    report["authenticator apps"]["unchanged"] += len(enrolled)


def _positions(report: Report, *, users: dict[str, User], organisations: dict[str, Organisation], round: Round) -> None:
    specs = demo.demo_positions()
    existing = set(
        Position.objects.filter(client_token__in=[spec.client_token for spec in specs]).values_list(
            "client_token", flat=True
        )
    )
    missing = [spec for spec in specs if spec.client_token not in existing]
    report["positions"]["unchanged"] += len(existing)
    if not missing:
        return
    if not round.accepts_input:
        raise CommandError(
            f"«{round.label}» is {round.status.label.lower()}, so the missing demo positions cannot be filed. "
            "Run `manage.py seed_demo --reset-dates` to move the demo rounds relative to today."
        )
    chapters = {chapter.number: chapter for chapter in Chapter.objects.all()}
    coordinators = {spec.key: users[demo.organisation_coordinator(spec)] for spec in demo.DEMO_ORGANISATIONS}
    for spec in missing:
        author = users[spec.author]
        position = position_create(
            by=author,
            organisation=organisations[spec.organisation],
            data={**spec.data, "chapter": chapters[spec.chapter], "round": round},
            client_token=spec.client_token,
        )
        if spec.outcome != "draft":
            position = position_file(by=author, position=position)
        if spec.outcome == "file_and_sign_off" and position.status == PositionStatus.AWAITING_SIGNOFF:
            position = position_sign_off(
                by=coordinators[spec.organisation], position=position, expected_version=position.version
            )
        if spec.outcome == "withdraw":
            position = position_withdraw(by=author, position=position, reason=spec.withdraw_reason)
        report["positions"]["created"] += 1
        report["position status"][position.status] += 1


def seed_demo(*, reset_dates: bool = False) -> Report:
    report: Report = {
        name: Counter()
        for name in (
            "rounds",
            "organisations",
            "users",
            "memberships",
            "official profiles",
            "authenticator apps",
            "positions",
            "position status",
            "consultations",
            "intelligence notes",
        )
    }
    _ensure_reference_data()
    with transaction.atomic():
        rounds = _rounds(report, reset_dates=reset_dates)
        organisations = _organisations(report)
        users = _users(report, organisations)
        _officials(report, users)
        _second_factors(report, users)
        _positions(report, users=users, organisations=organisations, round=rounds["open"])
        _consultations(report, users=users)
        _intelligence_notes(report, users=users, rounds=rounds)
    return report


def _intelligence_notes(report: Report, *, users: dict[str, User], rounds: dict[str, Round]) -> None:
    """Research of the government side, linked to the chapter's first filed positions of the open round."""
    chapters = {chapter.number: chapter for chapter in Chapter.objects.all()}
    existing = set(IntelligenceNote.objects.values_list("chapter__number", "title"))
    for spec in demo.DEMO_INTELLIGENCE_NOTES:
        if (spec.chapter, spec.title) in existing:
            report["intelligence notes"]["unchanged"] += 1
            continue
        linked = Position.objects.filter(
            chapter__number=spec.chapter, round=rounds["open"], status=PositionStatus.SUBMITTED
        ).order_by("pk")[: spec.positions]
        intelligence_note_create(
            by=users[spec.author],
            chapter=chapters[spec.chapter],
            title=spec.title,
            body_markdown=spec.body,
            tags=spec.tags,
            hs_lines=spec.hs_lines,
            rounds=[rounds[key] for key in spec.rounds],
            position_ids=list(linked.values_list("pk", flat=True)),
        )
        report["intelligence notes"]["created"] += 1


def _consultations(report: Report, *, users: dict[str, User]) -> None:
    """Economía asks Agricultura about positions of chapter 4, through the services; found again by question."""
    asker = users[demo.demo_email("funcionario.origen")]
    answerer = users[demo.demo_email("funcionaria.agricultura")]
    agricultura = Ministry.objects.get(code=OfficialProfile.Ministry.AGRICULTURA)
    positions = list(
        Position.objects.filter(chapter__number=4, status=PositionStatus.SUBMITTED).order_by("pk")[
            : len(demo.DEMO_CONSULTATIONS)
        ]
    )
    now = timezone.now()
    for (question, answer, due_in), position in zip(demo.DEMO_CONSULTATIONS, positions, strict=False):
        if ConsultationRequest.objects.filter(question=question).exists():
            report["consultations"]["unchanged"] += 1
            continue
        # Asked a week ago, so that an answer due two days ago is overdue today.
        asked = now - dt.timedelta(days=7)
        request = consultation_request_create(
            by=asker,
            position=position,
            to_ministry=agricultura,
            question=question,
            due_on=(now + dt.timedelta(days=due_in)).date(),
            now=asked,
        )
        if answer:
            consultation_answer(by=answerer, request=request, answer=answer)
        report["consultations"]["created"] += 1


class Command(BaseCommand):
    help = (
        "Seed the fictional 2026 joint-review demo data (rounds, organisations, accounts, ~200 positions, "
        "intelligence notes)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset-dates",
            action="store_true",
            help="Move the demo rounds relative to today, so that Ronda 1 is open for input again.",
        )

    def handle(self, *args: Any, reset_dates: bool = False, **options: Any) -> None:
        started = timezone.now()
        report = seed_demo(reset_dates=reset_dates)
        if options.get("verbosity", 1) < 1:
            return
        for name, counts in report.items():
            if name == "position status":
                if counts:
                    self.stdout.write(
                        "new positions by status: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
                    )
                continue
            self.stdout.write(
                f"{name}: {counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged"
            )
        seconds = (timezone.now() - started).total_seconds()
        open_round = Round.objects.filter(label=demo.OPEN_ROUND_LABEL).order_by("-starts_on").first()
        if open_round is not None and not open_round.accepts_input:
            self.stdout.write(
                self.style.WARNING(
                    f"«{open_round.label}» is no longer open for input; `manage.py seed_demo --reset-dates` "
                    "moves the demo rounds relative to today."
                )
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready in {seconds:.1f} s. Demo accounts (@{demo.DEMO_DOMAIN}) use the password "
                f"{demo.DEMO_PASSWORD}; staff accounts then a code from an authenticator app with the secret "
                f"{demo.DEMO_TOTP_SECRET} (or `manage.py demo_code`)."
            )
        )
