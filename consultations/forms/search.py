"""The search form: the words, and the kind, chapter and round filters (all in the URL)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from consultations.forms.fields import ChapterChoiceField
from consultations.models import Chapter, Round, User
from consultations.selectors.room import room_round_list
from consultations.selectors.search import KIND_LABELS, search_kinds_for


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    chapter = ChapterChoiceField(label=_("Chapter"), queryset=Chapter.objects.none(), required=False)
    round = forms.ModelChoiceField(label=_("Round"), queryset=Round.objects.none(), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the kinds this user may search are offered; another value in the URL is left out like a bad filter.
        self.fields["kind"].choices = [
            ("", _("Everything")),
            *((kind, KIND_LABELS[kind]) for kind in search_kinds_for(user)),
        ]
        self.fields["chapter"].queryset = Chapter.objects.order_by("number")
        self.fields["chapter"].empty_label = _("All chapters")
        self.fields["round"].queryset = room_round_list()
        self.fields["round"].empty_label = _("All rounds")
        self.fields["q"].widget.input_type = "search"

    def value(self, name: str) -> Any:
        """A filter's value, or None; a filter that is not valid is left out alone."""
        self.is_valid()
        return getattr(self, "cleaned_data", {}).get(name) or None
