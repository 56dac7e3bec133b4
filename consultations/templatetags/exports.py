"""Briefings inside the exported PDFs: the same safe Markdown rendering as their page."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from consultations.services.briefings import render_markdown

register = template.Library()


@register.filter
def markdown(value: str) -> SafeString:
    return render_markdown(value or "")
