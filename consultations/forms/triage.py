"""Forms of the officials' triage workspace: the queue's filters, the pane's actions and the bulk actions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from consultations.forms.fields import ChapterChoiceField, SingleLineFieldsMixin
from consultations.models import Chapter, Organisation, PositionStatus, Priority, Round, Sector, Stance, User
from consultations.models.positions import UNFILED_STATUSES
from consultations.models.triage import FINAL_STATUSES, TRANSITIONS
from consultations.selectors.roles import user_official_chapter_ids, user_official_profile
from consultations.selectors.rounds import round_list_taking_input
from consultations.selectors.triage import SORTS, TriageFilters, officials_for_chapter, officials_for_user

if TYPE_CHECKING:
    from consultations.models import Position

FILED_STATUSES = [(value, label) for value, label in PositionStatus.choices if value not in UNFILED_STATUSES]
YES_NO = [("", _("Any")), ("1", _("Yes")), ("0", _("No"))]
SORT_LABELS = {
    "newest": _("Newest first"),
    "oldest": _("Oldest first"),
    "priority": _("Priority"),
    "chapter": _("Chapter"),
    "organisation": _("Organisation"),
}
MAX_AGE_DAYS = 3650
BULK_STATUSES = frozenset().union(*TRANSITIONS.values())


def _yes_no(value: str) -> bool | None:
    return {"1": True, "0": False}.get(value)


class TriageFilterForm(forms.Form):
    """The queue's filters, read from the query string. A bad value is reported on its field and left out."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    round = forms.ModelChoiceField(label=_("Round"), queryset=Round.objects.none(), required=False)
    chapter = ChapterChoiceField(label=_("Chapter"), queryset=Chapter.objects.none(), required=False)
    status = forms.MultipleChoiceField(
        label=_("Status"), choices=FILED_STATUSES, required=False, widget=forms.CheckboxSelectMultiple
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=[("", _("Any")), *Priority.choices], required=False)
    red_flag = forms.ChoiceField(label=_("Red flag"), choices=YES_NO, required=False)
    red_line = forms.ChoiceField(label=_("Red line (foco rojo or red-line priority)"), choices=YES_NO, required=False)
    stance = forms.ChoiceField(label=_("Stance"), choices=[("", _("Any")), *Stance.choices], required=False)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.order_by("name"), required=False
    )
    sector = forms.ModelChoiceField(label=_("Sector"), queryset=Sector.objects.order_by("code"), required=False)
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)
    late = forms.ChoiceField(label=_("Filed late"), choices=YES_NO, required=False)
    age = forms.IntegerField(label=_("Waiting at least (days)"), required=False, min_value=0, max_value=MAX_AGE_DAYS)
    sort = forms.ChoiceField(label=_("Sort by"), choices=list(SORT_LABELS.items()), required=False)
    position = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    # A position with its near-duplicates, together (the "N similar" marker of a row links here).
    similar_to = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        profile = user_official_profile(user)
        chapters = Chapter.objects.all()
        if profile is None or not profile.is_coordinator:
            chapters = chapters.filter(pk__in=user_official_chapter_ids(user))
        self.fields["chapter"].queryset = chapters
        self.fields["chapter"].empty_label = (
            _("All chapters") if profile is not None and profile.is_coordinator else _("All my chapters")
        )
        self.fields["round"].queryset = round_list_taking_input()
        self.fields["round"].empty_label = _("All rounds")
        self.fields["organisation"].empty_label = _("All organisations")
        self.fields["sector"].empty_label = _("All sectors")
        self.fields["assignee"].choices = [
            ("", _("Anyone")),
            ("me", _("Me")),
            ("none", _("Nobody (unassigned)")),
            *((str(official.pk), str(official)) for official in officials_for_user(user=user)),
        ]
        self.fields["q"].widget = forms.TextInput(
            attrs={"type": "search", "placeholder": _("Title or summary"), "data-triage-search": ""}
        )
        self.fields["age"].widget.attrs["inputmode"] = "numeric"
        # Choosing in a menu or a box filters at once; the search waits for Enter or "Apply".
        for name in (*self.MAIN_FIELDS, *self.MORE_FIELDS, "status"):
            self.fields[name].widget.attrs["class"] = "filter-auto"

    def filters(self) -> TriageFilters:
        """The valid part of the query string as filters; an invalid field counts as not given."""
        self.is_valid()
        data = self.cleaned_data
        for name in self.errors:
            self.fields[name].widget.attrs["aria-invalid"] = "true"
        return TriageFilters(
            round_id=data["round"].pk if data.get("round") else None,
            chapter_id=data["chapter"].pk if data.get("chapter") else None,
            statuses=tuple(data.get("status") or ()),
            priority=data.get("priority") or None,
            red_flag=_yes_no(data.get("red_flag", "")),
            red_line=_yes_no(data.get("red_line", "")),
            stance=data.get("stance") or None,
            organisation_id=data["organisation"].pk if data.get("organisation") else None,
            sector_id=data["sector"].pk if data.get("sector") else None,
            assignee=data.get("assignee") or None,
            filed_late=_yes_no(data.get("late", "")),
            min_age_days=data.get("age") or None,
            query=(data.get("q") or "").strip(),
            sort=data.get("sort") if data.get("sort") in SORTS else "newest",
            similar_to=data.get("similar_to") or None,
        )

    MAIN_FIELDS = ("chapter", "assignee", "sort")
    MORE_FIELDS = ("round", "priority", "red_flag", "red_line", "stance", "organisation", "sector", "late", "age")

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.MAIN_FIELDS]

    def more_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.MORE_FIELDS]

    def more_in_use(self) -> bool:
        """Open the "more filters" group when one of its filters is set (or wrong)."""
        return any(self.data.get(name) for name in (*self.MORE_FIELDS, "status"))


# A first visit shows what needs work, oldest first; the filters show it, and any filter in the URL replaces it.
DEFAULT_QUEUE = (("status", PositionStatus.SUBMITTED), ("status", PositionStatus.IN_REVIEW), ("sort", "oldest"))


def queue_query(query: QueryDict) -> QueryDict:
    """The query the queue is read with: ``query`` itself once any filter is in it (the filter form always sends
    its sort, so clearing every status still shows all of them), the default queue otherwise."""
    if any(name in query for name in TriageFilterForm.base_fields if name != "position"):
        return query
    default = query.copy()
    for name, value in DEFAULT_QUEUE:
        default.appendlist(name, value)
    return default


# The longest value a filter takes (the search, ``q``) and the most values one takes (the statuses).
FILTER_VALUE_MAX = 200
FILTER_VALUES_MAX = 20


def filter_query(query: QueryDict, *, drop: tuple[str, ...] = ("page", "position")) -> str:
    """The query string of the queue's filters, without the page and the open position.

    Only the queue's own parameters, and only values a filter could hold: the string is repeated in every link and
    form of the page, so a 100 kB parameter would otherwise come back as megabytes."""
    kept = QueryDict(mutable=True)
    for name in query:
        if name in drop or (name not in TriageFilterForm.base_fields and name not in ("page", "refresh")):
            continue
        values = [value for value in query.getlist(name) if len(value) <= FILTER_VALUE_MAX]
        kept.setlist(name, values[:FILTER_VALUES_MAX])
    return kept.urlencode()


class TriageActionForm(SingleLineFieldsMixin, forms.Form):
    """Every pane action carries the triage version the official saw, for the optimistic check."""

    triage_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    next_query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)
    id_prefix = "triage"

    def __init__(self, *args: Any, position: Position, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)
        self.position = position
        self.fields["triage_version"].initial = position.triage_version

    def top_errors(self) -> list[str]:
        """Errors not shown beside a visible field: the form's own, and those of its hidden fields."""
        errors = list(self.non_field_errors())
        for field in self.hidden_fields():
            errors.extend(field.errors)
        return errors


class AssignForm(TriageActionForm):
    """``assignee`` is "me", "none" or the id of an official of the position's chapter."""

    assignee = forms.ChoiceField(label=_("Assign to"))
    id_prefix = "assign"

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.officials = list(officials_for_chapter(chapter_id=self.position.chapter_id))
        self.fields["assignee"].choices = [
            ("me", _("Me")),
            ("none", _("Nobody")),
            *((str(official.pk), str(official)) for official in self.officials),
        ]
        if self.position.assigned_to_id:
            self.fields["assignee"].initial = str(self.position.assigned_to_id)

    def assignee_user(self) -> User | None:
        value = self.cleaned_data["assignee"]
        if value == "none":
            return None
        if value == "me":
            return self.user
        return next(official for official in self.officials if str(official.pk) == value)


# The order officials read the choices in: forward along the path first, back to "submitted" last.
STATUS_ORDER = [value for value in PositionStatus.values if value != PositionStatus.SUBMITTED] + [
    PositionStatus.SUBMITTED
]


def status_response_help() -> str:
    # Merging has its own form, with its own response.
    needing = [status for status in STATUS_ORDER if status in FINAL_STATUSES and status != PositionStatus.MERGED]
    return str(
        _(
            "The organisation reads this response and is notified. Required for: %(statuses)s. The saved response "
            "is kept unless you change it."
        )
    ) % {"statuses": ", ".join(str(PositionStatus(status).label) for status in needing)}


class StatusForm(TriageActionForm):
    """The pane's one decision form: a new status, the official response, or both. The response field is the only
    place the response is written; it starts with the saved text."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    response = forms.CharField(
        label=_("Official response"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    id_prefix = "status"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = TRANSITIONS.get(self.position.status, frozenset())
        choices = [(value, PositionStatus(value).label) for value in STATUS_ORDER if value in allowed]
        self.has_choices = bool(choices)
        keep = _("Keep “%(status)s”") % {"status": self.position.get_status_display()}
        self.fields["status"].choices = [("", keep), *choices]
        self.fields["status"].widget.attrs["data-triage-status"] = ""
        self.fields["response"].initial = self.position.official_response
        self.fields["response"].help_text = status_response_help()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("status") and not (data.get("response") or "").strip():
            raise forms.ValidationError(_("Choose a new status or write the response."), code="empty")
        return data


class NoteForm(TriageActionForm):
    body = forms.CharField(
        label=_("Internal note"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only officials read internal notes; the organisation never sees them."),
    )
    id_prefix = "note"


class TagForm(TriageActionForm):
    tag = forms.CharField(label=_("Add a tag"), max_length=40)
    id_prefix = "tag"


class MergeForm(TriageActionForm):
    """Merge the open position, as a duplicate, into ``original``. It is sent from the page that shows the two texts
    side by side, and only with the official's explicit confirmation."""

    original = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    response = forms.CharField(
        label=_("Official response to both organisations"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=_("I have compared both texts: merge this position into the other one as a duplicate."),
        error_messages={"required": _("Confirm that you compared both texts before merging.")},
    )
    id_prefix = "merge"

    def __init__(self, *args: Any, original: Position | None = None, **kwargs: Any) -> None:
        if original is not None:
            kwargs.setdefault("initial", {})["original"] = original.pk
        super().__init__(*args, **kwargs)
        self.original = original
        if original is not None:
            self.fields["confirm"].label = _(
                "I have compared both texts: merge #%(position)s into #%(original)s as a duplicate."
            ) % {"position": self.position.pk, "original": original.pk}


class BulkForm(SingleLineFieldsMixin, forms.Form):
    ACTIONS = [
        ("assign_me", _("Assign to me")),
        ("assign", _("Assign to…")),
        ("unassign", _("Unassign")),
        ("status", _("Set status…")),
        ("tag", _("Add tag…")),
    ]

    ids = forms.TypedMultipleChoiceField(coerce=int, required=False)
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    assignee = forms.ChoiceField(label=_("Official"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", "—"), *((v, label) for v, label in PositionStatus.choices if v in BULK_STATUSES)],
    )
    response = forms.CharField(
        label=_("Official response (one for all; required for final statuses)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    tag = forms.CharField(label=_("Tag"), required=False, max_length=40)
    next_query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_bulk_%s")
        super().__init__(*args, **kwargs)
        self.user = user
        self.officials = list(officials_for_user(user=user))
        self.fields["assignee"].choices = [("", "—"), *((str(o.pk), str(o)) for o in self.officials)]
        # Which ids count is decided against the triage scope in the view; here they only need to be numbers.
        raw_ids = self.data.getlist("ids") if self.is_bound and hasattr(self.data, "getlist") else []
        self.fields["ids"].choices = [(value, value) for value in raw_ids]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        action = data.get("action")
        if not data.get("ids"):
            raise forms.ValidationError(_("Select at least one position."), code="empty")
        if action == "assign" and not data.get("assignee"):
            self.add_error("assignee", _("Choose the official to assign the positions to."))
        if action == "status" and not data.get("status"):
            self.add_error("status", _("Choose the new status."))
        if action == "tag" and not (data.get("tag") or "").strip():
            self.add_error("tag", _("Write the tag to add."))
        return data

    def assignee_user(self) -> User | None:
        action = self.cleaned_data["action"]
        if action == "assign_me":
            return self.user
        if action == "unassign":
            return None
        return next(o for o in self.officials if str(o.pk) == self.cleaned_data["assignee"])
