"""Forms for consultation requests between ministries."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from consultations.forms.rounds import DateInput
from consultations.models import Ministry, User
from consultations.selectors.ministries import ministry_list_to_consult
from consultations.services.ministries import MAX_ANSWER, MAX_QUESTION


class MinistryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Ministry) -> str:
        return str(obj)


class ConsultationRequestForm(forms.Form):
    """The service checks every rule (own ministry, empty question, past date) with its own messages; the form only
    parses, so a request that reaches the service with a ministry the form hid is refused there, not here."""

    to_ministry = MinistryChoiceField(
        label=_("Ministry to consult"),
        queryset=Ministry.objects.none(),
        required=False,
        empty_label=_("Choose a ministry"),
    )
    question = forms.CharField(
        label=_("Question"),
        required=False,
        max_length=MAX_QUESTION,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Officials only: the organisation never reads it."),
    )
    due_on = forms.DateField(label=_("Answer due on"), required=False, widget=DateInput)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_consult_%s")
        super().__init__(*args, **kwargs)
        # Every active ministry parses, the user's own too: the service answers it with a clear message.
        self.fields["to_ministry"].queryset = Ministry.objects.filter(is_active=True).order_by("name_es")
        self.choices_shown = list(ministry_list_to_consult(user=user))
        self.fields["to_ministry"].widget.choices = [
            ("", self.fields["to_ministry"].empty_label),
            *((ministry.pk, str(ministry)) for ministry in self.choices_shown),
        ]


class ConsultationAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your ministry's answer"),
        required=False,
        max_length=MAX_ANSWER,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Officials only: it joins the position's triage context and never reaches the organisation."),
    )
