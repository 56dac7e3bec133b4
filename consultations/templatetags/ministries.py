from __future__ import annotations

from django import template

from consultations.selectors.ministries import consultation_open_count_for
from consultations.selectors.workload import user_is_workload_reader

register = template.Library()


@register.simple_tag
def consultations_waiting(user, roles) -> int:  # noqa: ANN001
    """``{% consultations_waiting user roles as waiting %}``: open requests addressed to an official's ministry,
    for the navigation's badge; no query for anyone else."""
    if not roles.get("is_official"):
        return 0
    return consultation_open_count_for(user=user)


@register.simple_tag
def reads_workload(user, roles) -> bool:  # noqa: ANN001
    return bool(roles.get("is_official")) and user_is_workload_reader(user)


@register.filter
def consultations_of(grouped, issue_id):  # noqa: ANN001, ANN201 - the view's {issue id: [requests]}
    """``issue_consultations|consultations_of:issue.pk``: that issue's requests, from the page's one query."""
    return (grouped or {}).get(issue_id, [])
