"""Ministries that work on the negotiation, and each chapter's lead and contributing ministries by default.

The Secretaría de Economía led Mexico's negotiation and leads most chapters; the others lead where the subject is
theirs (agriculture and SPS, financial services and exchange-rate matters, hydrocarbons, labour, environment) and
contribute where it touches them. These are starting points: admins change them in the Django admin, and loading
the reference data again never overwrites their choice.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MinistryFact:
    code: str
    acronym: str
    name_es: str
    name_en: str


MINISTRIES: tuple[MinistryFact, ...] = (
    MinistryFact("economia", "SE", "Secretaría de Economía", "Ministry of Economy"),
    MinistryFact(
        "agricultura",
        "SADER",
        "Secretaría de Agricultura y Desarrollo Rural",
        "Ministry of Agriculture and Rural Development",
    ),
    MinistryFact(
        "hacienda", "SHCP", "Secretaría de Hacienda y Crédito Público", "Ministry of Finance and Public Credit"
    ),
    MinistryFact("energia", "SENER", "Secretaría de Energía", "Ministry of Energy"),
    MinistryFact("sre", "SRE", "Secretaría de Relaciones Exteriores", "Ministry of Foreign Affairs"),
    MinistryFact(
        "trabajo", "STPS", "Secretaría del Trabajo y Previsión Social", "Ministry of Labour and Social Welfare"
    ),
    MinistryFact(
        "semarnat",
        "SEMARNAT",
        "Secretaría de Medio Ambiente y Recursos Naturales",
        "Ministry of Environment and Natural Resources",
    ),
    MinistryFact("salud", "SSA", "Secretaría de Salud", "Ministry of Health"),
)

# chapter number → (lead ministry code, contributing ministry codes). Chapters not listed: Economía alone.
CHAPTER_MINISTRIES: dict[int, tuple[str, tuple[str, ...]]] = {
    2: ("economia", ("agricultura", "hacienda")),
    3: ("agricultura", ("economia", "salud")),
    4: ("economia", ("hacienda",)),
    5: ("economia", ("hacienda",)),
    7: ("economia", ("hacienda",)),
    8: ("energia", ("economia", "sre")),
    9: ("agricultura", ("salud", "economia")),
    11: ("economia", ("salud",)),
    12: ("economia", ("salud", "energia")),
    13: ("economia", ("hacienda",)),
    14: ("economia", ("hacienda", "energia")),
    16: ("economia", ("sre", "trabajo")),
    17: ("hacienda", ("economia",)),
    22: ("economia", ("energia", "hacienda")),
    23: ("trabajo", ("economia",)),
    24: ("semarnat", ("economia",)),
    30: ("economia", ("sre",)),
    31: ("economia", ("sre",)),
    32: ("economia", ("hacienda",)),
    33: ("hacienda", ("economia",)),
    34: ("economia", ("sre",)),
}
DEFAULT_LEAD = "economia"


def chapter_ministries(number: int) -> tuple[str, tuple[str, ...]]:
    return CHAPTER_MINISTRIES.get(number, (DEFAULT_LEAD, ()))
