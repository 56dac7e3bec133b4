"""Reads of the room: who is in the room of a chapter, and the briefings, questions and answers each user may see.

The room of a chapter is the organisations that follow it or have a position in it (a draft counts: the
organisation is working on the chapter), plus the government side: the chapter's officials and the chief
negotiator's team. A briefing or question outside the user's room answers like a missing one (404).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from consultations.models import (
    Briefing,
    Chapter,
    Membership,
    Organisation,
    Position,
    RoomAnswer,
    RoomQuestion,
    Round,
    User,
)
from consultations.selectors.roles import (
    user_is_admin,
    user_official_chapter_ids,
    user_official_profile,
    user_organisation_ids,
)
from consultations.selectors.rounds import PICKER_ORDER

if TYPE_CHECKING:
    from collections.abc import Iterable

FollowedChapter = Organisation.followed_chapters.through


def _in_room_of_chapter(chapter_id: int) -> Q:
    """Organisations in the room of a chapter: followers, and those with a position in it."""
    return Exists(FollowedChapter.objects.filter(organisation_id=OuterRef("pk"), chapter_id=chapter_id)) | Exists(
        Position.objects.filter(organisation_id=OuterRef("pk"), chapter_id=chapter_id)
    )


def room_organisation_list(*, chapter: Chapter) -> QuerySet[Organisation]:
    """The active organisations in the room of ``chapter``, by name."""
    return Organisation.objects.filter(_in_room_of_chapter(chapter.pk), is_active=True).order_by("name")


def room_member_list(*, chapter: Chapter) -> QuerySet[User]:
    """Active delegates of the organisations in the room of ``chapter``: the people to tell about a new briefing
    or question (for the notifications)."""
    organisations = room_organisation_list(chapter=chapter)
    return User.objects.filter(is_active=True, memberships__organisation__in=organisations).distinct().order_by("pk")


def room_organisation_ids_for(*, user: User, chapter: Chapter) -> list[int]:
    """The user's active organisations that are in the room of ``chapter``, by name."""
    org_ids = user_organisation_ids(user)
    if not org_ids:
        return []
    return list(room_organisation_list(chapter=chapter).filter(pk__in=org_ids).values_list("pk", flat=True))


def _delegate_chapter_ids(user: User) -> frozenset[int]:
    org_ids = user_organisation_ids(user)
    if not org_ids:
        return frozenset()
    active = Membership.objects.filter(user=user, organisation__is_active=True).values("organisation_id")
    followed = FollowedChapter.objects.filter(chapter_id=OuterRef("pk"), organisation_id__in=active)
    with_position = Position.objects.filter(chapter_id=OuterRef("pk"), organisation_id__in=active)
    return frozenset(Chapter.objects.filter(Exists(followed) | Exists(with_position)).values_list("pk", flat=True))


def room_chapter_ids_for(user: User) -> frozenset[int] | None:
    """The chapters whose room ``user`` is in; ``None`` means every chapter. Cached on the user per request."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if hasattr(user, "_room_chapter_ids"):
        return user._room_chapter_ids  # type: ignore[attr-defined]
    profile = user_official_profile(user)
    chapter_ids: frozenset[int] | None
    if user_is_admin(user) or (profile is not None and profile.is_coordinator):
        chapter_ids = None
    else:
        chapter_ids = _delegate_chapter_ids(user) | user_official_chapter_ids(user)
    user._room_chapter_ids = chapter_ids  # type: ignore[attr-defined]
    return chapter_ids


def room_chapter_list_for(*, user: User) -> QuerySet[Chapter]:
    chapter_ids = room_chapter_ids_for(user)
    chapters = Chapter.objects.order_by("number")
    return chapters if chapter_ids is None else chapters.filter(pk__in=chapter_ids)


# --- What the government side may do ---------------------------------------------------------------------------


def can_brief(user: User, chapter: Chapter | int) -> bool:
    """Negotiators post briefings for their chapters; the chief negotiator's team for any chapter."""
    profile = user_official_profile(user)
    if profile is None or not user.is_active:
        return False
    chapter_id = chapter if isinstance(chapter, int) else chapter.pk
    return profile.is_coordinator or (profile.is_negotiator and chapter_id in user_official_chapter_ids(user))


def can_ask(user: User, chapter: Chapter | int) -> bool:
    """The negotiator of a chapter asks its room a question, and so does the chief negotiator's team (any chapter)."""
    profile = user_official_profile(user)
    if profile is None or not user.is_active:
        return False
    if profile.is_coordinator:
        return True
    chapter_id = chapter if isinstance(chapter, int) else chapter.pk
    return profile.is_negotiator and chapter_id in user_official_chapter_ids(user)


def can_read_answers(user: User, question: RoomQuestion) -> bool:
    """The answers go to the government side of the chapter: its officials and the chief negotiator's team."""
    profile = user_official_profile(user)
    if profile is None or not user.is_active:
        return False
    return profile.is_coordinator or question.chapter_id in user_official_chapter_ids(user)


def briefing_chapter_list_for(*, user: User) -> QuerySet[Chapter]:
    profile = user_official_profile(user)
    chapters = Chapter.objects.order_by("number")
    if profile is None or not user.is_active:
        return chapters.none()
    if profile.is_coordinator:
        return chapters
    if not profile.is_negotiator:
        return chapters.none()
    return chapters.filter(pk__in=user_official_chapter_ids(user))


def question_chapter_list_for(*, user: User) -> QuerySet[Chapter]:
    """The chapters whose room the user may ask (see ``can_ask``)."""
    profile = user_official_profile(user)
    if profile is None or not user.is_active:
        return Chapter.objects.none()
    if profile.is_coordinator:
        return Chapter.objects.order_by("number")
    if not profile.is_negotiator:
        return Chapter.objects.none()
    return Chapter.objects.filter(pk__in=user_official_chapter_ids(user)).order_by("number")


def room_round_list() -> QuerySet[Round]:
    """Rounds a briefing or question may be about: any meeting not cancelled (a ministerial without a call for
    positions too, but not a milestone), latest first like every round picker."""
    return Round.objects.filter(cancelled_at__isnull=True).exclude(kind=Round.Kind.MILESTONE).order_by(*PICKER_ORDER)


def room_round_current(*, now: dt.datetime | None = None) -> Round | None:
    """The round a new briefing is most likely about: the one in session, else the next to start, else the last."""
    today = timezone.localdate(now or timezone.now())
    rounds = room_round_list()
    return (
        rounds.filter(starts_on__lte=today, ends_on__gte=today).first()
        or rounds.filter(starts_on__gt=today).order_by("starts_on", "id").first()
        or rounds.first()
    )


# --- Briefings -------------------------------------------------------------------------------------------------


def _in_rooms_of(user: User) -> Q:
    chapter_ids = room_chapter_ids_for(user)
    return Q() if chapter_ids is None else Q(chapter_id__in=chapter_ids)


def briefing_list_visible_to(
    *, user: User, chapter_id: int | None = None, round_id: int | None = None
) -> QuerySet[Briefing]:
    briefings = Briefing.objects.filter(_in_rooms_of(user)).select_related("chapter", "round", "author")
    if chapter_id:
        briefings = briefings.filter(chapter_id=chapter_id)
    if round_id:
        briefings = briefings.filter(round_id=round_id)
    return briefings.order_by("-created_at", "-id")


def briefing_get_for(*, user: User, briefing_id: int) -> Briefing:
    try:
        return briefing_list_visible_to(user=user).get(pk=briefing_id)
    except Briefing.DoesNotExist:
        raise Http404 from None


# --- Room questions --------------------------------------------------------------------------------------------


def room_question_list_visible_to(
    *, user: User, chapter_id: int | None = None, now: dt.datetime | None = None
) -> QuerySet[RoomQuestion]:
    """Open questions first (the nearest deadline first), then closed ones (the latest first).

    Each carries ``answer_count`` and, for a delegate, ``answered`` (one of the user's organisations answered)."""
    now = now or timezone.now()
    open_now = Q(response_deadline__gt=now) & (Q(closed_at__isnull=True) | Q(closed_at__gt=now))
    org_ids = user_organisation_ids(user)
    questions = (
        RoomQuestion.objects.filter(_in_rooms_of(user))
        .select_related("chapter", "round", "author")
        .annotate(
            open_rank=Case(When(open_now, then=Value(0)), default=Value(1), output_field=IntegerField()),
            answer_count=Count("answers", distinct=True),
            answered=Exists(RoomAnswer.objects.filter(question=OuterRef("pk"), organisation_id__in=org_ids)),
        )
    )
    if chapter_id:
        questions = questions.filter(chapter_id=chapter_id)
    return questions.order_by(
        "open_rank",
        Case(When(open_now, then="response_deadline")).asc(nulls_last=True),
        "-response_deadline",
        "-id",
    )


def room_question_get_for(*, user: User, question_id: int) -> RoomQuestion:
    try:
        return (
            RoomQuestion.objects.filter(_in_rooms_of(user))
            .select_related("chapter", "round", "author")
            .get(pk=question_id)
        )
    except RoomQuestion.DoesNotExist:
        raise Http404 from None


def room_question_scope(*, user: User) -> QuerySet[RoomQuestion]:
    """Every question the user may read (those of the user's rooms), without the list's annotations: for search."""
    return RoomQuestion.objects.filter(_in_rooms_of(user))


def room_answer_list_visible_to(*, user: User) -> QuerySet[RoomAnswer]:
    """The answers the user may read: the government side of a chapter reads every answer to its questions (see
    ``can_read_answers``); a delegate, only its own organisations' answers."""
    profile = user_official_profile(user)
    answers = RoomAnswer.objects.filter(question__in=room_question_scope(user=user))
    if profile is not None and user.is_active and profile.is_coordinator:
        return answers
    condition = Q(organisation_id__in=user_organisation_ids(user))
    if profile is not None and user.is_active:
        condition |= Q(question__chapter_id__in=user_official_chapter_ids(user))
    return answers.filter(condition)


def room_answer_list(*, question: RoomQuestion) -> QuerySet[RoomAnswer]:
    """Every organisation's answer to ``question``, by organisation name: for the government side only."""
    return (
        RoomAnswer.objects.filter(question=question)
        .select_related("organisation", "answered_by")
        .order_by("organisation__name", "pk")
    )


def room_answer_list_for_organisations(
    *, question: RoomQuestion, organisation_ids: Iterable[int]
) -> dict[int, RoomAnswer]:
    """The answers of the given organisations (a delegate's own), by organisation id."""
    answers = RoomAnswer.objects.filter(question=question, organisation_id__in=list(organisation_ids)).select_related(
        "answered_by"
    )
    return {answer.organisation_id: answer for answer in answers}


def room_organisation_list_unanswered(*, question: RoomQuestion) -> QuerySet[Organisation]:
    """Organisations in the room of the question's chapter that have not answered it yet."""
    answered = RoomAnswer.objects.filter(question=question, organisation_id=OuterRef("pk"))
    return room_organisation_list(chapter=question.chapter).filter(~Exists(answered))


def room_question_list_closing_between(*, start: dt.datetime, end: dt.datetime) -> QuerySet[RoomQuestion]:
    """Open questions whose deadline falls in [start, end): for the "deadline approaching" reminder."""
    return (
        RoomQuestion.objects.filter(response_deadline__gte=start, response_deadline__lt=end, closed_at__isnull=True)
        .select_related("chapter", "round")
        .prefetch_related(Prefetch("answers", queryset=RoomAnswer.objects.only("question_id", "organisation_id")))
        .order_by("response_deadline", "pk")
    )
