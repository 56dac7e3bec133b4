from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from consultations.forms.fields import ChapterChoiceField
from consultations.models import Chapter


class HandoverForm(forms.Form):
    chapter = ChapterChoiceField(
        label=_("Chapter"),
        queryset=Chapter.objects.order_by("number"),
        required=False,
        empty_label=_("All chapters"),
        help_text=_("Leave it on “All chapters” for the whole negotiation."),
    )
