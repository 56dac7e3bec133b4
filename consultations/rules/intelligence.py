"""Who may read and write the notes of the "Cuarto de Inteligencia".

Reading: the officials and negotiators of the chapter, the chief negotiator's team and platform admins (see
``selectors.intelligence``); writing: the government side of the chapter only. Nobody who belongs to an
organisation, ever.
"""

from __future__ import annotations

import rules

from consultations.models import Chapter, IntelligenceNote
from consultations.selectors.intelligence import intelligence_chapter_ids_for, intelligence_writer_chapter_ids_for


def _chapter_id(target: Chapter | IntelligenceNote | None) -> int | None:
    if isinstance(target, IntelligenceNote):
        return target.chapter_id
    return target.pk if isinstance(target, Chapter) else None


@rules.predicate
def reads_intelligence_of(user, target: Chapter | IntelligenceNote | None) -> bool:
    """With a chapter or a note: its chapter's notes; with nothing: the notes of some chapter."""
    chapter_ids = intelligence_chapter_ids_for(user)
    if chapter_ids is None:
        return True
    chapter_id = _chapter_id(target)
    return bool(chapter_ids) if chapter_id is None else chapter_id in chapter_ids


@rules.predicate
def writes_intelligence_of(user, target: Chapter | IntelligenceNote | None) -> bool:
    chapter_ids = intelligence_writer_chapter_ids_for(user)
    if chapter_ids is None:
        return True
    chapter_id = _chapter_id(target)
    return bool(chapter_ids) if chapter_id is None else chapter_id in chapter_ids


rules.add_perm("consultations.view_intelligence", reads_intelligence_of)
rules.add_perm("consultations.write_intelligence", writes_intelligence_of)
