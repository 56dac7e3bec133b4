"""Labels of the state of play for templates: ``{% load state_of_play %}``."""

from __future__ import annotations

from django import template

from consultations.models import ChapterStatus, OpenIssue, Party

register = template.Library()

_CHAPTER = dict(ChapterStatus.choices)
_ISSUE = dict(OpenIssue.Status.choices)
_PARTY = dict(Party.choices)


@register.filter
def chapter_status_label(value: str | None) -> str:
    return str(_CHAPTER.get(value or "", ""))


@register.filter
def issue_status_label(value: str | None) -> str:
    return str(_ISSUE.get(value or "", ""))


@register.filter
def party_labels(values: list[str] | None) -> str:
    return ", ".join(str(_PARTY.get(value, value)) for value in values or [])


@register.filter
def chapter_status_labels(values: list[str] | None) -> str:
    return ", ".join(str(_CHAPTER.get(value, value)) for value in values or [])
