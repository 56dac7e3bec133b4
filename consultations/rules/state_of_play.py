"""Who may read and record a chapter's state of play and its open issues.

Officials of a chapter read it; negotiators of the chapter and the chief negotiator's team record it. Delegates see
only a status line a negotiator shared with the room (``selectors.state_of_play.chapter_shared_status_lines``), never
the history or the open issues.
"""

from __future__ import annotations

import rules

from consultations.models import Chapter
from consultations.selectors.roles import user_official_chapter_ids, user_official_profile


def _profile(user):  # noqa: ANN001, ANN202 - a user, its official profile or None
    if not user.is_authenticated or not user.is_active:
        return None
    return user_official_profile(user)


@rules.predicate
def reads_state_of_play(user, chapter: Chapter) -> bool:
    profile = _profile(user)
    return profile is not None and (profile.is_coordinator or chapter.pk in user_official_chapter_ids(user))


@rules.predicate
def records_state_of_play(user, chapter: Chapter) -> bool:
    profile = _profile(user)
    if profile is None:
        return False
    return profile.is_coordinator or (profile.is_negotiator and chapter.pk in user_official_chapter_ids(user))


rules.add_perm("consultations.view_state_of_play", reads_state_of_play)
rules.add_perm("consultations.change_state_of_play", records_state_of_play)
