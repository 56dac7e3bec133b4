"""Load the USMCA reference data: chapters, negotiating tables, SCIAN sectors and the 2017–2018 calendar.

It also records the chapter closures of the public record as reference state-of-play history.

Idempotent: rows are matched by their natural keys (chapter number, table name_es, sector code, round label and
start date), created when missing and updated only when a fact differs.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from django.core.management.base import BaseCommand
from django.db import models, transaction

from consultations.models import Chapter, ChapterCoordination, ChapterStatus, Ministry, NegotiatingTable, Round, Sector
from consultations.reference.ministries import MINISTRIES, chapter_ministries
from consultations.reference.usmca import CALENDAR, CHAPTERS, CLOSURES_2017_2018, SECTORS, TABLES
from consultations.services.state_of_play import reference_status_load

Outcome = Literal["created", "updated", "unchanged"]


def upsert[M: models.Model](model: type[M], lookup: dict[str, Any], values: dict[str, Any]) -> tuple[M, Outcome]:
    """Like ``update_or_create``, but writes only when a value differs and says which of the three happened."""
    instance = model._default_manager.filter(**lookup).first()
    if instance is None:
        return model._default_manager.create(**lookup, **values), "created"
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if not changed:
        return instance, "unchanged"
    for name in changed:
        setattr(instance, name, values[name])
    instance.save(update_fields=changed)
    return instance, "updated"


def load_usmca() -> dict[str, Counter[Outcome]]:
    """Write the reference facts; returns, per kind of row, how many were created, updated or unchanged."""
    counts: dict[str, Counter[Outcome]] = {
        name: Counter()
        for name in ("tables", "chapters", "sectors", "rounds", "closures", "ministries", "chapter ministries")
    }
    with transaction.atomic():
        table_of_chapter: dict[int, NegotiatingTable] = {}
        for table_fact in TABLES:
            table, outcome = upsert(NegotiatingTable, {"name_es": table_fact.name_es}, {"name_en": table_fact.name_en})
            counts["tables"][outcome] += 1
            table_of_chapter.update(dict.fromkeys(table_fact.chapters, table))
        for chapter in CHAPTERS:
            _, outcome = upsert(
                Chapter,
                {"number": chapter.number},
                {
                    "title_en": chapter.title_en,
                    "title_es": chapter.title_es,
                    "table_id": table_of_chapter[chapter.number].pk if chapter.number in table_of_chapter else None,
                },
            )
            counts["chapters"][outcome] += 1
        for sector in SECTORS:
            _, outcome = upsert(Sector, {"code": sector.code}, {"name_es": sector.name_es, "name_en": sector.name_en})
            counts["sectors"][outcome] += 1
        for fact in CALENDAR:
            schedule = fact.schedule()
            _, outcome = upsert(
                Round,
                {"label": fact.label, "starts_on": fact.starts_on},
                {
                    "label_en": fact.label_en,
                    "kind": fact.kind,
                    "format": fact.format,
                    "city": fact.city,
                    "country": fact.country,
                    "time_zone": fact.time_zone,
                    "ends_on": fact.ends_on,
                    "input_opens_at": schedule.input_opens_at,
                    "submission_deadline": schedule.submission_deadline,
                    "digest_at": schedule.digest_at,
                    "notes": fact.notes,
                },
            )
            counts["rounds"][outcome] += 1
        # The chapters the public record says were closed, as reference state-of-play history (never shared).
        for closure in CLOSURES_2017_2018:
            round = Round.objects.get(label=closure.round_label, starts_on=closure.round_starts_on)
            added = reference_status_load(
                chapter=Chapter.objects.get(number=closure.chapter),
                round=round,
                status=ChapterStatus.CLOSED,
                note=closure.note,
                now=round.ends_at,
            )
            counts["closures"]["created" if added else "unchanged"] += 1
        _load_ministries(counts)
    return counts


def _load_ministries(counts: dict[str, Counter[Outcome]]) -> None:
    """Ministries are upserted by code. A chapter's lead and contributing ministries are defaults: set when the
    chapter has none yet, never over what an admin chose."""
    ministries = {}
    for fact in MINISTRIES:
        ministries[fact.code], outcome = upsert(
            Ministry, {"code": fact.code}, {"acronym": fact.acronym, "name_es": fact.name_es, "name_en": fact.name_en}
        )
        counts["ministries"][outcome] += 1
    configured = set(ChapterCoordination.objects.values_list("chapter_id", flat=True))
    for chapter in Chapter.objects.exclude(pk__in=configured).order_by("number"):
        lead, contributing = chapter_ministries(chapter.number)
        coordination = ChapterCoordination.objects.create(chapter=chapter, lead_ministry=ministries[lead])
        coordination.contributing_ministries.set([ministries[code] for code in contributing])
        counts["chapter ministries"]["created"] += 1
    counts["chapter ministries"]["unchanged"] += len(configured)


class Command(BaseCommand):
    help = (
        "Load (or refresh) the USMCA chapters, negotiating tables, SCIAN sectors, the 2017–2018 calendar and the "
        "chapter closures of the public record, and the ministries with each chapter's lead and contributing ones."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = load_usmca()
        if options.get("verbosity", 1) < 1:
            return
        for name, outcome in counts.items():
            self.stdout.write(
                f"{name}: {outcome['created']} created, {outcome['updated']} updated, {outcome['unchanged']} unchanged"
            )
        self.stdout.write(self.style.SUCCESS("USMCA reference data loaded."))
