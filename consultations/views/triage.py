"""The officials' triage workspace: the queue beside a position's pane, the pane's actions and bulk actions.

One page template (consultations/triage/queue.html) holds the partials htmx swaps: ``queue-list``, ``triage-pane``
and ``bulk-result``. Without JavaScript every link and form still works through full pages and redirects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from consultations.forms.fields import parse_id
from consultations.forms.triage import (
    AssignForm,
    BulkForm,
    MergeForm,
    NoteForm,
    StatusForm,
    TagForm,
    TriageActionForm,
    TriageFilterForm,
    filter_query,
    queue_query,
)
from consultations.models import Position, PositionStatus, TriageEvent, User
from consultations.selectors.ministries import consultation_list_for_position
from consultations.selectors.positions import field_diff, field_text
from consultations.selectors.roles import user_official_chapter_ids, user_official_profile
from consultations.selectors.triage import (
    near_duplicate_counts,
    position_for_comparison,
    position_get_for_triage,
    position_list_for_triage,
    position_near_duplicates,
    triage_scope,
)
from consultations.services import triage as triage_services
from consultations.services.errors import TriageConflict
from consultations.services.ministries import consultation_today
from consultations.views.helpers import add_service_error, paginate

TEMPLATE = "consultations/triage/queue.html"
PER_PAGE = 50
TRIAGED_EVENT = "positionTriaged"
BULK_EVENT = "positionsBulkTriaged"

ActionForm = TriageActionForm
FormFactory = Callable[[QueryDict | None, Position], ActionForm]
Apply = Callable[[Any, Position], object]


def _require_official(request: HttpRequest) -> None:
    """The workspace exists only for officials; anyone else gets the answer of a missing page."""
    if user_official_profile(request.user) is None or not request.user.is_active:
        raise Http404


def _queue_url(query: str, position_id: int | None = None) -> str:
    params = QueryDict(query, mutable=True)
    params.pop("position", None)
    if position_id is not None:
        params["position"] = str(position_id)
    encoded = params.urlencode()
    return reverse("consultations:triage_queue") + (f"?{encoded}" if encoded else "")


def _status_label(value: str) -> str:
    return str(PositionStatus(value).label) if value in PositionStatus.values else value


def _describe(event: TriageEvent, officials: dict[int, User]) -> str:
    """One line of the history, in the reader's language."""
    data = event.data or {}
    if event.action == TriageEvent.Action.ASSIGN:
        assignee = officials.get(data.get("to") or 0)
        if data.get("rotation"):
            return _("Assigned to %(official)s in rotation, on filing") % {"official": assignee or f"#{data.get('to')}"}
        return _("Assigned to %(official)s") % {"official": assignee or f"#{data.get('to')}"}
    if event.action == TriageEvent.Action.STATUS:
        return _("Status: %(from)s → %(to)s") % {
            "from": _status_label(event.from_status),
            "to": _status_label(event.to_status),
        }
    if event.action == TriageEvent.Action.TAG:
        return _("Tagged “%(tag)s”") % {"tag": data.get("tag", "")}
    if event.action == TriageEvent.Action.MERGE and data.get("original"):
        return _("Merged as a duplicate of position #%(id)s") % {"id": data["original"]}
    if event.action == TriageEvent.Action.MERGE and data.get("duplicate"):
        return _("Position #%(id)s merged into this one as a duplicate") % {"id": data["duplicate"]}
    return str(event.get_action_display())


def _pane_context(
    request: HttpRequest,
    position: Position,
    *,
    next_query: str,
    bound: ActionForm | None = None,
    conflict: TriageConflict | None = None,
    result: str = "",
    autofocus: bool = True,
) -> dict[str, Any]:
    """Everything the pane shows. ``bound`` is the form that failed, kept as the official typed it."""
    initial = {"next_query": next_query}

    def pick(form_class: type[ActionForm], **kwargs: Any) -> ActionForm:
        if bound is not None and type(bound) is form_class:
            return bound
        return form_class(position=position, initial=dict(initial), **kwargs)

    assign_form = pick(AssignForm, user=request.user)
    officials = {official.pk: official for official in assign_form.officials}
    return {
        "position": position,
        "assign_form": assign_form,
        "status_form": pick(StatusForm),
        "note_form": pick(NoteForm),
        "tag_form": pick(TagForm),
        # Each one opens the comparison, the only way to merge: the official reads both texts first.
        "duplicates": list(position_near_duplicates(position=position)),
        "history": [(event, _describe(event, officials)) for event in position.triage_events.all()],
        # Other ministries' opinions: internal like the notes, read only by officials who may see each request.
        "consultations": consultation_list_for_position(user=request.user, position=position),
        "consultation_today": consultation_today(timezone.now()),
        "conflict": conflict,
        "result": result,
        "failed": bound is not None,
        "pane_autofocus": autofocus and bound is None,
        "next_query": next_query,
    }


def _render_queue(
    request: HttpRequest, *, query: QueryDict, open_position: Position | None = None, pane: dict[str, Any] | None = None
) -> HttpResponse:
    """The whole workspace page: filters, the list, and the pane (empty, or with ``open_position``)."""
    profile = user_official_profile(request.user)
    filter_form = TriageFilterForm(query, user=request.user)
    filters = filter_form.filters()
    position_filter = filter_form.cleaned_data.get("position")
    if open_position is None and pane is None and position_filter:
        try:
            open_position = position_get_for_triage(user=request.user, position_id=position_filter)
        except Http404:
            open_position = None
    page = paginate(position_list_for_triage(user=request.user, filters=filters), request, per_page=PER_PAGE)
    _add_marks(page.object_list)
    current_filters = filter_query(query)
    if pane is None and open_position is not None:
        pane = _pane_context(request, open_position, next_query=filter_query(query, drop=("position",)))
    context = {
        "filter_form": filter_form,
        "page": page,
        "filter_query": current_filters,
        "list_query": filter_query(query, drop=("position",)),
        "open_id": pane["position"].pk if pane else None,
        "no_chapters": profile is not None
        and not profile.is_coordinator
        and not user_official_chapter_ids(request.user),
        "bulk_form": BulkForm(user=request.user, initial={"next_query": filter_query(query, drop=("position",))}),
        **(pane or {}),
    }
    return render(request, TEMPLATE, context)


def _add_marks(positions: Any) -> None:
    """What a row shows beside its fields: its age and how many near-duplicates it has (one query for the page)."""
    now = timezone.now()
    positions = list(positions)
    similar = near_duplicate_counts(ids=[position.pk for position in positions])
    for position in positions:
        position.age_days = (now - position.filed_at).days if position.filed_at else 0
        position.similar_count = similar.get(position.pk, 0)


@require_GET
@login_required
@vary_on_headers("HX-Request")
def triage_queue(request: HttpRequest) -> HttpResponse:
    _require_official(request)
    query = queue_query(request.GET)
    if not request.htmx:
        return _render_queue(request, query=query)
    filter_form = TriageFilterForm(query, user=request.user)
    page = paginate(
        position_list_for_triage(user=request.user, filters=filter_form.filters()), request, per_page=PER_PAGE
    )
    _add_marks(page.object_list)
    context = {
        "filter_form": filter_form,
        "page": page,
        "filter_query": filter_query(query),
        "list_query": filter_query(query, drop=("position",)),
        "open_id": filter_form.cleaned_data.get("position"),
    }
    return render(request, TEMPLATE + "#queue-list", context)


@require_GET
@login_required
@vary_on_headers("HX-Request")
def triage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_official(request)
    position = position_get_for_triage(user=request.user, position_id=pk)
    if not request.htmx:
        return _render_queue(request, query=queue_query(request.GET), open_position=position)
    # A refresh after a bulk action keeps the official's focus where it is; opening a position moves it here.
    context = _pane_context(
        request,
        position,
        next_query=filter_query(request.GET, drop=("position", "refresh")),
        autofocus="refresh" not in request.GET,
    )
    return render(request, TEMPLATE + "#triage-pane", context)


def _pane_action(
    request: HttpRequest, pk: int, make_form: FormFactory, apply: Apply, done: Callable[[Any], str]
) -> HttpResponse:
    """Run one pane action: validate, call the service, and answer with the pane (htmx) or a redirect.

    A stale ``triage_version`` ends in a conflict box naming the other official's change, with the current state and
    the official's own input kept in the form, now based on the current version.
    """
    _require_official(request)
    position = position_get_for_triage(user=request.user, position_id=pk)
    form = make_form(request.POST, position)
    conflict: TriageConflict | None = None
    if form.is_valid():
        try:
            apply(form, position)
        except TriageConflict as error:
            conflict = error
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return _action_done(request, position.pk, done(form), form.cleaned_data.get("next_query", ""))
    next_query = form.cleaned_data.get("next_query", "") if hasattr(form, "cleaned_data") else ""
    if conflict is not None:
        position = position_get_for_triage(user=request.user, position_id=pk)
        data = request.POST.copy()
        data["triage_version"] = str(position.triage_version)
        form = make_form(data, position)
    pane = _pane_context(request, position, next_query=next_query, bound=form, conflict=conflict)
    if request.htmx:
        return render(request, TEMPLATE + "#triage-pane", pane)
    return _render_queue(request, query=QueryDict(next_query), open_position=position, pane=pane)


def _action_done(request: HttpRequest, pk: int, message: str, next_query: str) -> HttpResponse:
    if not request.htmx:
        messages.success(request, message)
        return redirect(_queue_url(next_query, pk))
    position = position_get_for_triage(user=request.user, position_id=pk)
    pane = _pane_context(request, position, next_query=next_query, result=message, autofocus=False)
    response = render(request, TEMPLATE + "#triage-pane", pane)
    return trigger_client_event(response, TRIAGED_EVENT, {"id": pk})


def _expected(form: Form) -> int:
    return form.cleaned_data["triage_version"]


@require_POST
@login_required
def triage_assign(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(form: AssignForm, position: Position) -> object:
        return triage_services.position_assign(
            by=request.user, position=position, assignee=form.assignee_user(), expected_version=_expected(form)
        )

    def done(form: AssignForm) -> str:
        assignee = form.assignee_user()
        return _("Assigned to %(official)s.") % {"official": assignee} if assignee else _("Unassigned.")

    return _pane_action(
        request, pk, lambda data, position: AssignForm(data, position=position, user=request.user), apply, done
    )


def _service_action(
    request: HttpRequest,
    pk: int,
    form_class: type[ActionForm],
    service: Callable[..., object],
    fields: tuple[str, ...],
    done: str | Callable[[Any], str],
    *,
    versioned: bool = True,
) -> HttpResponse:
    """A pane action that hands the form's ``fields`` to one triage service (with the version check unless the
    action only adds, as notes and tags do). ``done`` is the success message, or builds it from the form."""

    def apply(form: ActionForm, position: Position) -> object:
        values = {name: form.cleaned_data[name] for name in fields}
        if versioned:
            values["expected_version"] = _expected(form)
        return service(by=request.user, position=position, **values)

    message = done if callable(done) else (lambda form: done)
    return _pane_action(request, pk, lambda data, position: form_class(data, position=position), apply, message)


@require_POST
@login_required
def triage_status(request: HttpRequest, pk: int) -> HttpResponse:
    def done(form: StatusForm) -> str:
        if not form.cleaned_data["status"]:
            return _("Official response saved; the organisation will be notified.")
        return _("Status set to “%(status)s”.") % {"status": _status_label(form.cleaned_data["status"])}

    return _service_action(request, pk, StatusForm, triage_services.position_decide, ("status", "response"), done)


@require_POST
@login_required
def triage_note(request: HttpRequest, pk: int) -> HttpResponse:
    # Notes only add up (two officials writing at once both keep theirs), so they take no version check.
    added = _("Internal note added.")
    return _service_action(request, pk, NoteForm, triage_services.position_note_add, ("body",), added, versioned=False)


@require_POST
@login_required
def triage_tag(request: HttpRequest, pk: int) -> HttpResponse:
    return _service_action(
        request, pk, TagForm, triage_services.position_tag, ("tag",), _("Tag added."), versioned=False
    )


MERGE_TEMPLATE = "consultations/triage/merge.html"
# The fields the comparison shows side by side, in reading order; the organisation comes after the title.
COMPARED_FIELDS = (
    "title",
    "summary",
    "body",
    "requested_outcome",
    "fallback_position",
    "stance",
    "priority",
    "hs_lines",
)


def _comparison(position: Position, original: Position) -> dict[str, Any]:
    """Both positions field by field, and the words that differ (the original's removed, this one's added)."""
    rows = []
    diff = []
    for name in COMPARED_FIELDS:
        label = str(Position._meta.get_field(name).verbose_name)
        rows.append((label, field_text(original, name), field_text(position, name)))
        changed = field_diff(name, label, getattr(original, name), getattr(position, name))
        if changed is not None:
            diff.append(changed)
    organisation = str(_("organisation"))
    rows.insert(1, (organisation, original.organisation.name, position.organisation.name))
    return {"rows": rows, "diff": diff}


def _render_merge(
    request: HttpRequest, position: Position, original: Position, form: MergeForm, *, conflict: TriageConflict | None
) -> HttpResponse:
    next_query = form["next_query"].value() or ""
    context = {
        "position": position,
        "original": original,
        "merge_form": form,
        "conflict": conflict,
        "next_query": next_query,
        "back_url": _queue_url(next_query, position.pk),
        **_comparison(position, original),
    }
    return render(request, MERGE_TEMPLATE + ("#merge-compare" if request.htmx else ""), context)


@require_http_methods(["GET", "POST"])
@login_required
@vary_on_headers("HX-Request")
def triage_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """The two positions side by side, with the words that differ, and the merge form (GET); the merge (POST).

    Merging needs the official's explicit confirmation on this page: the pane only links here.
    """
    _require_official(request)
    position = position_get_for_triage(user=request.user, position_id=pk)
    raw_original = request.POST.get("original") if request.method == "POST" else request.GET.get("original")
    original_id = parse_id(raw_original)
    if original_id is None:
        raise Http404
    original = position_for_comparison(user=request.user, position=position, original_id=original_id)
    if request.method == "GET":
        next_query = filter_query(request.GET, drop=("position", "original"))
        form = MergeForm(position=position, original=original, initial={"next_query": next_query})
        return _render_merge(request, position, original, form, conflict=None)
    form = MergeForm(request.POST, position=position, original=original)
    conflict: TriageConflict | None = None
    if form.is_valid():
        try:
            triage_services.position_merge_duplicate(
                by=request.user,
                position=position,
                original=original,
                response=form.cleaned_data["response"],
                expected_version=_expected(form),
            )
        except TriageConflict as error:
            conflict = error
        except ValidationError as error:
            add_service_error(form, error)
        else:
            message = _("Merged as a duplicate of position #%(id)d; both organisations will be notified.") % {
                "id": original.pk
            }
            return _action_done(request, position.pk, message, form.cleaned_data.get("next_query", ""))
    if conflict is not None:
        position = position_get_for_triage(user=request.user, position_id=pk)
        data = request.POST.copy()
        data["triage_version"] = str(position.triage_version)
        form = MergeForm(data, position=position, original=original)
        form.is_valid()
    return _render_merge(request, position, original, form, conflict=conflict)


@require_POST
@login_required
def triage_bulk(request: HttpRequest) -> HttpResponse:
    """One action on the selected positions. Ids outside the official's scope are not looked at."""
    _require_official(request)
    form = BulkForm(request.POST, user=request.user)
    next_query = request.POST.get("next_query", "")
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return _bulk_answer(request, next_query, done=False)
    positions = list(triage_scope(user=request.user).filter(pk__in=form.cleaned_data["ids"]).order_by("pk"))
    action = form.cleaned_data["action"]
    if action in ("assign_me", "assign", "unassign"):
        result = triage_services.positions_bulk_assign(
            by=request.user, positions=positions, assignee=form.assignee_user()
        )
    elif action == "status":
        result = triage_services.positions_bulk_set_status(
            by=request.user,
            positions=positions,
            status=form.cleaned_data["status"],
            response=form.cleaned_data["response"],
        )
    else:
        try:
            result = triage_services.positions_bulk_tag(
                by=request.user, positions=positions, tag=form.cleaned_data["tag"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return _bulk_answer(request, next_query, done=False)
    # Each position is named, so the official sees which ones were done and which were skipped, and why.
    titles = {position.pk: position.title for position in positions}

    def named(pk: int) -> str:
        return _("#%(id)d «%(title)s»") % {"id": pk, "title": titles.get(pk, "")}

    if result.done:
        done = ngettext("%(count)d done: %(names)s.", "%(count)d done: %(names)s.", len(result.done))
        messages.success(request, done % {"count": len(result.done), "names": "; ".join(map(named, result.done))})
    if not result.done and not result.skipped:
        messages.info(request, _("No position was changed."))
    if result.skipped:
        skipped = ngettext("%(count)d skipped: %(reasons)s.", "%(count)d skipped: %(reasons)s.", len(result.skipped))
        reasons = "; ".join(f"{named(pk)}: {reason}" for pk, reason in result.skipped.items())
        messages.warning(request, skipped % {"count": len(result.skipped), "reasons": reasons})
    return _bulk_answer(request, next_query, done=bool(result.done))


def _bulk_answer(request: HttpRequest, next_query: str, *, done: bool) -> HttpResponse:
    if not request.htmx:
        return redirect(_queue_url(next_query))
    response = render(request, TEMPLATE + "#bulk-result", {"show_messages": True})
    if done:
        # The list refreshes itself (and clears the selection); an open pane reloads without taking the focus.
        trigger_client_event(response, TRIAGED_EVENT, {})
        trigger_client_event(response, BULK_EVENT, {})
    return response
