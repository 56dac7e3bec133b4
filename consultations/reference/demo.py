"""Fictional demo data for the 2026 joint review: rounds, organisations, accounts and illustrative positions.

Every organisation, person and position here is invented. Organisation names end in "(demo)" and acronyms in
"-demo" so they can never be mistaken for a real chamber; the position texts are illustrative, inspired by the
public record of the 2017–2018 focos rojos, and attributed to no real organisation.
``seed_demo`` writes this data; ``DEMO_ACCOUNTS`` and ``DEMO_PASSWORD`` let other commands print the sign-ins.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import random
import uuid
import zoneinfo
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from django.conf import settings

from consultations.models import (
    Confidentiality,
    Membership,
    OfficialProfile,
    Organisation,
    Priority,
    Round,
    Stance,
)
from consultations.reference.usmca import Schedule, consultation_schedule

DEMO_PASSWORD = "cuarto-demo-2026"  # noqa: S105 - the published password of the fictional demo accounts
# The published authenticator-app secret of the demo's staff accounts (officials, negotiator, coordinator, admin),
# who must sign in with a code: add it to an authenticator app, or run `manage.py demo_code` for the current code.
DEMO_TOTP_SECRET = "CUARTODEJUNTODEMOVEINTISEISAAAAA"  # noqa: S105 - fictional accounts, published on purpose
DEMO_DOMAIN = "demo.cuartodejunto.mx"
RANDOM_SEED = 2026
POSITION_COUNT = 200
DISCLAIMER = "Texto ilustrativo de demostración; no representa la posición de ninguna organización real."


def demo_email(local_part: str) -> str:
    return f"{local_part}@{DEMO_DOMAIN}"


# --- Rounds ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoRound:
    key: Literal["earlier", "open", "later"]
    kind: str
    format: str
    label: str
    label_en: str
    city: str
    country: str
    time_zone: str
    starts_on: dt.date
    ends_on: dt.date
    schedule: Schedule
    notes: str


OPEN_ROUND_LABEL = "Revisión conjunta 2026 — Ronda 1"


def demo_rounds(*, now: dt.datetime) -> tuple[DemoRound, ...]:
    """The demo rounds anchored on ``now``: one concluded, one open for input, one planned."""
    mexico = "America/Mexico_City"
    today = now.astimezone(zoneinfo.ZoneInfo(mexico)).date()
    open_starts = today + dt.timedelta(days=21)
    open_schedule = consultation_schedule(starts_on=open_starts, time_zone=mexico)
    earlier_starts = today - dt.timedelta(days=50)
    later_starts = today + dt.timedelta(days=70)
    return (
        DemoRound(
            key="earlier",
            kind=Round.Kind.TECHNICAL,
            format=Round.Format.TRILATERAL,
            label="Revisión conjunta 2026 — Reunión técnica preparatoria",
            label_en="2026 joint review — Preparatory technical meeting",
            city="Washington, D.C.",
            country="US",
            time_zone="America/New_York",
            starts_on=earlier_starts,
            ends_on=earlier_starts + dt.timedelta(days=2),
            schedule=consultation_schedule(starts_on=earlier_starts, time_zone="America/New_York"),
            notes="Ronda de demostración (ficticia), ya concluida.",
        ),
        DemoRound(
            key="open",
            kind=Round.Kind.FORMAL,
            format=Round.Format.TRILATERAL,
            label=OPEN_ROUND_LABEL,
            label_en="2026 joint review — Round 1",
            city="Ciudad de México",
            country="MX",
            time_zone=mexico,
            starts_on=open_starts,
            ends_on=open_starts + dt.timedelta(days=4),
            # Opened two weeks ago, so the demo shows a call for positions already under way.
            schedule=Schedule(
                input_opens_at=now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(days=14),
                submission_deadline=open_schedule.submission_deadline,
                digest_at=open_schedule.digest_at,
            ),
            notes="Ronda de demostración (ficticia), abierta a posiciones.",
        ),
        DemoRound(
            key="later",
            kind=Round.Kind.FORMAL,
            format=Round.Format.TRILATERAL,
            label="Revisión conjunta 2026 — Ronda 2",
            label_en="2026 joint review — Round 2",
            city="Ottawa",
            country="CA",
            time_zone="America/Toronto",
            starts_on=later_starts,
            ends_on=later_starts + dt.timedelta(days=4),
            schedule=consultation_schedule(starts_on=later_starts, time_zone="America/Toronto"),
            notes="Ronda de demostración (ficticia), programada.",
        ),
    )


# --- Organisations ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoOrganisation:
    key: str
    name: str
    acronym: str
    kind: str
    sectors: tuple[str, ...]
    chapters: tuple[int, ...]
    product: str  # how the position texts name what the organisation makes or sells
    hs_lines: tuple[str, ...] = ()
    requires_signoff: bool = False

    @property
    def liaison_email(self) -> str:
        """The author of the organisation's demo positions when it has no published demo account."""
        return demo_email(f"enlace.{self.acronym.removesuffix('-demo').lower()}")


_CHAMBER = Organisation.Kind.CHAMBER
_ASSOCIATION = Organisation.Kind.ASSOCIATION
_COMPANY = Organisation.Kind.COMPANY

DEMO_ORGANISATIONS: tuple[DemoOrganisation, ...] = (
    DemoOrganisation(
        "a",
        "Asociación de Autopartes del Bajío (demo)",
        "AAB-demo",
        _ASSOCIATION,
        ("3363", "336"),
        (2, 4, 5, 7, 12, 34),
        "autopartes",
        ("8708.29", "8708.40", "8708.99", "8544.30"),
        requires_signoff=True,
    ),
    DemoOrganisation(
        "b",
        "Consejo Hortofrutícola del Pacífico Norte (demo)",
        "CHPN-demo",
        _ASSOCIATION,
        ("111",),
        (3, 7, 9, 10),
        "hortalizas y frutas frescas",
        ("0702.00", "0709.60", "0807.11", "0810.10"),
    ),
    DemoOrganisation(
        "ganaderos",
        "Unión de Ganaderos Exportadores del Norte (demo)",
        "UGEN-demo",
        _ASSOCIATION,
        ("112", "311"),
        (3, 9, 10),
        "ganado y carne de bovino",
        ("0102.29", "0201.30", "0202.30"),
    ),
    DemoOrganisation(
        "armadora",
        "Armadora Ficticia del Norte, S.A. de C.V. (demo)",
        "AFN-demo",
        _COMPANY,
        ("3361",),
        (4, 5, 11, 12, 34),
        "vehículos ligeros y camiones",
        ("8703.23", "8703.80", "8704.21", "8704.22"),
        requires_signoff=True,
    ),
    DemoOrganisation(
        "quimica",
        "Foro de la Industria Química Sustentable (demo)",
        "FIQS-demo",
        _ASSOCIATION,
        ("325",),
        (2, 4, 11, 20, 24),
        "productos químicos y resinas",
        ("3901.10", "3907.61", "2905.11"),
        requires_signoff=True,
    ),
    DemoOrganisation(
        "software",
        "Asociación de Software y Servicios en la Nube de Occidente (demo)",
        "ASNO-demo",
        _ASSOCIATION,
        ("5112", "5182"),
        (15, 18, 19, 20),
        "software y servicios en la nube",
    ),
    DemoOrganisation(
        "datos",
        "Red de Centros de Datos del Norte (demo)",
        "RCDN-demo",
        _ASSOCIATION,
        ("5182",),
        (14, 18, 19),
        "servicios de centros de datos",
    ),
    DemoOrganisation(
        "telecom",
        "Consejo de Operadores de Telecomunicaciones Independientes (demo)",
        "COTI-demo",
        _ASSOCIATION,
        ("517",),
        (14, 15, 18, 22),
        "servicios de telecomunicaciones",
    ),
    DemoOrganisation(
        "financieros",
        "Asociación de Intermediarios Financieros Regionales (demo)",
        "AIFR-demo",
        _ASSOCIATION,
        ("522",),
        (14, 17, 33, 34),
        "servicios financieros",
        requires_signoff=True,
    ),
    DemoOrganisation(
        "hidrocarburos",
        "Agrupación de Productores Independientes de Hidrocarburos (demo)",
        "APIH-demo",
        _ASSOCIATION,
        ("211",),
        (8, 13, 14, 22),
        "petróleo crudo y gas natural",
        ("2709.00", "2711.21", "2710.12"),
        requires_signoff=True,
    ),
    DemoOrganisation(
        "mineria",
        "Cámara Minera de la Sierra Madre (demo)",
        "CMSM-demo",
        _CHAMBER,
        ("212",),
        (2, 14, 24),
        "minerales metálicos",
        ("2603.00", "2616.10", "7108.12"),
    ),
    DemoOrganisation(
        "alimentos",
        "Asociación de la Industria Alimentaria del Centro (demo)",
        "AIAC-demo",
        _ASSOCIATION,
        ("311",),
        (3, 4, 9, 11),
        "alimentos procesados",
        ("1905.90", "2103.90", "1704.90"),
    ),
    DemoOrganisation(
        "textil",
        "Alianza Textil de Puebla y Tlaxcala (demo)",
        "ATPT-demo",
        _ASSOCIATION,
        ("313",),
        (4, 5, 6),
        "hilos y telas",
        ("5209.42", "5407.61", "5515.11"),
    ),
    DemoOrganisation(
        "confeccion",
        "Consejo de la Confección de Yucatán (demo)",
        "CCY-demo",
        _ASSOCIATION,
        ("315",),
        (4, 6, 16),
        "prendas de vestir",
        ("6203.42", "6109.10", "6204.62"),
    ),
    DemoOrganisation(
        "acero",
        "Asociación de Acereros y Fundidores del Noreste (demo)",
        "AAFN-demo",
        _ASSOCIATION,
        ("331",),
        (2, 4, 10, 31),
        "acero y aluminio",
        ("7208.51", "7210.49", "7306.30", "7601.10"),
        requires_signoff=True,
    ),
    DemoOrganisation(
        "electronica",
        "Clúster Electrónico de Baja California (demo)",
        "CEBC-demo",
        _ASSOCIATION,
        ("334",),
        (4, 5, 7, 19),
        "equipo electrónico y de cómputo",
        ("8528.72", "8471.30", "8517.62"),
    ),
    DemoOrganisation(
        "transporte",
        "Asociación de Transportistas Transfronterizos del Norte (demo)",
        "ATTN-demo",
        _ASSOCIATION,
        ("484",),
        (7, 15, 16),
        "servicios de autotransporte de carga",
    ),
    DemoOrganisation(
        "ferroviario",
        "Consorcio Ferroviario y Aeroespacial del Bajío (demo)",
        "CFAB-demo",
        _ASSOCIATION,
        ("336",),
        (4, 12, 13),
        "equipo ferroviario y aeroespacial",
        ("8606.10", "8607.19", "8807.30"),
    ),
    DemoOrganisation(
        "aguacate",
        "Federación de Productores de Aguacate y Berries de Occidente (demo)",
        "FPABO-demo",
        _ASSOCIATION,
        ("111",),
        (3, 9, 10),
        "aguacate y berries",
        ("0804.40", "0810.10", "0810.20", "0810.40"),
    ),
    DemoOrganisation(
        "pymes",
        "Asociación de Pequeñas Empresas Exportadoras (demo)",
        "APEE-demo",
        _ASSOCIATION,
        ("311", "315", "5112"),
        (5, 7, 25, 26),
        "productos de pequeñas y medianas empresas",
    ),
)


# --- Accounts --------------------------------------------------------------------------------------------

Role = Literal["admin", "delegate", "org_coordinator", "official", "negotiator", "coordinator"]


class DemoAccount(TypedDict):
    email: str
    full_name: str
    role: Role
    role_es: str
    role_en: str
    description: str
    description_es: str
    organisation: str  # the key of a DemoOrganisation, or "" for government and staff accounts


class DemoOfficial(TypedDict):
    email: str
    ministry: str
    chapters: tuple[int, ...]
    is_negotiator: bool
    is_coordinator: bool


DEMO_ACCOUNTS: list[DemoAccount] = [
    {
        "email": demo_email("admin"),
        "full_name": "Administración de la plataforma (demo)",
        "role": "admin",
        "role_es": "Administración",
        "role_en": "Admin",
        "description": "Platform staff: Django admin and round management.",
        "description_es": "Personal de la plataforma: administración de Django y gestión de rondas.",
        "organisation": "",
    },
    {
        "email": demo_email("delegada.a"),
        "full_name": "Daniela Arriaga (demo)",
        "role": "delegate",
        "role_es": "Delegada",
        "role_en": "Delegate",
        "description": "Delegate of AAB-demo (auto parts); its filings need the coordinator's sign-off.",
        "description_es": "Delegada de AAB-demo (autopartes); sus posiciones requieren visto bueno del coordinador.",
        "organisation": "a",
    },
    {
        "email": demo_email("coordinador.a"),
        "full_name": "Carlos Alcántara (demo)",
        "role": "org_coordinator",
        "role_es": "Coordinador de organización",
        "role_en": "Organisation coordinator",
        "description": "Coordinator of AAB-demo: signs off positions and manages its delegates.",
        "description_es": "Coordinador de AAB-demo: da el visto bueno a posiciones y gestiona a sus delegados.",
        "organisation": "a",
    },
    {
        "email": demo_email("delegado.b"),
        "full_name": "Diego Bernal (demo)",
        "role": "delegate",
        "role_es": "Delegado",
        "role_en": "Delegate",
        "description": "Delegate of CHPN-demo (fresh produce); files positions directly.",
        "description_es": "Delegado de CHPN-demo (hortofrutícola); presenta posiciones directamente.",
        "organisation": "b",
    },
    {
        "email": demo_email("coordinadora.b"),
        "full_name": "Carmen Barrios (demo)",
        "role": "org_coordinator",
        "role_es": "Coordinadora de organización",
        "role_en": "Organisation coordinator",
        "description": "Coordinator of CHPN-demo: manages its delegates.",
        "description_es": "Coordinadora de CHPN-demo: gestiona a sus delegados.",
        "organisation": "b",
    },
    {
        "email": demo_email("funcionaria.agricultura"),
        "full_name": "Fernanda Aguilar (demo)",
        "role": "official",
        "role_es": "Funcionaria",
        "role_en": "Official",
        "description": "Secretaría de Agricultura analyst for chapters 3 and 9.",
        "description_es": "Analista de la Secretaría de Agricultura para los capítulos 3 y 9.",
        "organisation": "",
    },
    {
        "email": demo_email("funcionario.origen"),
        "full_name": "Francisco Ortega (demo)",
        "role": "official",
        "role_es": "Funcionario",
        "role_en": "Official",
        "description": "Secretaría de Economía analyst for chapters 4 and 5.",
        "description_es": "Analista de la Secretaría de Economía para los capítulos 4 y 5.",
        "organisation": "",
    },
    {
        "email": demo_email("negociador.autos"),
        "full_name": "Nicolás Aranda (demo)",
        "role": "negotiator",
        "role_es": "Negociador",
        "role_en": "Negotiator",
        "description": "Lead of the rules-of-origin table: chapters 4, 5 and 12; posts briefings and room questions.",
        "description_es": "Jefe de la mesa de reglas de origen: capítulos 4, 5 y 12; publica informes y consultas.",
        "organisation": "",
    },
    {
        "email": demo_email("coordinacion"),
        "full_name": "Coordinación de la negociación (demo)",
        "role": "coordinator",
        "role_es": "Coordinación (equipo del jefe negociador)",
        "role_en": "Coordinator (chief negotiator's team)",
        "description": "Reads everything across chapters; round-wide dashboards.",
        "description_es": "Ve todos los capítulos; tableros de toda la ronda.",
        "organisation": "",
    },
]

DEMO_OFFICIALS: tuple[DemoOfficial, ...] = (
    {
        "email": demo_email("funcionaria.agricultura"),
        "ministry": OfficialProfile.Ministry.AGRICULTURA,
        "chapters": (3, 9),
        "is_negotiator": False,
        "is_coordinator": False,
    },
    {
        "email": demo_email("funcionario.origen"),
        "ministry": OfficialProfile.Ministry.ECONOMIA,
        "chapters": (4, 5),
        "is_negotiator": False,
        "is_coordinator": False,
    },
    {
        "email": demo_email("negociador.autos"),
        "ministry": OfficialProfile.Ministry.ECONOMIA,
        "chapters": (4, 5, 12),
        "is_negotiator": True,
        "is_coordinator": False,
    },
    {
        "email": demo_email("coordinacion"),
        "ministry": OfficialProfile.Ministry.ECONOMIA,
        "chapters": (),
        "is_negotiator": False,
        "is_coordinator": True,
    },
)

# Consultations between ministries: Economía's rules-of-origin official asks Agricultura about agri-food positions
# of chapter 4. (question, answer or "", days the answer was due from the day the demo is seeded: <0 overdue)
DEMO_CONSULTATIONS: tuple[tuple[str, str, int], ...] = (
    (
        "¿Qué umbral de contenido regional puede sostener la agroindustria en las mercancías agroalimentarias "
        "procesadas de esta posición?",
        "SADER considera viable un 60 % con un periodo de transición de tres años para los insumos importados.",
        3,
    ),
    (
        "¿Hay riesgos sanitarios o de trazabilidad si se acepta la acumulación de origen que pide esta posición?",
        "",
        -2,
    ),
)


@dataclass(frozen=True, slots=True)
class DemoIntelligenceNote:
    """A "Cuarto de Inteligencia" note, written by ``author`` (an official of ``chapter``) through the service and
    found again by chapter and title. It links the first ``positions`` filed positions of its chapter in the open
    round, and the rounds named in ``rounds`` (keys of ``demo_rounds``)."""

    chapter: int
    author: str
    title: str
    body: str
    tags: tuple[str, ...]
    hs_lines: tuple[str, ...] = ()
    rounds: tuple[str, ...] = ("open",)
    positions: int = 2


DEMO_INTELLIGENCE_NOTES: tuple[DemoIntelligenceNote, ...] = (
    DemoIntelligenceNote(
        chapter=4,
        author=demo_email("funcionario.origen"),
        title="Valor de contenido regional en autopartes: dónde está el margen",
        body=(
            "## Hallazgos\n\n"
            "- Las armadoras declaran hoy entre 66 % y 72 % de VCR en vehículos ligeros; el umbral de 75 % se "
            "cumple sobre todo con motores y transmisiones regionales.\n"
            "- Las autopartes *esenciales* (8708.40, 8708.99) son el cuello de botella: la mitad del acero "
            "plano aún se importa de fuera de la región.\n\n"
            "## Recomendación\n\n"
            "Defender el 75 % con un periodo de transición de tres años para las esenciales, y no abrir el "
            "cálculo de valor de contenido laboral.\n\n"
            "*Fuentes: registros de certificación de origen 2024–2025 y entrevistas con la industria.*"
        ),
        tags=("reglas de origen", "automotriz", "VCR"),
        hs_lines=("8708.40", "8708.99", "8703.23"),
        rounds=("earlier", "open"),
        positions=3,
    ),
    DemoIntelligenceNote(
        chapter=4,
        author=demo_email("negociador.autos"),
        title="Lo que pedirá la contraparte en acero y aluminio",
        body=(
            "La contraparte insistirá en que el acero *fundido y vertido* en la región cuente para el VCR. "
            "Nuestra industria cumple en aceros planos, no en aceros especiales.\n\n"
            "1. Aceptar la regla para aceros planos (7208.10, 7208.25).\n"
            "2. Pedir un cupo de transición para aceros especiales.\n"
            "3. Vincularlo a la eliminación de los aranceles de la sección 232."
        ),
        tags=("acero", "reglas de origen", "contraparte"),
        hs_lines=("7208.10", "7208.25"),
    ),
    DemoIntelligenceNote(
        chapter=3,
        author=demo_email("funcionaria.agricultura"),
        title="Estacionalidad del tomate y del aguacate: argumentos para el capítulo agrícola",
        body=(
            "Las exportaciones de tomate (0702.00) se concentran de noviembre a abril; cualquier mecanismo "
            "estacional que proponga la contraparte afectaría casi todo el volumen.\n\n"
            "- El acuerdo de suspensión antidumping de 2019 sigue siendo la referencia.\n"
            "- El aguacate (0804.40) no enfrenta medidas hoy, pero conviene blindar el acceso sanitario."
        ),
        tags=("agricultura", "estacionalidad", "antidumping"),
        hs_lines=("0702.00", "0804.40"),
    ),
    DemoIntelligenceNote(
        chapter=5,
        author=demo_email("funcionario.origen"),
        title="Verificaciones de origen: tiempos reales en aduanas",
        body=(
            "Muestra de 120 verificaciones de origen de 2025: 41 días en promedio, frente a los 30 que fija el "
            "tratado. Las empresas pequeñas son las más afectadas por la falta de un expediente electrónico "
            "común.\n\n"
            "**Propuesta:** plazos vinculantes y ventanilla digital trilateral."
        ),
        tags=("aduanas", "verificación de origen", "pymes"),
        positions=1,
    ),
    DemoIntelligenceNote(
        chapter=12,
        author=demo_email("negociador.autos"),
        title="Anexo sectorial de químicos: cambios que piden ambos lados",
        body=(
            "Las asociaciones químicas de los tres países coinciden en simplificar la regla de cambio de "
            "clasificación para resinas (3901.10, 3907.61). El desacuerdo está en los precursores "
            "petroquímicos: conviene no ligarlos al capítulo de energía."
        ),
        tags=("química", "resinas", "anexos sectoriales"),
        hs_lines=("3901.10", "3907.61"),
        rounds=("earlier", "open"),
    ),
)


# The negotiator leads the table that holds chapters 4 and 5 (see consultations.reference.usmca.TABLES).
DEMO_TABLE_LEADS: dict[str, str] = {
    "Reglas de origen y procedimientos aduaneros": demo_email("negociador.autos"),
}

MEMBERSHIP_ROLES: dict[Role, str] = {
    "delegate": Membership.Role.DELEGATE,
    "org_coordinator": Membership.Role.COORDINATOR,
}


# --- Positions -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Topic:
    """An illustrative position for any organisation following ``chapter``; ``{producto}`` is filled in."""

    chapter: int
    stance: str
    title: str
    summary: str
    body: str
    outcome: str
    fallback: str
    red_flag: bool = False
    sectors: tuple[str, ...] = ()  # only organisations in one of these sectors file it; () = any


_OFF = Stance.OFFENSIVE
_DEF = Stance.DEFENSIVE
_CON = Stance.CONDITIONAL
_AUTO = ("3361", "3363", "336", "331", "334")
_FARM = ("111", "112")

TOPICS: tuple[Topic, ...] = (
    # 2 — National treatment and market access
    Topic(
        2,
        _OFF,
        "Mantener el arancel cero para {producto} de origen regional",
        "Pedimos que la revisión conjunta confirme la eliminación total de aranceles para {producto} que "
        "cumplen "
        "las reglas de origen, sin nuevas excepciones.",
        "El comercio regional de {producto} se organizó sobre la certeza del arancel cero. Reintroducir "
        "aranceles, "
        "aun de forma temporal, rompería cadenas de suministro que cruzan la frontera varias veces.",
        "Compromiso expreso de las tres Partes de no reintroducir aranceles a mercancías originarias.",
        "Si se revisa algún calendario, periodos de transición de al menos cinco años y cupos libres de arancel.",
    ),
    Topic(
        2,
        _DEF,
        "Rechazo a aranceles unilaterales por seguridad nacional sobre {producto}",
        "Los aranceles unilaterales justificados por seguridad nacional anulan en la práctica el acceso "
        "preferencial negociado para {producto}.",
        "Las medidas de este tipo se aplicaron en 2018 y volvieron a discutirse en 2025. Sin una disciplina "
        "regional, el acceso preferencial queda sujeto a decisiones que no pasan por el tratado.",
        "Exención de las mercancías originarias de la región, o consultas previas obligatorias antes de aplicarlas.",
        "Cupos exentos calculados sobre el comercio histórico de los últimos tres años.",
    ),
    Topic(
        2,
        _CON,
        "Eliminar licencias de importación que duplican controles para {producto}",
        "Proponemos revisar los requisitos de licencia que siguen aplicándose a {producto} y que duplican "
        "los "
        "controles aduaneros.",
        "Los permisos previos añaden entre cinco y quince días a cada operación sin aportar información que "
        "la "
        "autoridad aduanera no tenga ya.",
        "Lista acordada de licencias a eliminar en un plazo de un año.",
        "Trámite electrónico único con resolución en cinco días hábiles.",
    ),
    # 3 — Agriculture
    Topic(
        3,
        _OFF,
        "Mayor acceso a Canadá para {producto} de México",
        "Pedimos ampliar los cupos de Canadá para {producto} de México y hacer transparente su asignación.",
        "Los cupos actuales se asignan con criterios históricos que favorecen a importadores establecidos y "
        "dejan sin usar parte del volumen negociado.",
        "Cupos ampliados y asignación por orden de llegada, publicada trimestralmente.",
        "Aumento gradual del 3 % anual del volumen de los cupos vigentes.",
    ),
    Topic(
        3,
        _DEF,
        "Salvaguardas agrícolas solo con evidencia y consultas previas",
        "Cualquier salvaguarda sobre {producto} debe basarse en daño demostrado y activarse tras consultas.",
        "Las cosechas de {producto} se planean con un año de anticipación; una salvaguarda sorpresiva deja "
        "producto perecedero sin mercado.",
        "Procedimiento de salvaguarda con consultas previas de 30 días y evidencia pública de daño.",
        "Que cualquier salvaguarda excluya los envíos contratados antes de su publicación.",
    ),
    Topic(
        3,
        _CON,
        "Disciplinas a los apoyos internos que distorsionan precios de {producto}",
        "Si se revisan las disciplinas agrícolas, deben incluir los programas de pagos directos de las tres Partes.",
        "Los apoyos internos elevados permiten exportar {producto} por debajo de su costo, con efectos sobre "
        "productores mexicanos que no reciben apoyos comparables.",
        "Transparencia anual de apoyos internos por producto y consultas cuando excedan un umbral acordado.",
        "Un grupo de trabajo trilateral sobre apoyos internos con informe público en 18 meses.",
    ),
    # 4 — Rules of origin
    Topic(
        4,
        _DEF,
        "No al 85 % de valor regional con 50 % de contenido estadounidense",
        "Rechazamos cualquier propuesta, como la planteada en 2017, de elevar el valor de contenido regional "
        "automotriz al 85 % con un 50 % obligatorio de contenido de Estados Unidos.",
        "La regla sería imposible de cumplir para la mayoría de los modelos producidos en México: las "
        "armadoras "
        "preferirían pagar el arancel de nación más favorecida y abandonar la cadena regional. Para "
        "{producto} "
        "eso significa perder pedidos de proveedores de primer nivel.",
        "Mantener el valor de contenido regional vigente, sin contenido nacional obligatorio de un solo país.",
        "Cualquier aumento, gradual en no menos de siete años y sin requisito de contenido de una sola Parte.",
        red_flag=True,
        sectors=_AUTO,
    ),
    Topic(
        4,
        _CON,
        "Acumulación de origen para insumos de {producto}",
        "Pedimos que los insumos de cualquiera de las tres Partes cuenten plenamente como originarios en {producto}.",
        "La acumulación plena reconoce que la producción regional de {producto} integra insumos de los tres "
        "países; sin ella, el cálculo de origen castiga a quien más se integra.",
        "Acumulación plena entre las tres Partes para el cálculo de origen.",
        "Acumulación al menos para los insumos listados en el anexo de la regla específica.",
    ),
    Topic(
        4,
        _OFF,
        "Reglas de origen verificables y sencillas para {producto}",
        "Proponemos reglas basadas en cambio de clasificación arancelaria cuando el cálculo de valor de "
        "contenido regional sea desproporcionado.",
        "Para empresas medianas el cálculo de valor regional exige sistemas de costeo que no tienen; una "
        "regla de "
        "salto arancelario da el mismo resultado con menos cargas.",
        "Regla alternativa de cambio de clasificación arancelaria para {producto}.",
        "Umbral de minimis del 10 % de materiales no originarios.",
    ),
    # 5 — Origin procedures
    Topic(
        5,
        _OFF,
        "Certificación de origen electrónica para {producto}",
        "Pedimos que la certificación de origen pueda hacerse por medios electrónicos, sin formato "
        "obligatorio "
        "y con firma electrónica reconocida por las tres Partes.",
        "La certificación en papel genera rechazos por errores de forma que no afectan el origen de la mercancía.",
        "Certificación electrónica aceptada en las tres aduanas, con datos mínimos comunes.",
        "Periodo de gracia de 30 días para corregir errores de forma sin perder la preferencia.",
    ),
    Topic(
        5,
        _DEF,
        "Plazos razonables en verificaciones de origen de {producto}",
        "Las verificaciones de origen deben tener plazos ciertos y permitir presentar información adicional.",
        "Una verificación abierta sin plazo suspende de hecho la preferencia para todos los embarques del "
        "exportador verificado.",
        "Plazo máximo de 180 días para concluir una verificación, con derecho de audiencia.",
        "Que la preferencia se mantenga durante la verificación mediante garantía.",
    ),
    Topic(
        5,
        _CON,
        "Registros digitales aceptados en auditorías de origen",
        "Proponemos que los registros contables y de producción en formato digital sean prueba suficiente.",
        "Conservar expedientes físicos por cinco años representa un costo alto para exportadores de {producto}.",
        "Aceptación expresa de registros digitales con integridad verificable.",
        "Aceptación de copias digitalizadas certificadas.",
    ),
    # 6 — Textiles and apparel
    Topic(
        6,
        _DEF,
        "Conservar la regla de hilo en adelante para {producto}",
        "La regla de hilo en adelante protege la integración textil regional y debe mantenerse.",
        "Flexibilizar la regla abriría la puerta a hilos y telas de fuera de la región con apoyos públicos, "
        "desplazando a proveedores mexicanos de {producto}.",
        "Mantener la regla vigente sin nuevas excepciones.",
        "Excepciones solo por escaso abasto demostrado y temporales.",
    ),
    Topic(
        6,
        _OFF,
        "Ampliar los niveles de preferencia arancelaria para {producto}",
        "Pedimos ampliar los niveles de preferencia arancelaria (TPL) para {producto} que no cumplen la regla.",
        "Los niveles vigentes se agotan en el primer semestre, lo que concentra exportaciones y encarece la logística.",
        "Aumento del 20 % de los niveles de preferencia y asignación trimestral.",
        "Asignación trimestral sin aumento de volumen.",
    ),
    Topic(
        6,
        _CON,
        "Lista de escaso abasto ágil y revisable",
        "Proponemos un procedimiento de 60 días para incluir o retirar insumos de la lista de escaso abasto.",
        "La lista vigente no refleja la capacidad real de la región para ciertos insumos de {producto}.",
        "Procedimiento con plazos y participación de productores de las tres Partes.",
        "Revisión anual de la lista con consulta pública.",
    ),
    # 7 — Customs and trade facilitation
    Topic(
        7,
        _OFF,
        "Despacho conjunto y ventanilla única en cruces fronterizos",
        "Pedimos inspecciones conjuntas y una ventanilla única en los principales cruces para {producto}.",
        "Los tiempos de cruce en la frontera norte superan con frecuencia las seis horas; la revisión "
        "duplicada "
        "en ambos lados explica buena parte del retraso.",
        "Programa de despacho conjunto en los diez cruces de mayor volumen en dos años.",
        "Programa piloto en tres cruces con metas públicas de tiempo.",
    ),
    Topic(
        7,
        _OFF,
        "Resoluciones anticipadas vinculantes en 90 días",
        "Las resoluciones anticipadas de clasificación y origen deben emitirse en 90 días y obligar a la autoridad.",
        "Sin certeza previa, cada embarque de {producto} corre el riesgo de una reclasificación posterior.",
        "Plazo de 90 días y vigencia mínima de tres años.",
        "Plazo de 120 días con afirmativa ficta.",
    ),
    Topic(
        7,
        _CON,
        "Reconocimiento mutuo de operadores económicos autorizados",
        "Proponemos que los programas de operador económico autorizado de las tres Partes se reconozcan entre sí.",
        "Una empresa certificada en México pasa hoy por los mismos controles que una desconocida al entrar a "
        "Estados Unidos o Canadá.",
        "Reconocimiento mutuo pleno con beneficios equivalentes.",
        "Carril preferente para operadores certificados en los cruces principales.",
    ),
    # 8 — Hydrocarbons
    Topic(
        8,
        _CON,
        "Certeza para contratos vigentes de exploración y extracción",
        "El reconocimiento de la propiedad del Estado sobre hidrocarburos debe convivir con la certeza de "
        "los "
        "contratos ya otorgados.",
        "Los proyectos de {producto} tienen horizontes de inversión de 15 a 25 años que dependen de reglas estables.",
        "Declaración de que el capítulo no afecta derechos adquiridos conforme a contratos vigentes.",
        "Consultas previas antes de cambios regulatorios que afecten contratos vigentes.",
    ),
    Topic(
        8,
        _DEF,
        "El capítulo 8 no debe leerse como renuncia a disciplinas de inversión",
        "Pedimos que la revisión no amplíe el capítulo 8 en detrimento de las disciplinas de inversión.",
        "Una lectura amplia del capítulo dejaría a los productores independientes de {producto} sin "
        "protección "
        "frente a cambios de permisos.",
        "Mantener el texto vigente del capítulo sin ampliaciones.",
        "Nota interpretativa que acote el alcance del capítulo.",
    ),
    Topic(
        8,
        _OFF,
        "Acceso no discriminatorio a infraestructura de transporte de gas",
        "Proponemos compromisos de acceso abierto y no discriminatorio a ductos y terminales.",
        "El acceso a infraestructura define la competitividad de {producto} tanto como el costo de extracción.",
        "Acceso abierto con tarifas reguladas y publicadas.",
        "Publicación de capacidad disponible y criterios de asignación.",
    ),
    # 9 — Sanitary and phytosanitary measures
    Topic(
        9,
        _OFF,
        "Reconocimiento de regionalización sanitaria para {producto}",
        "Pedimos que se reconozcan zonas libres de plagas y enfermedades dentro de México.",
        "Un brote localizado cierra hoy la exportación de {producto} de todo el país, aunque afecte a una sola región.",
        "Reconocimiento de regionalización en un plazo máximo de 120 días tras la solicitud.",
        "Procedimiento trilateral con plazos y visitas de verificación conjuntas.",
    ),
    Topic(
        9,
        _DEF,
        "Medidas fitosanitarias basadas en ciencia y no en la temporada",
        "Las medidas sanitarias sobre {producto} deben sustentarse en análisis de riesgo, no en calendarios "
        "comerciales.",
        "Hemos visto inspecciones reforzadas que coinciden con las temporadas de cosecha de los productores "
        "del "
        "país importador.",
        "Obligación de publicar el análisis de riesgo que sustenta cada medida.",
        "Consultas técnicas en 15 días cuando una medida afecte envíos en tránsito.",
    ),
    Topic(
        9,
        _CON,
        "Equivalencia de sistemas de inspección para {producto}",
        "Proponemos reconocer la equivalencia de los sistemas de inspección mexicanos ya auditados.",
        "La doble inspección de {producto} en origen y destino eleva costos y mermas sin reducir riesgos.",
        "Reconocimiento de equivalencia por sistema, no por establecimiento.",
        "Auditorías conjuntas con calendario anual.",
    ),
    # 10 — Trade remedies
    Topic(
        10,
        _DEF,
        "Conservar los paneles binacionales sobre antidumping y cuotas compensatorias",
        "Rechazamos eliminar la revisión por paneles binacionales de las resoluciones antidumping y "
        "compensatorias "
        "(el antiguo capítulo 19 del TLCAN), como se propuso en 2017.",
        "Los paneles son la única vía imparcial y expedita para revisar resoluciones que afectan a "
        "{producto}; "
        "sin ellos, la revisión queda en tribunales nacionales con plazos de años.",
        "Mantener íntegra la sección de revisión por paneles binacionales.",
        "Plazos más cortos para la integración de paneles, sin reducir su alcance.",
        red_flag=True,
    ),
    Topic(
        10,
        _DEF,
        "No a remedios comerciales estacionales para productos perecederos",
        "Rechazamos un procedimiento de remedios estacionales que permita investigaciones por temporada para "
        "{producto}.",
        "La propuesta de 2017 permitiría a productores de una sola región y temporada iniciar "
        "investigaciones, "
        "con umbrales de daño mucho más bajos que los de la OMC.",
        "Ningún procedimiento estacional o regional de remedios comerciales.",
        "Si se discute, mismos estándares de daño que el Acuerdo Antidumping de la OMC.",
        red_flag=True,
        sectors=_FARM,
    ),
    Topic(
        10,
        _CON,
        "Transparencia en investigaciones antidumping contra {producto}",
        "Pedimos acceso a la información de las investigaciones y audiencias públicas en cada etapa.",
        "Los exportadores de {producto} a menudo conocen la metodología de cálculo hasta la resolución final.",
        "Acceso a expedientes y audiencia antes de la determinación preliminar.",
        "Notificación previa de la metodología con 30 días para comentarios.",
    ),
    # 11 — Technical barriers to trade
    Topic(
        11,
        _OFF,
        "Reconocimiento mutuo de evaluaciones de la conformidad para {producto}",
        "Pedimos que los organismos de evaluación de la conformidad acreditados en México sean reconocidos.",
        "Repetir pruebas de laboratorio para cada mercado eleva costos y retrasa lanzamientos de {producto}.",
        "Reconocimiento mutuo de organismos acreditados por entidades de las tres Partes.",
        "Reconocimiento de resultados de laboratorio para una lista prioritaria de normas.",
    ),
    Topic(
        11,
        _DEF,
        "Etiquetado sin requisitos discriminatorios de país de origen",
        "Rechazamos requisitos de etiquetado que distingan {producto} por país de origen sin sustento técnico.",
        "El etiquetado obligatorio de origen ha servido antes como barrera encubierta en la región.",
        "Disciplina expresa contra etiquetados de origen sin justificación técnica.",
        "Periodo de adaptación de 18 meses ante cualquier requisito nuevo.",
    ),
    Topic(
        11,
        _CON,
        "Periodo mínimo entre publicación y vigencia de reglamentos técnicos",
        "Proponemos al menos 180 días entre la publicación y la entrada en vigor de un reglamento técnico.",
        "Los cambios de norma con plazos cortos obligan a detener líneas de {producto} ya en producción.",
        "180 días mínimos y consulta pública de 60 días.",
        "120 días mínimos.",
    ),
    # 12 — Sectoral annexes
    Topic(
        12,
        _OFF,
        "Convergencia regulatoria en normas de seguridad para {producto}",
        "Pedimos un plan de convergencia de normas de seguridad entre las tres Partes.",
        "Fabricar versiones distintas de {producto} para cada mercado norteamericano no agrega seguridad y sí costo.",
        "Plan de convergencia con calendario de tres años.",
        "Reconocimiento de equivalencia en una lista prioritaria de normas.",
    ),
    Topic(
        12,
        _CON,
        "Reconocimiento de pruebas realizadas en laboratorios mexicanos",
        "Proponemos que las pruebas de desempeño y emisiones hechas en México cuenten para los tres mercados.",
        "La capacidad de laboratorios en México para {producto} ha crecido y está acreditada internacionalmente.",
        "Reconocimiento de laboratorios acreditados.",
        "Proyecto piloto con dos laboratorios por Parte.",
    ),
    Topic(
        12,
        _DEF,
        "Sin certificaciones adicionales en el anexo sectorial de {producto}",
        "Rechazamos que la revisión agregue requisitos de certificación exclusivos de un mercado.",
        "Cada certificación adicional representa meses de trámite y costos fijos que pagan los proveedores "
        "de "
        "{producto}.",
        "Ningún requisito de certificación nuevo sin análisis de impacto.",
        "Transición de dos años para cualquier requisito nuevo.",
    ),
    # 13 — Government procurement
    Topic(
        13,
        _DEF,
        "Rechazo al tope de contratación pública «dólar por dólar»",
        "Rechazamos limitar el acceso de proveedores mexicanos a las compras públicas de Estados Unidos al "
        "monto "
        "que empresas estadounidenses ganen en México, como se propuso en 2017.",
        "El tope «dólar por dólar» reduciría el mercado abierto a {producto} a una fracción del actual y "
        "sustituiría reglas por una cuenta de saldos.",
        "Mantener el acceso conforme a umbrales y listas de entidades, sin topes por saldo.",
        "Si hay topes, calculados sobre el total regional y revisados cada tres años.",
        red_flag=True,
    ),
    Topic(
        13,
        _OFF,
        "Acceso a compras de entidades subfederales",
        "Pedimos incluir compras de estados y provincias en la cobertura del capítulo.",
        "Buena parte de las compras de {producto} en Estados Unidos y Canadá las hacen gobiernos subfederales.",
        "Cobertura de al menos diez estados y provincias en la primera etapa.",
        "Compromiso de negociar la cobertura subfederal en dos años.",
    ),
    Topic(
        13,
        _CON,
        "Umbrales de contratación actualizados y publicados",
        "Proponemos actualizar los umbrales cada dos años y publicarlos en la moneda de cada Parte.",
        "La falta de claridad sobre umbrales ha excluido a proveedores de {producto} de licitaciones cubiertas.",
        "Publicación bienal de umbrales en pesos, dólares estadounidenses y canadienses.",
        "Publicación bienal en dólares estadounidenses.",
    ),
    # 14 — Investment
    Topic(
        14,
        _DEF,
        "Mantener el arbitraje inversionista-Estado como derecho, no como opción",
        "Rechazamos que el mecanismo de solución de controversias inversionista-Estado se vuelva opcional o "
        "se "
        "reduzca aún más, como se propuso en 2017.",
        "Sin arbitraje internacional, las inversiones de largo plazo en {producto} pierden su principal "
        "garantía "
        "frente a cambios regulatorios.",
        "Restablecer el arbitraje inversionista-Estado pleno entre las tres Partes.",
        "Mantener al menos la cobertura vigente para sectores cubiertos y contratos gubernamentales.",
        red_flag=True,
    ),
    Topic(
        14,
        _CON,
        "Trato nacional y de nación más favorecida para inversiones en {producto}",
        "Las inversiones mexicanas en {producto} deben recibir trato nacional en las tres Partes.",
        "Los mecanismos de revisión de inversiones extranjeras se han ampliado sin distinguir a socios del tratado.",
        "Trato preferente para inversionistas de la región en revisiones de seguridad nacional.",
        "Plazos y criterios publicados para esas revisiones.",
    ),
    Topic(
        14,
        _DEF,
        "Protección contra expropiación indirecta por cambios regulatorios",
        "Pedimos mantener la disciplina sobre expropiación indirecta y compensación.",
        "Cambios regulatorios abruptos pueden anular el valor de una inversión en {producto} sin que medie "
        "una "
        "expropiación formal.",
        "Mantener la disciplina vigente y su anexo interpretativo.",
        "Mecanismo de consulta previa a cambios regulatorios de alto impacto.",
    ),
    # 15 — Cross-border trade in services
    Topic(
        15,
        _OFF,
        "Prestación transfronteriza sin presencia local obligatoria",
        "Pedimos que las Partes no exijan presencia local para prestar {producto} a distancia.",
        "Los requisitos de oficina local multiplican costos fijos para prestadores mexicanos de {producto}.",
        "Prohibición de requisitos de presencia local salvo reservas listadas.",
        "Lista de reservas congelada en su nivel actual.",
    ),
    Topic(
        15,
        _CON,
        "Reconocimiento de licencias y certificaciones profesionales",
        "Proponemos un marco para reconocer licencias profesionales relacionadas con {producto}.",
        "El reconocimiento de licencias es hoy caso por caso y por estado o provincia.",
        "Marco de reconocimiento con calendario para profesiones prioritarias.",
        "Grupo de trabajo con informe en un año.",
    ),
    Topic(
        15,
        _DEF,
        "Reciprocidad en el acceso al mercado de {producto}",
        "Cualquier apertura adicional en {producto} debe ser recíproca y gradual.",
        "Una apertura asimétrica dejaría a prestadores mexicanos compitiendo sin acceso equivalente.",
        "Compromisos recíprocos con calendario de implementación.",
        "Salvaguarda de revisión a los tres años.",
    ),
    # 16 — Temporary entry
    Topic(
        16,
        _OFF,
        "Ampliar la lista de profesiones con entrada temporal",
        "Pedimos actualizar la lista de profesiones del capítulo, que data de los años noventa.",
        "Perfiles técnicos clave para {producto} no figuran en la lista vigente.",
        "Lista actualizada con perfiles técnicos y digitales.",
        "Revisión periódica de la lista cada cinco años.",
    ),
    Topic(
        16,
        _OFF,
        "Tarjeta de viajero de negocios de Norteamérica",
        "Proponemos una tarjeta de viajero de negocios con entrada ágil en las tres Partes.",
        "Los viajes de negocios cortos para atender clientes de {producto} se retrasan por trámites repetidos.",
        "Tarjeta trilateral con vigencia de cinco años.",
        "Carril preferente para viajeros de negocios registrados.",
    ),
    Topic(
        16,
        _CON,
        "Plazos máximos para resolver solicitudes de entrada temporal",
        "Pedimos un plazo máximo de 15 días para resolver solicitudes de entrada temporal.",
        "La incertidumbre sobre plazos impide comprometer fechas de servicio a clientes de {producto}.",
        "15 días naturales y motivación de las negativas.",
        "30 días naturales.",
    ),
    # 17 — Financial services
    Topic(
        17,
        _OFF,
        "Pasaporte regional para servicios financieros transfronterizos",
        "Proponemos que ciertos servicios financieros autorizados en una Parte puedan ofrecerse en las otras.",
        "La autorización separada en cada mercado limita la escala de intermediarios mexicanos de {producto}.",
        "Pasaporte para una lista de servicios de bajo riesgo.",
        "Procedimiento de autorización simplificado para intermediarios ya supervisados.",
    ),
    Topic(
        17,
        _DEF,
        "Preservar la supervisión prudencial nacional",
        "Cualquier apertura debe mantener intacta la excepción prudencial.",
        "La estabilidad del sistema depende de que cada supervisor conserve sus facultades sobre {producto}.",
        "Excepción prudencial sin cambios.",
        "Nota interpretativa que confirme su alcance.",
    ),
    Topic(
        17,
        _CON,
        "Localización de datos financieros solo cuando el supervisor no tenga acceso",
        "Aceptamos requisitos de localización únicamente si el supervisor no puede acceder a la información.",
        "Duplicar infraestructura de datos por país encarece {producto} sin mejorar la supervisión.",
        "Regla de acceso del supervisor en lugar de localización obligatoria.",
        "Plazo de transición de tres años.",
    ),
    # 18 — Telecommunications
    Topic(
        18,
        _OFF,
        "Acceso a infraestructura pasiva a precios orientados a costos",
        "Pedimos acceso a postes, ductos y derechos de vía en condiciones no discriminatorias.",
        "El despliegue de redes para {producto} depende de infraestructura que controlan pocos operadores.",
        "Acceso con tarifas orientadas a costos y plazos de respuesta.",
        "Publicación de ofertas de referencia.",
    ),
    Topic(
        18,
        _DEF,
        "Disciplinas a operadores dominantes con un regulador fuerte",
        "Las disciplinas a operadores con poder sustancial deben ir acompañadas de un regulador independiente.",
        "Sin un regulador con facultades, las obligaciones a operadores dominantes no se cumplen.",
        "Compromiso de independencia y facultades del regulador.",
        "Mantener las disciplinas vigentes.",
    ),
    Topic(
        18,
        _CON,
        "Itinerancia regional a tarifas razonables",
        "Proponemos tarifas mayoristas de itinerancia razonables entre las tres Partes.",
        "Los usuarios de {producto} que cruzan la frontera pagan sobrecargos sin relación con costos.",
        "Tarifas mayoristas orientadas a costos.",
        "Transparencia de tarifas mayoristas.",
    ),
    # 19 — Digital trade
    Topic(
        19,
        _OFF,
        "Flujo transfronterizo de datos sin requisitos de localización",
        "Pedimos mantener la prohibición de exigir localización de servidores y restringir flujos de datos.",
        "Las empresas de {producto} atienden a clientes de las tres Partes desde infraestructura compartida.",
        "Mantener las disciplinas vigentes sin nuevas excepciones.",
        "Excepciones acotadas y justificadas por política pública legítima.",
    ),
    Topic(
        19,
        _CON,
        "Moratoria permanente de aranceles a transmisiones electrónicas",
        "Proponemos confirmar que no habrá aranceles a transmisiones electrónicas entre las Partes.",
        "La certeza fiscal es determinante para exportaciones digitales de {producto}.",
        "Compromiso permanente sin fecha de vencimiento.",
        "Compromiso renovable cada seis años.",
    ),
    Topic(
        19,
        _DEF,
        "Protección del código fuente con excepciones regulatorias acotadas",
        "El código fuente de {producto} no debe entregarse como condición de acceso al mercado.",
        "Exigir el código fuente expone secretos industriales de empresas mexicanas.",
        "Mantener la prohibición con excepciones para investigaciones específicas.",
        "Protocolo de confidencialidad para cualquier revisión regulatoria.",
    ),
    # 20 — Intellectual property
    Topic(
        20,
        _CON,
        "Equilibrio entre protección de datos de prueba y competencia",
        "Los plazos de protección de datos de prueba deben equilibrar innovación y competencia en {producto}.",
        "Plazos excesivos retrasan la entrada de competidores sin beneficio proporcional para la innovación.",
        "Mantener los plazos vigentes.",
        "Excepciones para investigación y trámites de registro.",
    ),
    Topic(
        20,
        _OFF,
        "Combate efectivo a la piratería en línea de {producto}",
        "Pedimos procedimientos ágiles de retiro de contenidos que infringen derechos sobre {producto}.",
        "La piratería en línea afecta a creadores mexicanos en los tres mercados.",
        "Procedimiento de notificación y retiro con plazos claros.",
        "Cooperación entre autoridades para casos transfronterizos.",
    ),
    Topic(
        20,
        _DEF,
        "Protección de nombres comunes frente a indicaciones geográficas",
        "Los nombres de uso común en {producto} no deben quedar reservados por indicaciones geográficas de terceros.",
        "Productores mexicanos usan términos genéricos que podrían quedar restringidos por acuerdos con terceros.",
        "Procedimiento de oposición y lista de nombres comunes.",
        "Consulta previa a cualquier reconocimiento de indicaciones geográficas.",
    ),
    # 22 — State-owned enterprises
    Topic(
        22,
        _CON,
        "Neutralidad competitiva frente a empresas del Estado",
        "Pedimos que las empresas del Estado compitan en {producto} en condiciones comerciales.",
        "Las ventajas regulatorias o financieras de empresas públicas desplazan a operadores privados.",
        "Obligación de actuar conforme a consideraciones comerciales.",
        "Transparencia de apoyos no comerciales.",
    ),
    Topic(
        22,
        _DEF,
        "Reconocer el papel de las empresas productivas del Estado",
        "Las disciplinas no deben impedir a las empresas productivas del Estado cumplir su mandato.",
        "Una disciplina mal calibrada afectaría cadenas de proveeduría nacionales de {producto}.",
        "Mantener las excepciones vigentes.",
        "Anexo de medidas no conformes actualizado.",
    ),
    Topic(
        22,
        _OFF,
        "Transparencia de apoyos no comerciales a empresas públicas",
        "Proponemos publicar anualmente los apoyos no comerciales a empresas públicas en {producto}.",
        "Sin información pública no es posible evaluar si hay distorsiones de competencia.",
        "Informe anual por empresa.",
        "Informe agregado por sector.",
    ),
    # 24 — Environment
    Topic(
        24,
        _CON,
        "Obligaciones ambientales sin uso proteccionista",
        "Las obligaciones ambientales deben aplicarse sin convertirse en barreras encubiertas a {producto}.",
        "Medidas ambientales unilaterales en frontera podrían afectar a exportadores sin considerar "
        "esfuerzos "
        "nacionales.",
        "Consultas previas antes de medidas ambientales en frontera.",
        "Reconocimiento de medidas nacionales equivalentes.",
    ),
    Topic(
        24,
        _OFF,
        "Reconocimiento de certificaciones ambientales mexicanas",
        "Pedimos reconocer certificaciones ambientales mexicanas en compras y cadenas de suministro.",
        "Las empresas de {producto} pagan certificaciones duplicadas para demostrar lo mismo.",
        "Reconocimiento mutuo de certificaciones acreditadas.",
        "Tabla de equivalencias publicada.",
    ),
    Topic(
        24,
        _DEF,
        "Plazos de adaptación para metas de emisiones en {producto}",
        "Cualquier meta nueva debe incluir plazos de adaptación realistas.",
        "La transición requiere inversiones con periodos de recuperación largos.",
        "Transición mínima de cinco años.",
        "Apoyo técnico y financiero para pymes.",
    ),
    # 25 — Small and medium-sized enterprises
    Topic(
        25,
        _OFF,
        "Ventanilla de información para pymes exportadoras",
        "Pedimos un portal trilateral con requisitos de exportación por producto.",
        "Las pymes de {producto} dedican semanas a encontrar requisitos dispersos.",
        "Portal trilateral actualizado y en español.",
        "Portal nacional con enlaces a las otras Partes.",
    ),
    Topic(
        25,
        _CON,
        "Programas de proveeduría para integrar pymes a cadenas regionales",
        "Proponemos programas conjuntos de desarrollo de proveedores.",
        "Las grandes empresas buscan proveedores regionales, pero las pymes no conocen los requisitos.",
        "Programa trilateral con metas anuales.",
        "Encuentros de negocio anuales.",
    ),
    Topic(
        25,
        _OFF,
        "Costos de cumplimiento proporcionales al tamaño de la empresa",
        "Los costos de certificación y verificación deben ser proporcionales para pymes.",
        "Para una pyme de {producto} el costo de demostrar origen puede superar el beneficio arancelario.",
        "Procedimientos simplificados para envíos de bajo valor.",
        "Guías y apoyo técnico gratuitos.",
    ),
    # 26 — Competitiveness
    Topic(
        26,
        _OFF,
        "Agenda regional de competitividad con participación privada",
        "Pedimos que el Comité de Competitividad incluya al sector privado en su programa de trabajo.",
        "La competitividad de {producto} depende de decisiones de infraestructura y regulación coordinadas.",
        "Consejo consultivo privado del Comité.",
        "Consultas públicas anuales del Comité.",
    ),
    Topic(
        26,
        _CON,
        "Infraestructura fronteriza como prioridad del Comité de Competitividad",
        "Proponemos un plan de inversión en infraestructura fronteriza.",
        "Los cuellos de botella fronterizos afectan a todas las cadenas regionales.",
        "Plan trilateral con presupuesto y metas.",
        "Diagnóstico conjunto en un año.",
    ),
    Topic(
        26,
        _OFF,
        "Mapeo conjunto de cadenas de suministro críticas",
        "Proponemos mapear cadenas críticas para atraer a la región producción hoy ubicada fuera de ella.",
        "La relocalización es una oportunidad para {producto} si se coordina entre las tres Partes.",
        "Mapeo público con lista de oportunidades.",
        "Intercambio de información entre agencias de promoción.",
    ),
    # 31 — Dispute settlement
    Topic(
        31,
        _DEF,
        "Integración automática de paneles entre Estados",
        "Pedimos que ninguna Parte pueda bloquear la integración de un panel.",
        "Bajo el TLCAN los paneles entre Estados se bloquearon por falta de nombramientos.",
        "Listas de panelistas obligatorias y designación supletoria.",
        "Designación por sorteo si una Parte no nombra en 15 días.",
    ),
    Topic(
        31,
        _CON,
        "Plazos estrictos para cumplir resoluciones",
        "Proponemos plazos máximos para cumplir informes de panel.",
        "Sin cumplimiento oportuno, las resoluciones favorables no se traducen en acceso para {producto}.",
        "Plazo de cumplimiento de seis meses.",
        "Compensación automática al vencer el plazo.",
    ),
    Topic(
        31,
        _OFF,
        "Participación del sector privado como amicus curiae",
        "Pedimos que el sector privado pueda presentar escritos en controversias que lo afecten.",
        "Los productores de {producto} conocen los hechos técnicos mejor que nadie.",
        "Derecho a presentar escritos amicus curiae.",
        "Audiencias públicas.",
    ),
    # 33 — Macroeconomic policies and exchange rate
    Topic(
        33,
        _DEF,
        "Sin sanciones comerciales vinculadas al tipo de cambio",
        "El capítulo no debe habilitar medidas comerciales por motivos cambiarios.",
        "Vincular el tipo de cambio a sanciones afectaría a exportadores de {producto} por decisiones ajenas.",
        "Mantener el capítulo fuera de la solución de controversias comerciales.",
        "Consultas técnicas entre autoridades monetarias.",
    ),
    Topic(
        33,
        _CON,
        "Transparencia cambiaria sin compromisos de nivel",
        "Aceptamos compromisos de transparencia siempre que no fijen niveles de tipo de cambio.",
        "La autonomía del banco central es una fortaleza para {producto}.",
        "Informes de transparencia sin metas de nivel.",
        "Publicación periódica de intervenciones.",
    ),
    Topic(
        33,
        _DEF,
        "Política monetaria fuera del alcance del tratado",
        "Pedimos una nota interpretativa que excluya la política monetaria del tratado.",
        "La certidumbre sobre este punto reduce la volatilidad de financiamiento para {producto}.",
        "Nota interpretativa expresa.",
        "Declaración conjunta de los ministros.",
    ),
    # 34 — Final provisions
    Topic(
        34,
        _DEF,
        "Rechazo a una cláusula de terminación automática",
        "Rechazamos que el tratado termine automáticamente salvo renovación, como la cláusula de cinco años "
        "propuesta en 2017; la revisión conjunta del artículo 34.7 no debe convertirse en esa cláusula.",
        "Las decisiones de inversión en {producto} se toman a diez o quince años; una fecha de terminación "
        "automática las congela.",
        "Que la revisión conjunta confirme la prórroga del tratado por otros 16 años.",
        "Si no hay confirmación, revisiones anuales con temas acotados, nunca terminación automática.",
        red_flag=True,
    ),
    Topic(
        34,
        _DEF,
        "Certidumbre para inversiones de largo plazo en {producto}",
        "Pedimos que la revisión conjunta concluya con una confirmación expresa de la vigencia del tratado.",
        "La incertidumbre desde 2025 ha retrasado proyectos de inversión en {producto}.",
        "Confirmación de vigencia en la primera reunión de revisión.",
        "Calendario público de la revisión con fecha de conclusión.",
    ),
    Topic(
        34,
        _CON,
        "Revisión conjunta transparente y con consulta al sector privado",
        "Proponemos que cada Parte consulte formalmente al sector privado antes de cada sesión de revisión.",
        "El Cuarto de Junto demostró en 2017–2018 el valor de la consulta cercana con la industria.",
        "Consulta formal previa a cada sesión.",
        "Informe público al concluir la revisión.",
    ),
)


Outcome = Literal["draft", "file", "file_and_sign_off", "withdraw"]


@dataclass(frozen=True, slots=True)
class DemoPosition:
    index: int
    client_token: uuid.UUID
    organisation: str  # DemoOrganisation.key
    chapter: int
    author: str  # e-mail
    outcome: Outcome
    data: dict[str, Any]  # content fields; chapter and round are added by seed_demo
    withdraw_reason: str = ""


def position_token(index: int) -> uuid.UUID:
    """The same demo position always gets the same token on one installation, so a re-run finds it. Keyed with the
    installation's SECRET_KEY: a token cannot be worked out from this (public) source, and a client token must not
    be guessable, since one sent again answers with its position."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"demo-position-{index}".encode(), hashlib.sha256).digest()
    return uuid.UUID(bytes=digest[:16], version=4)


def organisation_authors(organisation: DemoOrganisation) -> tuple[str, ...]:
    """Who files for ``organisation``: its published demo accounts, or else its liaison."""
    accounts = tuple(a["email"] for a in DEMO_ACCOUNTS if a["organisation"] == organisation.key)
    return accounts or (organisation.liaison_email,)


def organisation_coordinator(organisation: DemoOrganisation) -> str:
    for account in DEMO_ACCOUNTS:
        if account["organisation"] == organisation.key and account["role"] == "org_coordinator":
            return account["email"]
    return organisation.liaison_email


def _priority(rng: random.Random, topic: Topic) -> str:
    if topic.red_flag:
        return Priority.RED_LINE if rng.random() < 0.85 else Priority.HIGH
    return rng.choices((Priority.RED_LINE, Priority.HIGH, Priority.MEDIUM, Priority.LOW), weights=(5, 30, 45, 20))[0]


def _outcome(rng: random.Random, *, author: str, coordinator: str, signoff: bool) -> Outcome:
    roll = rng.random()
    if roll < 0.12:
        return "draft"
    if roll < 0.18:
        return "withdraw"
    if signoff and author != coordinator and roll < 0.55:
        # Half of a delegate's filings in a sign-off organisation have been signed off; the rest wait.
        return "file_and_sign_off"
    return "file"


def demo_positions() -> list[DemoPosition]:
    """``POSITION_COUNT`` illustrative positions, the same every time (fixed random seed)."""
    rng = random.Random(RANDOM_SEED)
    candidates: list[tuple[DemoOrganisation, Topic]] = [
        (organisation, topic)
        for organisation in DEMO_ORGANISATIONS
        for topic in TOPICS
        if topic.chapter in organisation.chapters
        and (not topic.sectors or set(topic.sectors) & set(organisation.sectors))
    ]
    # Keep every foco rojo; drop ordinary candidates at random down to the target count.
    flagged = [i for i, (_, topic) in enumerate(candidates) if topic.red_flag]
    ordinary = [i for i, (_, topic) in enumerate(candidates) if not topic.red_flag]
    keep = set(flagged) | set(rng.sample(ordinary, max(0, min(len(ordinary), POSITION_COUNT - len(flagged)))))
    positions: list[DemoPosition] = []
    turn: dict[str, int] = {}
    for candidate_index in sorted(keep):
        organisation, topic = candidates[candidate_index]
        authors = organisation_authors(organisation)
        author = authors[turn.get(organisation.key, 0) % len(authors)]
        turn[organisation.key] = turn.get(organisation.key, 0) + 1
        coordinator = organisation_coordinator(organisation)
        outcome = _outcome(rng, author=author, coordinator=coordinator, signoff=organisation.requires_signoff)
        fill = {"producto": organisation.product}
        has_goods = bool(organisation.hs_lines)
        hs_lines = (
            sorted(rng.sample(organisation.hs_lines, rng.randint(1, len(organisation.hs_lines)))) if has_goods else []
        )
        exports_usd = rng.randrange(5, 2500) * 1_000_000 if has_goods and rng.random() < 0.8 else None
        jobs = rng.randrange(2, 160) * 250 if rng.random() < 0.7 else None
        data: dict[str, Any] = {
            "title": topic.title.format(**fill)[:200],
            "summary": topic.summary.format(**fill),
            "body": f"{topic.body.format(**fill)}\n\n{DISCLAIMER}",
            "stance": topic.stance,
            "priority": _priority(rng, topic),
            "is_red_flag": topic.red_flag,
            "requested_outcome": topic.outcome.format(**fill),
            "fallback_position": topic.fallback.format(**fill),
            "hs_lines": hs_lines,
            "exports_usd": exports_usd,
            "jobs": jobs,
            "confidentiality": Confidentiality.ROOM if rng.random() < 0.2 else Confidentiality.GOVERNMENT,
        }
        index = len(positions)
        positions.append(
            DemoPosition(
                index=index,
                client_token=position_token(index),
                organisation=organisation.key,
                chapter=topic.chapter,
                author=coordinator if outcome == "withdraw" else author,
                outcome=outcome,
                data=data,
                withdraw_reason="Se integrará en una posición conjunta del sector." if outcome == "withdraw" else "",
            )
        )
    return positions
