"""factory_boy factories shared by the whole suite."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from consultations import models

PASSWORD = "correct-horse-battery"  # every factory user's
# The authenticator-app secret of every user the factories enrol (staff): tests compute its code with totp_code().
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.mx")
    full_name = factory.Faker("name", locale="es_MX")
    language = "es"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()
            if obj.is_staff or obj.is_superuser:
                enrol_totp(obj)


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Sector
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"9{n:03d}")
    name_en = factory.Sequence(lambda n: f"Sector {n}")
    name_es = factory.Sequence(lambda n: f"Sector {n}")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organisation

    name = factory.Sequence(lambda n: f"Cámara Ficticia {n}")
    acronym = factory.Sequence(lambda n: f"CF{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = models.Membership.Role.DELEGATE


class ChapterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Chapter
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: (n % 34) + 1)
    title_en = factory.LazyAttribute(lambda o: f"Chapter {o.number}")
    title_es = factory.LazyAttribute(lambda o: f"Capítulo {o.number}")


class RoundFactory(factory.django.DjangoModelFactory):
    """By default a round open for input now: deadline in 10 days, session in 20."""

    class Meta:
        model = models.Round

    label = factory.Sequence(lambda n: f"Ronda de prueba {n}")
    city = "Ciudad de México"
    country = "MX"
    starts_on = factory.LazyFunction(lambda: (timezone.now() + dt.timedelta(days=20)).date())
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + dt.timedelta(days=4))
    input_opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=5))
    submission_deadline = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=10))
    digest_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=15))

    class Params:
        closed = factory.Trait(
            starts_on=factory.LazyFunction(lambda: (timezone.now() + dt.timedelta(days=5)).date()),
            input_opens_at=factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=30)),
            submission_deadline=factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1)),
            digest_at=factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=1)),
        )


class PositionFactory(factory.django.DjangoModelFactory):
    """A draft; pass status/filed_at for other states, or use the services to get there."""

    class Meta:
        model = models.Position

    organisation = factory.SubFactory(OrganisationFactory)
    chapter = factory.SubFactory(ChapterFactory)
    round = factory.SubFactory(RoundFactory)
    title = factory.Sequence(lambda n: f"Posición de prueba {n}")
    summary = "Resumen de la posición."
    stance = models.Stance.DEFENSIVE
    priority = models.Priority.HIGH
    created_by = factory.SubFactory(UserFactory)


def official(*, chapters: list[models.Chapter], negotiator: bool = False, coordinator: bool = False) -> models.User:
    """An official (a negotiator, the coordinator's team) with an authenticator app enrolled, as staff must have."""
    user = UserFactory()
    profile = models.OfficialProfile.objects.create(user=user, is_negotiator=negotiator, is_coordinator=coordinator)
    profile.chapters.set(chapters)
    enrol_totp(user)
    return user


def enrol_totp(user: models.User, secret: str = TOTP_SECRET) -> str:
    """Give ``user`` an authenticator app (TOTP) and recovery codes, as the set-up page does; returns the secret
    (``totp_code(secret)`` is the code the app shows now)."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def totp_code(secret: str = TOTP_SECRET) -> str:
    """The code an authenticator app with ``secret`` shows now."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))
