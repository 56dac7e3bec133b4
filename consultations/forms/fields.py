"""Form fields shared by several areas."""

from __future__ import annotations

import re
import zoneinfo
from typing import Any

from django import forms

from consultations.models import Chapter

# The longest id a bigint column holds (9223372036854775807 has 19 digits).
ID_DIGITS_MAX = 18


def parse_id(value: str | None) -> int | None:
    """An object id typed or sent by the user, or None: ASCII-compatible decimal digits only (``str.isdigit`` also
    passes "²", which ``int`` refuses) and short enough for a bigint (``int`` refuses more than 4,300 digits)."""
    if value and value.isdecimal() and len(value) <= ID_DIGITS_MAX:
        return int(value)
    return None


class ChapterChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Chapter) -> str:
        return f"{obj.number}. {obj.title}"


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


# Line breaks and other control characters, and the invisible marks that reorder text (bidi overrides). In a title
# they break e-mail headers and spoof what a reader sees; they have no business in a one-line field.
NOT_IN_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def single_line(value: str) -> str:
    """``value`` on one line: control characters become spaces and runs of spaces collapse into one."""
    return " ".join(NOT_IN_ONE_LINE.sub(" ", value).split())


def _is_single_line(field: forms.Field) -> bool:
    return isinstance(field, forms.CharField) and not isinstance(
        field.widget, forms.Textarea | forms.HiddenInput | forms.PasswordInput
    )


class SingleLineFieldsMixin:
    """Every one-line text field of the form is cleaned on input (before its validators run) with ``single_line``:
    the one place where titles, labels, names and tags lose line breaks and control characters."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            if _is_single_line(field):
                field.to_python = _one_line(field.to_python)


def _one_line(to_python: Any) -> Any:
    def clean(value: Any) -> Any:
        value = to_python(value)
        return single_line(value) if isinstance(value, str) else value

    return clean
