"""USMCA / T-MEC reference facts: chapters, negotiating tables, SCIAN sectors and the 2017–2018 calendar.

Sources: the USTR and Secretaría de Economía tables of contents of the treaty text, the T-MEC promulgation
decree (DOF, 29 June 2020), the public record of the 2017–2018 rounds, and INEGI's SCIAN 2018 classification.
This is a copy kept in code on purpose: nothing reads the shared notes at run time.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from consultations.models import Round


@dataclass(frozen=True, slots=True)
class ChapterFact:
    number: int
    title_en: str
    title_es: str


@dataclass(frozen=True, slots=True)
class TableFact:
    """A negotiating table ("mesa") and the chapters it covers."""

    name_es: str
    name_en: str
    chapters: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class SectorFact:
    code: str
    name_es: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Schedule:
    input_opens_at: dt.datetime | None
    submission_deadline: dt.datetime | None
    digest_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class RoundFact:
    kind: str
    format: str
    label: str
    city: str
    country: str
    time_zone: str
    starts_on: dt.date
    ends_on: dt.date
    notes: str = ""

    @property
    def takes_input(self) -> bool:
        # Only the formal rounds had a pre-round call for positions with a deadline and a digest.
        return self.kind == Round.Kind.FORMAL

    def schedule(self) -> Schedule:
        if not self.takes_input:
            return Schedule(None, None, None)
        return consultation_schedule(starts_on=self.starts_on, time_zone=self.time_zone)


def consultation_schedule(*, starts_on: dt.date, time_zone: str) -> Schedule:
    """The house rule for a round that takes positions, in the host city's time.

    Input opens 30 days before the first day (at midnight), closes 7 days before at 18:00, and the
    pre-round digest goes out 3 days before at 08:00.
    """
    tz = zoneinfo.ZoneInfo(time_zone)
    return Schedule(
        input_opens_at=dt.datetime.combine(starts_on - dt.timedelta(days=30), dt.time.min, tzinfo=tz),
        submission_deadline=dt.datetime.combine(starts_on - dt.timedelta(days=7), dt.time(18, 0), tzinfo=tz),
        digest_at=dt.datetime.combine(starts_on - dt.timedelta(days=3), dt.time(8, 0), tzinfo=tz),
    )


CHAPTERS: tuple[ChapterFact, ...] = (
    ChapterFact(1, "Initial Provisions and General Definitions", "Disposiciones Iniciales y Definiciones Generales"),
    ChapterFact(
        2,
        "National Treatment and Market Access for Goods",
        "Trato Nacional y Acceso de Mercancías al Mercado",
    ),
    ChapterFact(3, "Agriculture", "Agricultura"),
    ChapterFact(4, "Rules of Origin", "Reglas de Origen"),
    ChapterFact(5, "Origin Procedures", "Procedimientos de Origen"),
    ChapterFact(6, "Textile and Apparel Goods", "Mercancías Textiles y del Vestido"),
    ChapterFact(
        7,
        "Customs Administration and Trade Facilitation",
        "Administración Aduanera y Facilitación del Comercio",
    ),
    ChapterFact(
        8,
        "Recognition of the Mexican State's Direct, Inalienable, and Imprescriptible Ownership of Hydrocarbons",
        "Reconocimiento de la Propiedad Directa, Inalienable e Imprescriptible del Estado Mexicano sobre Hidrocarburos",
    ),
    ChapterFact(9, "Sanitary and Phytosanitary Measures", "Medidas Sanitarias y Fitosanitarias"),
    ChapterFact(10, "Trade Remedies", "Remedios Comerciales"),
    ChapterFact(11, "Technical Barriers to Trade", "Obstáculos Técnicos al Comercio"),
    ChapterFact(12, "Sectoral Annexes", "Anexos Sectoriales"),
    ChapterFact(13, "Government Procurement", "Contratación Pública"),
    ChapterFact(14, "Investment", "Inversión"),
    ChapterFact(15, "Cross-Border Trade in Services", "Comercio Transfronterizo de Servicios"),
    ChapterFact(16, "Temporary Entry for Business Persons", "Entrada Temporal de Personas de Negocios"),
    ChapterFact(17, "Financial Services", "Servicios Financieros"),
    ChapterFact(18, "Telecommunications", "Telecomunicaciones"),
    ChapterFact(19, "Digital Trade", "Comercio Digital"),
    ChapterFact(20, "Intellectual Property Rights", "Derechos de Propiedad Intelectual"),
    ChapterFact(21, "Competition Policy", "Política de Competencia"),
    ChapterFact(
        22,
        "State-Owned Enterprises and Designated Monopolies",
        "Empresas Propiedad del Estado y Monopolios Designados",
    ),
    ChapterFact(23, "Labor", "Laboral"),
    ChapterFact(24, "Environment", "Medio Ambiente"),
    ChapterFact(25, "Small and Medium-Sized Enterprises", "Pequeñas y Medianas Empresas"),
    ChapterFact(26, "Competitiveness", "Competitividad"),
    ChapterFact(27, "Anticorruption", "Anticorrupción"),
    ChapterFact(28, "Good Regulatory Practices", "Buenas Prácticas Regulatorias"),
    ChapterFact(29, "Publication and Administration", "Publicación y Administración"),
    ChapterFact(30, "Administrative and Institutional Provisions", "Disposiciones Administrativas e Institucionales"),
    ChapterFact(31, "Dispute Settlement", "Solución de Controversias"),
    ChapterFact(32, "Exceptions and General Provisions", "Excepciones y Disposiciones Generales"),
    ChapterFact(
        33,
        "Macroeconomic Policies and Exchange Rate Matters",
        "Asuntos de Política Macroeconómica y de Tipo de Cambio",
    ),
    ChapterFact(34, "Final Provisions", "Disposiciones Finales"),
)

# The 2017–2018 rounds had about 30 tables that did not map one-to-one onto the final chapters; these nine
# groupings are the project's own, chosen so that every chapter sits at exactly one table.
TABLES: tuple[TableFact, ...] = (
    TableFact("Acceso a mercados", "Market access", (2, 3, 6)),
    TableFact("Reglas de origen y procedimientos aduaneros", "Rules of origin and customs procedures", (4, 5, 7)),
    TableFact(
        "Medidas sanitarias, fitosanitarias y obstáculos técnicos",
        "Sanitary, phytosanitary and technical barriers",
        (9, 11, 12),
    ),
    TableFact("Remedios comerciales y solución de controversias", "Trade remedies and dispute settlement", (10, 31)),
    TableFact(
        "Inversión, servicios y comercio digital",
        "Investment, services and digital trade",
        (14, 15, 16, 17, 18, 19),
    ),
    TableFact(
        "Contratación pública, empresas del Estado y energía",
        "Government procurement, state-owned enterprises and energy",
        (8, 13, 22),
    ),
    TableFact("Propiedad intelectual y competencia", "Intellectual property and competition", (20, 21)),
    TableFact("Laboral y medio ambiente", "Labour and environment", (23, 24)),
    TableFact(
        "Asuntos institucionales y transversales",
        "Institutional and cross-cutting matters",
        (1, 25, 26, 27, 28, 29, 30, 32, 33, 34),
    ),
)

# SCIAN 2018 (INEGI) subsectors and industry groups; the English names follow NAICS 2017.
SECTORS: tuple[SectorFact, ...] = (
    SectorFact("111", "Agricultura", "Crop production"),
    SectorFact("112", "Cría y explotación de animales", "Animal production and aquaculture"),
    SectorFact("211", "Extracción de petróleo y gas", "Oil and gas extraction"),
    SectorFact(
        "212",
        "Minería de minerales metálicos y no metálicos, excepto petróleo y gas",
        "Mining (except oil and gas)",
    ),
    SectorFact("311", "Industria alimentaria", "Food manufacturing"),
    SectorFact("313", "Fabricación de insumos textiles y acabado de textiles", "Textile mills"),
    SectorFact("315", "Fabricación de prendas de vestir", "Apparel manufacturing"),
    SectorFact("325", "Industria química", "Chemical manufacturing"),
    SectorFact("331", "Industrias metálicas básicas", "Primary metal manufacturing"),
    SectorFact(
        "334",
        "Fabricación de equipo de computación, comunicación, medición y de otros equipos, componentes y "
        "accesorios electrónicos",
        "Computer and electronic product manufacturing",
    ),
    SectorFact("336", "Fabricación de equipo de transporte", "Transportation equipment manufacturing"),
    SectorFact("3361", "Fabricación de automóviles y camiones", "Motor vehicle manufacturing"),
    SectorFact("3363", "Fabricación de partes para vehículos automotores", "Motor vehicle parts manufacturing"),
    SectorFact("484", "Autotransporte de carga", "Truck transportation"),
    SectorFact("5112", "Edición de software", "Software publishers"),
    SectorFact(
        "5182",
        "Procesamiento electrónico de información, hospedaje y otros servicios relacionados",
        "Data processing, hosting, and related services",
    ),
    SectorFact("517", "Telecomunicaciones", "Telecommunications"),
    SectorFact(
        "522",
        "Instituciones de intermediación crediticia y financiera no bursátil",
        "Credit intermediation and related activities",
    ),
)

_WASHINGTON = ("Washington, D.C.", "US", "America/New_York")
_MEXICO = ("Ciudad de México", "MX", "America/Mexico_City")
_OTTAWA = ("Ottawa", "CA", "America/Toronto")
_ARLINGTON = ("Arlington, Virginia", "US", "America/New_York")
_MONTREAL = ("Montréal", "CA", "America/Toronto")  # IANA files Montréal under America/Toronto.
_BUENOS_AIRES = ("Buenos Aires", "AR", "America/Argentina/Buenos_Aires")
# A milestone without a host city is dated in Mexico City, from where the room followed it.
_NOWHERE = ("", "", "America/Mexico_City")

_F = Round.Kind.FORMAL
_TRI = Round.Format.TRILATERAL


def _round(
    kind: str, fmt: str, label: str, where: tuple[str, str, str], start: str, end: str, notes: str = ""
) -> RoundFact:
    city, country, time_zone = where
    return RoundFact(
        kind=kind,
        format=fmt,
        label=label,
        city=city,
        country=country,
        time_zone=time_zone,
        starts_on=dt.date.fromisoformat(start),
        ends_on=dt.date.fromisoformat(end),
        notes=notes,
    )


CALENDAR_2017_2018: tuple[RoundFact, ...] = (
    _round(_F, _TRI, "Ronda 1", _WASHINGTON, "2017-08-16", "2017-08-20"),
    _round(_F, _TRI, "Ronda 2", _MEXICO, "2017-09-01", "2017-09-05"),
    _round(_F, _TRI, "Ronda 3", _OTTAWA, "2017-09-23", "2017-09-27"),
    _round(
        _F,
        _TRI,
        "Ronda 4",
        _ARLINGTON,
        "2017-10-11",
        "2017-10-17",
        "Arlington, Virginia (área de Washington). Se cerró el capítulo de Política de Competencia.",
    ),
    _round(
        _F,
        _TRI,
        "Ronda 5",
        _MEXICO,
        "2017-11-17",
        "2017-11-21",
        "Grupos técnicos desde el 15 de noviembre; sin ministros.",
    ),
    _round(
        Round.Kind.INTERSESSIONAL,
        _TRI,
        "Ronda intersesional",
        _WASHINGTON,
        "2017-12-11",
        "2017-12-15",
        "A nivel técnico. Algunas fuentes dan del 9 al 15 de diciembre; el estudio de caso, del 11 al 16.",
    ),
    _round(_F, _TRI, "Ronda 6", _MONTREAL, "2018-01-23", "2018-01-29", "Se cerró el capítulo de Anticorrupción."),
    _round(
        _F,
        _TRI,
        "Ronda 7",
        _MEXICO,
        "2018-02-25",
        "2018-03-05",
        "Se cerraron Buenas Prácticas Regulatorias, Publicación y Administración y Medidas Sanitarias y "
        "Fitosanitarias (seis capítulos cerrados en total).",
    ),
    _round(
        Round.Kind.CONTINUOUS,
        _TRI,
        "Ronda permanente",
        _WASHINGTON,
        "2018-04-04",
        "2018-05-11",
        "Reuniones ministeriales y técnicas; no hubo una Ronda 8 formal.",
    ),
    _round(
        Round.Kind.BILATERAL,
        Round.Format.MX_US,
        "Negociación bilateral México–Estados Unidos",
        _WASHINGTON,
        "2018-07-01",
        "2018-08-27",
        "Fecha de inicio aproximada (julio de 2018). Acuerdo preliminar México–EE. UU. el 27 de agosto "
        "de 2018; Canadá se reincorpora el 28 de agosto.",
    ),
)

MILESTONES: tuple[RoundFact, ...] = (
    _round(
        Round.Kind.MILESTONE,
        _TRI,
        "Acuerdo trilateral",
        _NOWHERE,
        "2018-09-30",
        "2018-09-30",
        "Texto publicado el 1 de octubre de 2018.",
    ),
    _round(Round.Kind.MILESTONE, _TRI, "Firma del T-MEC", _BUENOS_AIRES, "2018-11-30", "2018-11-30"),
    _round(Round.Kind.MILESTONE, _TRI, "Entrada en vigor del T-MEC", _NOWHERE, "2020-07-01", "2020-07-01"),
    _round(
        Round.Kind.MILESTONE,
        _TRI,
        "Revisión conjunta (art. 34.7)",
        _NOWHERE,
        "2026-07-01",
        "2026-07-01",
        "Revisión en el sexto aniversario; México volvió a formar un Cuarto de Junto para ella.",
    ),
)

CALENDAR: tuple[RoundFact, ...] = CALENDAR_2017_2018 + MILESTONES


@dataclass(frozen=True, slots=True)
class ClosureFact:
    """A chapter closed in a round, as the public record states it. Loaded as reference state-of-play history."""

    chapter: int
    round_label: str
    round_starts_on: dt.date
    note: str


_RECORD = "Registro público 2017–2018."
# Only the closures the public record names. It says six chapters were closed by round 7 but names five; the sixth
# is not loaded (the round's own notes keep the count).
CLOSURES_2017_2018: tuple[ClosureFact, ...] = (
    ClosureFact(21, "Ronda 4", dt.date(2017, 10, 11), f"Política de Competencia cerrada en la Ronda 4. {_RECORD}"),
    ClosureFact(27, "Ronda 6", dt.date(2018, 1, 23), f"Anticorrupción cerrada en la Ronda 6. {_RECORD}"),
    ClosureFact(28, "Ronda 7", dt.date(2018, 2, 25), f"Buenas Prácticas Regulatorias cerrada en la Ronda 7. {_RECORD}"),
    ClosureFact(29, "Ronda 7", dt.date(2018, 2, 25), f"Publicación y Administración cerrada en la Ronda 7. {_RECORD}"),
    ClosureFact(
        9, "Ronda 7", dt.date(2018, 2, 25), f"Medidas Sanitarias y Fitosanitarias cerrada en la Ronda 7. {_RECORD}"
    ),
)
