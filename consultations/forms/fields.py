"""Form fields shared by several areas."""

from __future__ import annotations

import zoneinfo

from django import forms

from consultations.models import Chapter


class ChapterChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Chapter) -> str:
        return f"{obj.number}. {obj.title}"


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]
