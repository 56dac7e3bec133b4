"""Reads of the "Cuarto de Inteligencia": which chapters' notes a user may read, and the notes themselves.

Notes are for the government side only: the officials and negotiators of the chapter and the chief negotiator's
team (every chapter); platform admins read them too (the handover report). Anyone who belongs to an organisation
is on the industry side and reads none, whatever else they are: a note outside the user's reach answers like a
missing page (404) on every path, search included.
"""

from __future__ import annotations

from django.db.models import F, Func, Prefetch, Q, QuerySet
from django.http import Http404

from consultations.models import Chapter, IntelligenceAttachment, IntelligenceNote, Round, User
from consultations.selectors.roles import (
    user_is_admin,
    user_official_chapter_ids,
    user_official_profile,
    user_organisation_ids,
)


def intelligence_chapter_ids_for(user: User) -> frozenset[int] | None:
    """The chapters whose notes ``user`` may read: ``None`` means every chapter, an empty set none."""
    if not user.is_authenticated or not user.is_active or user_organisation_ids(user):
        return frozenset()
    profile = user_official_profile(user)
    if (profile is not None and profile.is_coordinator) or user_is_admin(user):
        return None
    if profile is None:
        return frozenset()
    return user_official_chapter_ids(user)


def intelligence_writer_chapter_ids_for(user: User) -> frozenset[int] | None:
    """The chapters where ``user`` may write notes: the government side of the chapter, not platform admins."""
    if not user.is_authenticated or not user.is_active or user_organisation_ids(user):
        return frozenset()
    profile = user_official_profile(user)
    if profile is None:
        return frozenset()
    return None if profile.is_coordinator else user_official_chapter_ids(user)


def _within(chapter_ids: frozenset[int] | None, field: str = "chapter_id") -> Q | None:
    """A filter to the chapters (``None`` for all); ``None`` back when the user reaches no chapter at all."""
    if chapter_ids is None:
        return Q()
    if not chapter_ids:
        return None
    return Q(**{f"{field}__in": chapter_ids})


def intelligence_chapter_list_for(*, user: User, writing: bool = False) -> QuerySet[Chapter]:
    chapter_ids = intelligence_writer_chapter_ids_for(user) if writing else intelligence_chapter_ids_for(user)
    condition = _within(chapter_ids, "pk")
    chapters = Chapter.objects.order_by("number")
    return chapters.none() if condition is None else chapters.filter(condition)


def _round_id(round: Round | int | None) -> int | None:
    return round.pk if isinstance(round, Round) else round


def notes_visible_to(
    user: User,
    chapter: Chapter | int | None = None,
    round: Round | int | None = None,
    *,
    tag: str = "",
) -> QuerySet[IntelligenceNote]:
    """The notes ``user`` may read, latest change first, optionally of one chapter, about one round, with one tag.

    The authors, rounds and chapter come with them (a fixed number of queries whatever the length)."""
    condition = _within(intelligence_chapter_ids_for(user))
    if condition is None:
        return IntelligenceNote.objects.none()
    notes = IntelligenceNote.objects.filter(condition)
    chapter_id = chapter.pk if isinstance(chapter, Chapter) else chapter
    if chapter_id:
        notes = notes.filter(chapter_id=chapter_id)
    round_id = _round_id(round)
    if round_id:
        notes = notes.filter(rounds=round_id)
    if tag:
        notes = notes.filter(tags__contains=[tag])
    return (
        notes.select_related("chapter", "updated_by")
        .prefetch_related(
            Prefetch("authors", queryset=User.objects.order_by("full_name", "email")),
            Prefetch("rounds", queryset=Round.objects.order_by("starts_on", "pk")),
        )
        .order_by("-updated_at", "-id")
    )


def intelligence_note_get_for(*, user: User, note_id: int) -> IntelligenceNote:
    """A note the user may read, with its links and attachments; anything else is a 404."""
    try:
        return notes_visible_to(user).prefetch_related("positions__organisation", "attachments").get(pk=note_id)
    except IntelligenceNote.DoesNotExist:
        raise Http404 from None


def intelligence_attachment_get_for(*, user: User, attachment_id: int) -> IntelligenceAttachment:
    condition = _within(intelligence_chapter_ids_for(user), "note__chapter_id")
    if condition is None:
        raise Http404
    try:
        return IntelligenceAttachment.objects.select_related("note").filter(condition).get(pk=attachment_id)
    except IntelligenceAttachment.DoesNotExist:
        raise Http404 from None


def intelligence_tag_list(*, user: User, chapter: Chapter | int | None = None) -> list[str]:
    """The tags in use among the notes ``user`` may read (of one chapter), sorted: one query."""
    notes = notes_visible_to(user, chapter).order_by().prefetch_related(None)
    tags = notes.annotate(tag=Func(F("tags"), function="unnest")).values_list("tag", flat=True).distinct()
    return sorted(tags, key=str.casefold)
