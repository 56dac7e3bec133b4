"""The world and the requests of the permission matrix (tests/consultations/test_permissions.py).

``build_world`` creates, through the services where it matters, one object of every kind a view can target;
``CASES`` says, for every view case, which URL is requested, with which method and data, and which position
it is about. The expected answers live in the matrix of test_permissions.py, not here.

This module doubles as a URLconf (``urlpatterns``): the site's URLs plus /dev/mail/, which the site only
mounts under DEBUG, so the matrix can check who may read the local inbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import include, path, reverse
from django.utils import timezone

from consultations import models
from consultations.models.deliveries import DIGEST_PRE, digest_delivery_key
from consultations.services import api_tokens as api_token_services
from consultations.services import attachments as attachment_services
from consultations.services import briefings as briefing_services
from consultations.services import cosignatures as cosignature_services
from consultations.services import intelligence as intelligence_services
from consultations.services import invitations as invitation_services
from consultations.services import ministries as ministry_services
from consultations.services import positions as position_services
from consultations.services import room_questions as question_services
from consultations.services import state_of_play as state_of_play_services
from consultations.services import triage as triage_services
from tests import factories
from tests.conftest import Cast

DEV_URLCONF = __name__


def __getattr__(name: str) -> Any:
    """As a URLconf: the site plus the local inbox, which usmca.urls mounts only when DEBUG is on.

    Built on first use, not at import: importing usmca.urls while collecting tests (DEBUG still on) would mount
    /dev/mail/ for the whole test session.
    """
    if name == "urlpatterns":
        from usmca import urls

        return [path("dev/", include("consultations.urls.dev")), *urls.urlpatterns]
    raise AttributeError(name)


# The roles of the shared cast (tests/conftest.py): the API's matrix (tests/consultations/api) is written for these.
CAST_ROLES: tuple[str, ...] = (
    "anonymous",
    "delegate_a",
    "delegate_b",
    "coordinator_a",
    "official_of_chapter",
    "official_of_other_chapter",
    "coordinator",
    "admin",
)
# The site's matrix adds the negotiator: an official (OfficialProfile.is_negotiator) leading the table of `chapter`
# (DESIGN.md: everything an official can for their chapters, plus briefings, room questions and the state of play).
ROLES: tuple[str, ...] = (*CAST_ROLES, "negotiator")

# Unique strings: none is a substring of another, so "the title is (not) in the body" is exact.
TITLES: dict[str, str] = {
    "draft_a": "TITULO-BORRADOR-A-7f3",
    "awaiting_a": "TITULO-PORFIRMAR-A-7f3",
    "gov_a": "TITULO-SECRETO-A-7f3",
    "room_a": "TITULO-SALA-A-7f3",
    "cosign_a": "TITULO-COFIRMA-A-7f3",
    "declined_a": "TITULO-DECLINADA-A-7f3",
    "gov_b": "TITULO-SECRETO-B-7f3",
}
NEW_TITLE = "TITULO-NUEVO-7f3"
# The text of the world's open issue and of its chapter's status note: never in an answer to a delegate.
ISSUE_CANARY = "TEMA-ABIERTO-CANARIO-7f3"
STATUS_NOTE_CANARY = "NOTA-ESTADO-CANARIO-7f3"
INTELLIGENCE_TITLE = "NOTA-INTELIGENCIA-7f3"
INTELLIGENCE_BODY = "ANALISIS-INTELIGENCIA-7f3"
BRIEFING_TITLE = "LECTURA-SALA-7f3"
QUESTION_TEXT = "PREGUNTA-SALA-7f3"

# The smallest files that pass the content sniffing of services.attachments (it looks for the %PDF magic).
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OTHER_PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\n2 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name: str = "anexo.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@dataclass
class World:
    """Everything the matrix requests, built fresh for each test."""

    cast: Cast
    chapter: models.Chapter
    other_chapter: models.Chapter
    round: models.Round
    positions: dict[str, models.Position]
    gov_attachment: models.Attachment  # on gov_a (filed): part of the record
    draft_attachment: models.Attachment  # on draft_a: its authors may remove it
    pending_cosignature: models.CoSignature  # org A invited org B to co-sign cosign_a; not answered yet
    membership_delegate_a: models.Membership
    member_invitation: models.Invitation  # pending invitation of org A, sent by coordinator A
    api_token: models.ApiToken  # delegate A's personal API token
    export_done: models.ExportJob  # official_of_chapter's finished export, with its file
    export_failed: models.ExportJob  # official_of_chapter's failed export (retry target)
    # The state of play of `chapter`: a status (government only) and an open issue whose text is ISSUE_CANARY.
    issue: models.OpenIssue
    intelligence_note: models.IntelligenceNote  # in `chapter`, linked to gov_a: the government side only
    intelligence_attachment: models.IntelligenceAttachment
    # Economía (official_of_chapter) asks about gov_a: "addressed" goes to Agricultura, the ministry of
    # official_of_other_chapter; "other" to Hacienda, which nobody of the cast belongs to.
    consultations: dict[str, models.ConsultationRequest] = field(default_factory=dict)
    # The room of `chapter` (org A follows it): the negotiator's briefing and question, org A's answer.
    negotiator: models.User | None = None
    briefing: models.Briefing | None = None
    question: models.RoomQuestion | None = None
    # Delegate A's unread notification and a digest e-mail to delegate A that was not sent.
    notification: models.Notification | None = None
    delivery: models.Delivery | None = None

    def user(self, role: str) -> models.User | None:
        if role == "negotiator":
            return self.negotiator
        return None if role == "anonymous" else getattr(self.cast, role)


def _file(position: models.Position, by: models.User) -> models.Position:
    return position_services.position_file(by=by, position=position)


def _export_job(requester: models.User, round: models.Round, *, done: bool) -> models.ExportJob:
    job = models.ExportJob.objects.create(
        requester=requester,
        kind=models.ExportKind.BOOK_CSV,
        parameters={"round_id": round.pk},
        status=models.ExportJob.Status.FAILED,
        error="Falló en la prueba.",
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    if done:
        job.file.save("libro.csv", ContentFile("\ufeffID\n".encode()), save=False)
        job.filename = "libro.csv"
        job.status = models.ExportJob.Status.DONE
        job.error = ""
        job.save()
    return job


def build_world(cast: Cast, chapter: models.Chapter, other_chapter: models.Chapter, round: models.Round) -> World:
    org_a, org_b = cast.org_a, cast.org_b

    def position(key: str, organisation: models.Organisation, **kwargs: Any) -> models.Position:
        defaults: dict[str, Any] = {
            "organisation": organisation,
            "chapter": chapter,
            "round": round,
            "title": TITLES[key],
            "created_by": cast.delegate_a if organisation == org_a else cast.delegate_b,
        }
        return factories.PositionFactory(**(defaults | kwargs))

    draft_a = position("draft_a", org_a)
    awaiting_a = position(
        "awaiting_a",
        org_a,
        status=models.PositionStatus.AWAITING_SIGNOFF,
        signoff_requested_at=timezone.now(),
    )
    gov_a = position("gov_a", org_a)
    gov_attachment = attachment_services.attachment_add(by=cast.delegate_a, position=gov_a, upload=pdf_upload())
    gov_a = _file(gov_a, cast.delegate_a)
    room_a = _file(position("room_a", org_a, confidentiality=models.Confidentiality.ROOM), cast.delegate_a)
    # The matrix targets gov_a and room_a: filed through the service (revision 1 and all). The others only
    # need to be filed for the visibility rules, so they are made filed directly (faster).
    filed = {"status": models.PositionStatus.SUBMITTED, "filed_at": timezone.now()}
    cosign_a = position("cosign_a", org_a, **filed)
    pending = cosignature_services.cosignature_invite(by=cast.delegate_a, position=cosign_a, organisation=org_b)
    declined_a = position("declined_a", org_a, **filed)
    declined = cosignature_services.cosignature_invite(by=cast.delegate_a, position=declined_a, organisation=org_b)
    cosignature_services.cosignature_respond(by=cast.delegate_b, cosignature=declined, accept=False)
    gov_b = position("gov_b", org_b, chapter=other_chapter, **filed)
    draft_attachment = attachment_services.attachment_add(
        by=cast.delegate_a, position=draft_a, upload=pdf_upload("borrador.pdf")
    )
    invitation, _token = invitation_services.invitation_create(
        by=cast.coordinator_a, email="invitada.a@example.mx", role=models.Invitation.Role.DELEGATE, organisation=org_a
    )
    consultations = _consultations(cast, gov_a)
    # declined_a is assigned to official_of_chapter: the coordinator's rebalance moves it.
    triage_services.position_assign(by=cast.official_of_chapter, position=declined_a, assignee=cast.official_of_chapter)
    declined_a.refresh_from_db()
    state_of_play_services.chapter_status_set(
        chapter=chapter,
        round=round,
        by=cast.coordinator,
        status=models.ChapterStatus.IN_NEGOTIATION,
        note=STATUS_NOTE_CANARY,
    )
    issue = state_of_play_services.open_issue_create(
        chapter=chapter, round=round, by=cast.coordinator, text=ISSUE_CANARY, parties=["US"], positions=[gov_a]
    )
    note = intelligence_services.intelligence_note_create(
        by=cast.official_of_chapter,
        chapter=chapter,
        title=INTELLIGENCE_TITLE,
        body_markdown=INTELLIGENCE_BODY,
        tags=["acero"],
        rounds=[round],
        position_ids=[gov_a.pk],
    )
    note_attachment = intelligence_services.intelligence_attachment_add(
        by=cast.official_of_chapter, note=note, upload=pdf_upload("estudio.pdf")
    )
    api_token, _secret = api_token_services.api_token_create(
        by=cast.delegate_a, name="Hoja de socios", scope="read", expires_at=timezone.now() + dt.timedelta(days=30)
    )
    consultations["issue"] = ministry_services.consultation_request_create(
        by=cast.official_of_chapter,
        open_issue=issue,
        to_ministry=models.Ministry.objects.get(code="agricultura"),
        question=f"{CONSULTATION_QUESTION} issue",
        due_on=consultations["addressed"].due_on,
    )
    positions = {
        "draft_a": draft_a,
        "awaiting_a": awaiting_a,
        "gov_a": gov_a,
        "room_a": room_a,
        "cosign_a": cosign_a,
        "declined_a": declined_a,
        "gov_b": gov_b,
    }
    assert {key: p.title for key, p in positions.items()} == TITLES
    negotiator = factories.official(chapters=[chapter], negotiator=True)
    org_a.followed_chapters.add(chapter)
    briefing = briefing_services.briefing_post(
        by=negotiator, chapter=chapter, round=round, title=BRIEFING_TITLE, body_markdown="Se discutió **el acero**."
    )
    question = question_services.room_question_ask(
        by=negotiator,
        chapter=chapter,
        round=round,
        text=QUESTION_TEXT,
        response_deadline=timezone.now() + dt.timedelta(hours=6),
    )
    notification = models.Notification.objects.create(
        recipient=cast.delegate_a,
        kind=models.NotificationKind.BRIEFING,
        title=BRIEFING_TITLE,
        url=reverse("consultations:briefing_detail", args=[briefing.pk]),
        key=f"briefing:{briefing.pk}",
    )
    delivery = models.Delivery.objects.create(
        kind=DIGEST_PRE,
        key=digest_delivery_key(round),
        recipient=cast.delegate_a,
        status=models.Delivery.Status.FAILED,
        last_error="Rechazado en la prueba.",
    )
    return World(
        cast=cast,
        chapter=chapter,
        other_chapter=other_chapter,
        round=round,
        positions=positions,
        gov_attachment=gov_attachment,
        draft_attachment=draft_attachment,
        pending_cosignature=pending,
        membership_delegate_a=models.Membership.objects.get(user=cast.delegate_a, organisation=org_a),
        member_invitation=invitation,
        export_done=_export_job(cast.official_of_chapter, round, done=True),
        export_failed=_export_job(cast.official_of_chapter, round, done=False),
        consultations=consultations,
        issue=issue,
        intelligence_note=note,
        intelligence_attachment=note_attachment,
        api_token=api_token,
        negotiator=negotiator,
        briefing=briefing,
        question=question,
        notification=notification,
        delivery=delivery,
    )


CONSULTATION_QUESTION = "PREGUNTA-INTERMINISTERIAL-7f3"
CONSULTATION_ANSWER = "RESPUESTA-INTERMINISTERIAL-7f3"


def _consultations(cast: Cast, position: models.Position) -> dict[str, models.ConsultationRequest]:
    from consultations.reference.ministries import MINISTRIES

    ministries = {
        fact.code: models.Ministry.objects.get_or_create(
            code=fact.code, defaults={"acronym": fact.acronym, "name_es": fact.name_es, "name_en": fact.name_en}
        )[0]
        for fact in MINISTRIES
    }
    models.OfficialProfile.objects.filter(user=cast.official_of_other_chapter).update(ministry="agricultura")
    for user in (cast.official_of_chapter, cast.official_of_other_chapter):
        user.__dict__.pop("_official_profile_cache", None)
    due = timezone.localdate() + dt.timedelta(days=5)
    return {
        key: ministry_services.consultation_request_create(
            by=cast.official_of_chapter,
            position=position,
            to_ministry=ministries[code],
            question=f"{CONSULTATION_QUESTION} {key}",
            due_on=due,
        )
        for key, code in (("addressed", "agricultura"), ("other", "hacienda"))
    }


# --- Request data -------------------------------------------------------------------------------------------


def _content(position: models.Position) -> dict[str, Any]:
    """The content form fields of ``position`` as posted by its form, with the summary changed."""
    return {
        "title": position.title,
        "summary": f"{position.summary} Cambiado en la prueba.",
        "body": position.body,
        "stance": position.stance,
        "priority": position.priority,
        "requested_outcome": position.requested_outcome,
        "fallback_position": position.fallback_position,
        "hs_lines": ", ".join(position.hs_lines),
        "exports_usd": "" if position.exports_usd is None else position.exports_usd,
        "jobs": "" if position.jobs is None else position.jobs,
        "confidentiality": position.confidentiality,
        "version": position.version,
    }


def _draft_data(w: World) -> dict[str, Any]:
    draft = w.positions["draft_a"]
    return _content(draft) | {"chapter": draft.chapter_id, "round": draft.round_id}


def _create_data(w: World) -> dict[str, Any]:
    return {
        "chapter": w.chapter.pk,
        "round": w.round.pk,
        "title": NEW_TITLE,
        "summary": "Una posición nueva.",
        "stance": models.Stance.OFFENSIVE,
        "priority": models.Priority.MEDIUM,
        "confidentiality": models.Confidentiality.GOVERNMENT,
        "hs_lines": "",
    }


def _amend_data(w: World) -> dict[str, Any]:
    return _content(w.positions["gov_a"]) | {"reason": "Precisión del resumen."}


def _url(name: str, *args: object) -> Callable[[World], str]:
    return lambda w: reverse(f"consultations:{name}", args=args)


def _position_url(name: str, key: str) -> Callable[[World], str]:
    return lambda w: reverse(f"consultations:{name}", args=[w.positions[key].pk])


@dataclass(frozen=True)
class ViewCase:
    """One request of the matrix: a view, a method, the object it targets."""

    name: str
    method: Literal["get", "post"]
    url: Callable[[World], str]
    data: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    # The position the request is about: its title must not leak when the request is denied.
    target: str | None = None
    # An allowed GET of this page shows the target's title.
    shows_target: bool = False
    # Allowed answers that are redirects go here (checked so an error redirect is not taken for success).
    success_url: Callable[[World], str] | None = None
    urlconf: str | None = None
    # Sent as htmx sends it (HX-Request: true): the view answers with a partial, not the whole page.
    htmx: bool = False
    # Positions an allowed answer shows to a role that cannot otherwise read them: the ministry consulted on a
    # position reads the position it is asked about (and nothing else).
    reveals: tuple[str, ...] = ()
    # An allowed POST changes the database (checked). False where allowed may still change nothing: a language
    # cookie, reopening a question that is open.
    writes: bool = True


# --- Triage and dashboards -----------------------------------------------------------------------------------
# The triage cases act on gov_a (filed by org A in `chapter`, the chapter of official_of_chapter); the draft cases on
# draft_a, which nobody triages. Every allowed action must change the database (see _db_state in the matrix).
TRIAGE_TARGET = "gov_a"
TRIAGE_NOTE = "NOTA-MATRIZ-7f3"
TRIAGE_RESPONSE = "RESPUESTA-MATRIZ-7f3"
TRIAGE_TAG = "etiqueta-matriz-7f3"


def _triage_done_url(w: World) -> str:
    """Where a plain (non-htmx) pane action sends the official: the queue with the position open."""
    return f"{reverse('consultations:triage_queue')}?position={w.positions[TRIAGE_TARGET].pk}"


def _triage_data(**fields: Any) -> Callable[[World], dict[str, Any]]:
    """A pane action's form: the fields plus the triage version the official saw and the queue's filters."""

    def data(w: World) -> dict[str, Any]:
        values = {key: value(w) if callable(value) else value for key, value in fields.items()}
        return {"triage_version": w.positions[TRIAGE_TARGET].triage_version, "next_query": ""} | values

    return data


def _bulk_data(w: World) -> dict[str, Any]:
    return {"ids": [w.positions[TRIAGE_TARGET].pk], "action": "assign_me", "next_query": ""}


def _triage_cases() -> list[ViewCase]:
    target = TRIAGE_TARGET
    detail = _position_url("triage_detail", target)
    cases = [
        ViewCase("triage_queue", "get", _url("triage_queue")),
        ViewCase("triage_queue_htmx", "get", _url("triage_queue"), htmx=True),
        ViewCase("triage_detail", "get", detail, target=target, shows_target=True),
        ViewCase("triage_detail_htmx", "get", detail, target=target, shows_target=True, htmx=True),
        # Drafts are never triaged, not even by the coordinator: answered like a missing position.
        ViewCase("triage_detail_draft", "get", _position_url("triage_detail", "draft_a"), target="draft_a"),
        ViewCase(
            "triage_detail_draft_htmx", "get", _position_url("triage_detail", "draft_a"), target="draft_a", htmx=True
        ),
        ViewCase(
            "triage_assign_draft",
            "post",
            _position_url("triage_assign", "draft_a"),
            data=lambda w: {"assignee": "me", "triage_version": 1, "next_query": ""},
            target="draft_a",
        ),
    ]
    actions: list[tuple[str, Callable[[World], dict[str, Any]]]] = [
        ("triage_assign", _triage_data(assignee="me")),
        ("triage_status", _triage_data(status=models.PositionStatus.IN_REVIEW, response="")),
        ("triage_note", _triage_data(body=TRIAGE_NOTE)),
        ("triage_tag", _triage_data(tag=TRIAGE_TAG)),
        (
            "triage_merge",
            _triage_data(original=lambda w: w.positions["room_a"].pk, response=TRIAGE_RESPONSE, confirm="on"),
        ),
    ]
    # The comparison shown before a merge: both texts side by side, nothing merged.
    cases += [
        ViewCase(
            "triage_merge_get",
            "get",
            lambda w: (
                reverse("consultations:triage_merge", args=[w.positions[target].pk])
                + f"?original={w.positions['room_a'].pk}"
            ),
            target=target,
            shows_target=True,
        ),
        ViewCase(
            "triage_merge_get_htmx",
            "get",
            lambda w: (
                reverse("consultations:triage_merge", args=[w.positions[target].pk])
                + f"?original={w.positions['room_a'].pk}"
            ),
            target=target,
            shows_target=True,
            htmx=True,
        ),
    ]
    for name, data in actions:
        cases.append(
            ViewCase(name, "post", _position_url(name, target), data=data, target=target, success_url=_triage_done_url)
        )
    cases += [
        # An htmx pane action answers with the pane partial (200) instead of a redirect.
        ViewCase(
            "triage_note_htmx",
            "post",
            _position_url("triage_note", target),
            data=_triage_data(body=TRIAGE_NOTE),
            target=target,
            htmx=True,
        ),
        ViewCase(
            "triage_bulk", "post", _url("triage_bulk"), data=_bulk_data, target=target, success_url=_url("triage_queue")
        ),
        ViewCase("triage_bulk_htmx", "post", _url("triage_bulk"), data=_bulk_data, target=target, htmx=True),
        ViewCase("dashboard", "get", _url("dashboard")),
        ViewCase("dashboard_round", "get", lambda w: reverse("consultations:dashboard_round", args=[w.round.pk])),
        ViewCase(
            "chapter_evolution",
            "get",
            lambda w: reverse("consultations:chapter_evolution", args=[w.chapter.number]),
        ),
        ViewCase(
            "chapter_evolution_other",
            "get",
            lambda w: reverse("consultations:chapter_evolution", args=[w.other_chapter.number]),
        ),
    ]
    return cases


def _book_url(fmt: str, chapter: str | None = "chapter") -> Callable[[World], str]:
    def url(w: World) -> str:
        if chapter is None:
            return reverse("consultations:book_round", args=[w.round.pk, fmt])
        return reverse("consultations:book_chapter", args=[w.round.pk, getattr(w, chapter).number, fmt])

    return url


def _job_url(name: str, job: str) -> Callable[[World], str]:
    return lambda w: reverse(f"consultations:{name}", args=[getattr(w, job).pk])


def _export_cases() -> list[ViewCase]:
    """Briefing books (officials of the chapter and the coordinator), our positions (members), one position as PDF
    (whoever reads it), the handover report (coordinator and admin) and export jobs (their requester only)."""
    return [
        ViewCase("book_chapter_csv", "get", _book_url("csv")),
        ViewCase("book_chapter_xlsx", "get", _book_url("xlsx")),
        ViewCase("book_chapter_pdf", "get", _book_url("pdf")),
        ViewCase("book_other_chapter_csv", "get", _book_url("csv", "other_chapter")),
        ViewCase("book_round_csv", "get", _book_url("csv", None)),
        ViewCase("position_export_csv", "get", _url("position_export", "csv")),
        ViewCase("position_export_xlsx", "get", _url("position_export", "xlsx")),
        ViewCase("position_pdf_gov", "get", _position_url("position_pdf", "gov_a"), target="gov_a"),
        ViewCase("position_pdf_room", "get", _position_url("position_pdf", "room_a"), target="room_a"),
        ViewCase("handover_get", "get", _url("handover")),
        ViewCase("handover_post", "post", _url("handover"), data=lambda w: {"chapter": w.chapter.pk}),
        ViewCase("export_job_list", "get", _url("export_job_list")),
        ViewCase("export_job_detail", "get", _job_url("export_job_detail", "export_done")),
        ViewCase("export_job_detail_htmx", "get", _job_url("export_job_detail", "export_done"), htmx=True),
        ViewCase("export_job_download", "get", _job_url("export_job_download", "export_done")),
        ViewCase(
            "export_job_retry",
            "post",
            _job_url("export_job_retry", "export_failed"),
            success_url=_job_url("export_job_detail", "export_failed"),
        ),
    ]


# --- Consultations between ministries and the workload page -------------------------------------------------


def _consultation_url(key: str) -> Callable[[World], str]:
    return lambda w: reverse("consultations:consultation_detail", args=[w.consultations[key].pk])


def _consult_data(w: World) -> dict[str, Any]:
    return {
        "to_ministry": models.Ministry.objects.get(code="energia").pk,
        "question": "¿Hay implicaciones para el sector energético?",
        "due_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
    }


def _rebalance_data(w: World) -> dict[str, Any]:
    return {"ids": [w.positions["declined_a"].pk], "assignee": w.cast.coordinator.pk}


def _workload_official_url(w: World) -> str:
    return reverse("consultations:workload_official", args=[w.cast.official_of_chapter.pk])


def _ministry_cases() -> list[ViewCase]:
    answer = {"answer": CONSULTATION_ANSWER}
    return [
        # The queue names the position each request is about.
        ViewCase("consultation_queue", "get", _url("consultation_queue"), reveals=("gov_a",)),
        ViewCase("consultation_queue_htmx", "get", _url("consultation_queue"), htmx=True, reveals=("gov_a",)),
        ViewCase(
            "consultation_queue_sent",
            "get",
            lambda w: reverse("consultations:consultation_queue") + "?box=sent",
            reveals=("gov_a",),
        ),
        ViewCase(
            "consultation_detail_addressed",
            "get",
            _consultation_url("addressed"),
            target="gov_a",
            shows_target=True,
            reveals=("gov_a",),
        ),
        ViewCase("consultation_detail_other", "get", _consultation_url("other"), target="gov_a", shows_target=True),
        ViewCase(
            "consultation_answer",
            "post",
            _consultation_url("addressed"),
            data=lambda w: answer,
            target="gov_a",
            success_url=_consultation_url("addressed"),
            reveals=("gov_a",),
        ),
        ViewCase(
            "consultation_answer_other", "post", _consultation_url("other"), data=lambda w: answer, target="gov_a"
        ),
        ViewCase(
            "consultation_create_get",
            "get",
            _position_url("consultation_create", "gov_a"),
            target="gov_a",
            shows_target=True,
        ),
        ViewCase(
            "consultation_create_post",
            "post",
            _position_url("consultation_create", "gov_a"),
            data=_consult_data,
            target="gov_a",
            success_url=lambda w: (
                f"{reverse('consultations:triage_queue')}?position={w.positions['gov_a'].pk}#pane-consultations"
            ),
        ),
        ViewCase("consultation_detail_issue", "get", _consultation_url("issue")),
        ViewCase("consultation_create_issue_get", "get", lambda w: _issue_url("consultation_create_issue")(w)),
        ViewCase(
            "consultation_create_issue_post",
            "post",
            lambda w: _issue_url("consultation_create_issue")(w),
            data=_consult_data,
            success_url=lambda w: _chapter_state_url(f"#issue-{w.issue.pk}")(w),
        ),
        ViewCase("workload", "get", _url("workload")),
        ViewCase("workload_official_get", "get", _workload_official_url),
        ViewCase(
            "workload_official_post",
            "post",
            _workload_official_url,
            data=_rebalance_data,
            success_url=_workload_official_url,
        ),
    ]


# --- State of play --------------------------------------------------------------------------------------------
# Officials of a chapter read its state of play; negotiators of the chapter and the coordinator record it (none of
# the matrix's officials is a negotiator: see tests/consultations/state_of_play for them). Delegates: 404 everywhere.


def _chapter_state_url(anchor: str = "") -> Callable[[World], str]:
    return lambda w: reverse("consultations:chapter_state", args=[w.chapter.number]) + anchor


def _issue_url(name: str) -> Callable[[World], str]:
    return lambda w: reverse(f"consultations:{name}", args=[w.issue.pk])


def _issue_data(w: World) -> dict[str, Any]:
    return {
        "text": f"{ISSUE_CANARY} editado",
        "parties": ["US", "CA"],
        "round": w.round.pk,
        "format": models.Round.Format.TRILATERAL,
        "positions": [w.positions["gov_a"].pk],
        "note": "",
        "status": models.OpenIssue.Status.CONVERGING,
        "version": w.issue.version,
    }


def _state_of_play_cases() -> list[ViewCase]:
    def chapter_url(name: str, *, other: bool = False) -> Callable[[World], str]:
        return lambda w: reverse(f"consultations:{name}", args=[(w.other_chapter if other else w.chapter).number])

    return [
        ViewCase("board", "get", _url("board")),
        ViewCase("board_format", "get", lambda w: reverse("consultations:board") + "?format=mx_us"),
        ViewCase("chapter_state", "get", chapter_url("chapter_state")),
        ViewCase("chapter_state_other", "get", chapter_url("chapter_state", other=True)),
        ViewCase("chapter_status_get", "get", chapter_url("chapter_status")),
        ViewCase(
            "chapter_status_post",
            "post",
            chapter_url("chapter_status"),
            data=lambda w: {"round": w.round.pk, "status": models.ChapterStatus.ADVANCED, "note": "", "reason": ""},
            success_url=_chapter_state_url("#history"),
        ),
        ViewCase(
            "chapter_share_post",
            "post",
            chapter_url("chapter_share"),
            data=lambda w: {"shared": "1"},
            success_url=_chapter_state_url(),
        ),
        ViewCase("issue_create_get", "get", chapter_url("issue_create")),
        ViewCase(
            "issue_create_post",
            "post",
            chapter_url("issue_create"),
            data=lambda w: _issue_data(w) | {"text": "TEMA-NUEVO-7f3"},
            success_url=_chapter_state_url("#issues"),
        ),
        ViewCase("issue_edit_get", "get", _issue_url("issue_edit")),
        ViewCase(
            "issue_edit_post",
            "post",
            _issue_url("issue_edit"),
            data=_issue_data,
            success_url=lambda w: _chapter_state_url(f"#issue-{w.issue.pk}")(w),
        ),
        ViewCase("issue_status_get", "get", _issue_url("issue_status")),
        ViewCase(
            "issue_status_post",
            "post",
            _issue_url("issue_status"),
            data=lambda w: {
                "status": models.OpenIssue.Status.RESOLVED,
                "round": w.round.pk,
                "version": w.issue.version,
            },
            success_url=lambda w: _chapter_state_url(f"#issue-{w.issue.pk}")(w),
        ),
    ]


# --- Intelligence notes: the government side of the chapter only; nobody in an organisation, ever ---------------


def _note_url(name: str) -> Callable[[World], str]:
    return lambda w: reverse(f"consultations:{name}", args=[w.intelligence_note.pk])


def _note_data(w: World) -> dict[str, Any]:
    note = w.intelligence_note
    return {
        "title": note.title,
        "body_markdown": f"{note.body_markdown} Ampliado en la prueba.",
        "tags": ", ".join(note.tags),
        "rounds": [w.round.pk],
        "position_ids": str(w.positions["gov_a"].pk),
        "hs_lines": "",
        "version": note.version,
    }


def _intelligence_cases() -> list[ViewCase]:
    detail = _note_url("intelligence_note_detail")
    return [
        ViewCase("intelligence_list", "get", _url("intelligence_note_list")),
        ViewCase("intelligence_list_htmx", "get", _url("intelligence_note_list"), htmx=True),
        ViewCase("intelligence_create_get", "get", _url("intelligence_note_create")),
        ViewCase(
            "intelligence_create_post",
            "post",
            _url("intelligence_note_create"),
            data=lambda w: {"chapter": w.chapter.pk, "title": "Nota nueva", "body_markdown": "Texto nuevo."},
        ),
        ViewCase("intelligence_detail", "get", detail),
        ViewCase("intelligence_edit_get", "get", _note_url("intelligence_note_edit")),
        ViewCase(
            "intelligence_edit_post",
            "post",
            _note_url("intelligence_note_edit"),
            data=_note_data,
            success_url=detail,
        ),
        ViewCase(
            "intelligence_attachment_upload",
            "post",
            _note_url("intelligence_attachment_upload"),
            data=lambda w: {"file": pdf_upload("otro.pdf", OTHER_PDF_BYTES)},
            success_url=detail,
        ),
        ViewCase(
            "intelligence_attachment_download",
            "get",
            lambda w: reverse("consultations:intelligence_attachment_download", args=[w.intelligence_attachment.pk]),
        ),
    ]


# --- The room, rounds, digests and deliveries, notifications, the organisation's chapters, docs ----------------


def _briefing_url(name: str) -> Callable[[World], str]:
    return lambda w: reverse(f"consultations:{name}", args=[w.briefing.pk])  # type: ignore[union-attr]


def _question_url(name: str) -> Callable[[World], str]:
    return lambda w: reverse(f"consultations:{name}", args=[w.question.pk])  # type: ignore[union-attr]


def _round_url(name: str, query: str = "") -> Callable[[World], str]:
    return lambda w: reverse(f"consultations:{name}", args=[w.round.pk]) + query


def _briefing_data(w: World) -> dict[str, Any]:
    return {
        "chapter": w.chapter.pk,
        "round": w.round.pk,
        "format": models.Round.Format.TRILATERAL,
        "title": f"{BRIEFING_TITLE} nueva",
        "body_markdown": "Texto de la lectura.",
    }


def _question_data(w: World) -> dict[str, Any]:
    deadline = timezone.localtime() + dt.timedelta(days=2)
    return {
        "chapter": w.chapter.pk,
        "round": w.round.pk,
        "text": f"{QUESTION_TEXT} nueva",
        "response_deadline": deadline.strftime("%Y-%m-%d %H:%M"),
    }


def _bulk_resend_query(w: World) -> str:
    return f"?kind={DIGEST_PRE}&status={models.Delivery.Status.FAILED}&round={w.round.pk}"


def _room_cases() -> list[ViewCase]:
    question = _question_url("room_question_detail")
    return [
        ViewCase("briefing_list", "get", _url("briefing_list")),
        ViewCase("briefing_list_htmx", "get", _url("briefing_list"), htmx=True),
        ViewCase("briefing_create_get", "get", _url("briefing_create")),
        ViewCase("briefing_create_post", "post", _url("briefing_create"), data=_briefing_data),
        ViewCase("briefing_detail", "get", _briefing_url("briefing_detail")),
        ViewCase("briefing_edit_get", "get", _briefing_url("briefing_edit")),
        ViewCase(
            "briefing_edit_post",
            "post",
            _briefing_url("briefing_edit"),
            data=_briefing_data,
            success_url=_briefing_url("briefing_detail"),
        ),
        ViewCase("room_question_list", "get", _url("room_question_list")),
        ViewCase("room_question_list_htmx", "get", _url("room_question_list"), htmx=True),
        ViewCase("room_question_create_get", "get", _url("room_question_create")),
        ViewCase("room_question_create_post", "post", _url("room_question_create"), data=_question_data),
        ViewCase("room_question_detail", "get", question),
        ViewCase(
            "room_answer_save",
            "post",
            _question_url("room_answer_save"),
            data=lambda w: {"organisation": w.cast.org_a.pk, f"org{w.cast.org_a.pk}-text": "Respuesta de A."},
            success_url=question,
        ),
        ViewCase("room_question_close_get", "get", _question_url("room_question_close")),
        ViewCase("room_question_close_post", "post", _question_url("room_question_close"), success_url=question),
        # The question is open: reopening it changes nothing, but who may reach the button is still checked.
        ViewCase(
            "room_question_reopen", "post", _question_url("room_question_reopen"), success_url=question, writes=False
        ),
        ViewCase("room_question_answers", "get", _question_url("room_question_answers")),
        ViewCase("room_question_export", "get", _question_url("room_question_export")),
    ]


def _round_management_cases() -> list[ViewCase]:
    manage = _url("round_manage_list")
    return [
        ViewCase("round_timeline", "get", _url("round_timeline")),
        ViewCase("round_manage_list", "get", manage),
        ViewCase("round_manage_create_get", "get", _url("round_manage_create")),
        # An empty form: the admin gets it back with errors (the two-step save is tested in tests/.../rounds).
        ViewCase("round_manage_create_post", "post", _url("round_manage_create")),
        ViewCase("round_manage_edit_get", "get", _round_url("round_manage_edit")),
        ViewCase("round_manage_edit_post", "post", _round_url("round_manage_edit")),
        ViewCase("round_manage_clone_get", "get", _round_url("round_manage_clone")),
        ViewCase(
            "round_manage_clone_post",
            "post",
            _round_url("round_manage_clone"),
            data=lambda w: {"starts_on": (w.round.starts_on + dt.timedelta(days=120)).isoformat()},
        ),
        ViewCase("round_manage_cancel_get", "get", _round_url("round_manage_cancel")),
        ViewCase(
            "round_manage_cancel_post",
            "post",
            _round_url("round_manage_cancel"),
            data=lambda w: {"reason": "Cancelada en la prueba."},
        ),
        ViewCase("round_manage_input_get", "get", _round_url("round_manage_input", "?action=close")),
        ViewCase(
            "round_manage_input_post",
            "post",
            _round_url("round_manage_input"),
            data=lambda w: {"action": "close"},
            success_url=manage,
        ),
        # Digests and their deliveries.
        ViewCase("digest_preview", "get", _round_url("digest_preview")),
        ViewCase("round_deliveries", "get", _round_url("round_deliveries")),
        ViewCase("notification_deliveries", "get", _url("notification_deliveries")),
        ViewCase(
            "delivery_resend_get",
            "get",
            lambda w: reverse("consultations:delivery_resend", args=[w.delivery.pk]),  # type: ignore[union-attr]
        ),
        ViewCase(
            "delivery_resend_post",
            "post",
            lambda w: reverse("consultations:delivery_resend", args=[w.delivery.pk]),  # type: ignore[union-attr]
            success_url=_round_url("round_deliveries"),
        ),
        ViewCase(
            "deliveries_resend_bulk_get",
            "get",
            lambda w: reverse("consultations:deliveries_resend_bulk") + _bulk_resend_query(w),
        ),
        ViewCase(
            "deliveries_resend_bulk_post",
            "post",
            _url("deliveries_resend_bulk"),
            data=lambda w: {"kind": DIGEST_PRE, "status": models.Delivery.Status.FAILED, "round": w.round.pk},
        ),
    ]


def _other_cases() -> list[ViewCase]:
    chapters = _url("organisation_chapters")
    second_factor = _url("organisation_second_factor")
    return [
        ViewCase("notification_list", "get", _url("notification_list")),
        # Delegate A's notification: anyone else who posts its id marks nothing (their own list is the scope).
        ViewCase(
            "notification_read",
            "post",
            _url("notification_read"),
            data=lambda w: {"id": w.notification.pk},  # type: ignore[union-attr]
            success_url=_url("notification_list"),
        ),
        ViewCase("notification_preferences_get", "get", _url("notification_preferences")),
        ViewCase(
            "notification_preferences_post",
            "post",
            _url("notification_preferences"),
            data=lambda w: {f"channel-{kind}": "off" for kind in models.NotificationKind.values},
        ),
        ViewCase("organisation_chapters_get", "get", lambda w: f"{chapters(w)}?organisation={w.cast.org_a.pk}"),
        ViewCase(
            "organisation_chapters_post",
            "post",
            lambda w: f"{chapters(w)}?organisation={w.cast.org_a.pk}",
            data=lambda w: {"chapters": [w.other_chapter.pk], "organisation": w.cast.org_a.pk},
        ),
        ViewCase(
            "dev_mail_html_missing",
            "get",
            lambda w: reverse("dev:mail_html", args=["nada.eml", 0]),
            urlconf=DEV_URLCONF,
        ),
        ViewCase("api_docs", "get", lambda w: reverse("api_docs")),
        # The audit log and its CSV: platform staff; one's own sign-in history: everyone signed in.
        ViewCase("audit_log", "get", _url("audit_log")),
        ViewCase("audit_log_export", "get", _url("audit_log_export")),
        ViewCase("signin_history", "get", _url("signin_history")),
        # Two-step sign-in for organisation A's members: its coordinator and the admin set it.
        ViewCase(
            "organisation_second_factor_get", "get", lambda w: f"{second_factor(w)}?organisation={w.cast.org_a.pk}"
        ),
        ViewCase(
            "organisation_second_factor_post",
            "post",
            lambda w: f"{second_factor(w)}?organisation={w.cast.org_a.pk}",
            data=lambda w: {"required": "on"},
        ),
        # An admin removes the official of the other chapter's authenticator (identity confirmed by phone).
        ViewCase(
            "mfa_reset_get",
            "get",
            lambda w: reverse("consultations:mfa_reset", args=[w.cast.official_of_other_chapter.pk]),
        ),
        ViewCase(
            "mfa_reset_post",
            "post",
            lambda w: reverse("consultations:mfa_reset", args=[w.cast.official_of_other_chapter.pk]),
            data=lambda w: {"confirm": "on"},
        ),
        # Django's language switch: a cookie (and the session), nothing in the database.
        ViewCase("set_language_get", "get", lambda w: reverse("set_language")),
        ViewCase(
            "set_language",
            "post",
            lambda w: reverse("set_language"),
            data=lambda w: {"language": "en", "next": "/"},
            writes=False,
        ),
    ]


CASES: dict[str, ViewCase] = {
    case.name: case
    for case in [
        ViewCase("home", "get", _url("home")),  # each role lands elsewhere: see test_delegate_views
        ViewCase("round_list", "get", _url("round_list")),
        ViewCase("chapter_list", "get", _url("chapter_list")),
        ViewCase("position_list", "get", _url("position_list"), target="gov_a"),
        ViewCase("position_create_get", "get", _url("position_create")),
        ViewCase("position_create_post", "post", _url("position_create"), data=_create_data),
        ViewCase(
            "position_detail_draft",
            "get",
            _position_url("position_detail", "draft_a"),
            target="draft_a",
            shows_target=True,
        ),
        ViewCase(
            "position_detail_gov", "get", _position_url("position_detail", "gov_a"), target="gov_a", shows_target=True
        ),
        ViewCase(
            "position_detail_room",
            "get",
            _position_url("position_detail", "room_a"),
            target="room_a",
            shows_target=True,
        ),
        ViewCase(
            "position_edit_get", "get", _position_url("position_edit", "draft_a"), target="draft_a", shows_target=True
        ),
        ViewCase(
            "position_edit_post",
            "post",
            _position_url("position_edit", "draft_a"),
            data=_draft_data,
            target="draft_a",
            success_url=_position_url("position_detail", "draft_a"),
        ),
        ViewCase(
            "position_file",
            "post",
            _position_url("position_file", "draft_a"),
            target="draft_a",
            success_url=_position_url("position_detail", "draft_a"),
        ),
        ViewCase(
            "position_sign_off",
            "post",
            _position_url("position_sign_off", "awaiting_a"),
            data=lambda w: {"decision": "approve", "version": str(w.positions["awaiting_a"].version)},
            target="awaiting_a",
            success_url=_position_url("position_detail", "awaiting_a"),
        ),
        ViewCase(
            "position_amend_get", "get", _position_url("position_amend", "gov_a"), target="gov_a", shows_target=True
        ),
        ViewCase(
            "position_amend_post",
            "post",
            _position_url("position_amend", "gov_a"),
            data=_amend_data,
            target="gov_a",
            success_url=_position_url("position_detail", "gov_a"),
        ),
        ViewCase(
            "position_revisions",
            "get",
            _position_url("position_revisions", "gov_a"),
            target="gov_a",
            shows_target=True,
        ),
        ViewCase(
            "position_withdraw_get",
            "get",
            _position_url("position_withdraw", "gov_a"),
            target="gov_a",
            shows_target=True,
        ),
        ViewCase(
            "position_withdraw_post",
            "post",
            _position_url("position_withdraw", "gov_a"),
            data=lambda w: {"reason": "Ya no aplica."},
            target="gov_a",
            success_url=_position_url("position_detail", "gov_a"),
        ),
        ViewCase(
            "attachment_upload",
            "post",
            _position_url("attachment_upload", "gov_a"),
            data=lambda w: {"file": pdf_upload("nuevo.pdf", OTHER_PDF_BYTES)},
            target="gov_a",
            success_url=_position_url("position_detail", "gov_a"),
        ),
        ViewCase(
            "attachment_download",
            "get",
            lambda w: reverse("consultations:attachment_download", args=[w.gov_attachment.pk]),
            target="gov_a",
        ),
        ViewCase(
            "attachment_delete_get",
            "get",
            lambda w: reverse("consultations:attachment_delete", args=[w.draft_attachment.pk]),
            target="draft_a",
            shows_target=True,
        ),
        ViewCase(
            "attachment_delete_post",
            "post",
            lambda w: reverse("consultations:attachment_delete", args=[w.draft_attachment.pk]),
            target="draft_a",
            success_url=_position_url("position_detail", "draft_a"),
        ),
        # The attachment of a filed position is part of its record: nobody removes it.
        ViewCase(
            "attachment_delete_filed_post",
            "post",
            lambda w: reverse("consultations:attachment_delete", args=[w.gov_attachment.pk]),
            target="gov_a",
        ),
        ViewCase(
            "cosignature_invite",
            "post",
            _position_url("cosignature_invite", "gov_a"),
            data=lambda w: {"organisation": w.cast.org_b.pk},
            target="gov_a",
            success_url=_position_url("position_detail", "gov_a"),
        ),
        ViewCase("cosignature_list", "get", _url("cosignature_list")),
        ViewCase(
            "cosignature_respond",
            "post",
            lambda w: reverse("consultations:cosignature_respond", args=[w.pending_cosignature.pk]),
            data=lambda w: {"decision": "accept"},
            target="cosign_a",
            success_url=_url("cosignature_list"),
        ),
        # Accounts.
        ViewCase("member_list_get", "get", _url("member_list")),
        ViewCase(
            "member_list_post",
            "post",
            _url("member_list"),
            data=lambda w: {"email": "nueva.delegada@example.mx", "role": models.Invitation.Role.DELEGATE},
            success_url=lambda w: f"{reverse('consultations:member_list')}?organisation={w.cast.org_a.pk}",
        ),
        ViewCase(
            "member_remove_get",
            "get",
            lambda w: reverse("consultations:member_remove", args=[w.membership_delegate_a.pk]),
        ),
        ViewCase(
            "member_remove_post",
            "post",
            lambda w: reverse("consultations:member_remove", args=[w.membership_delegate_a.pk]),
            success_url=lambda w: f"{reverse('consultations:member_list')}?organisation={w.cast.org_a.pk}",
        ),
        ViewCase(
            "invitation_revoke_get",
            "get",
            lambda w: reverse("consultations:invitation_revoke", args=[w.member_invitation.pk]),
        ),
        ViewCase(
            "invitation_revoke_post",
            "post",
            lambda w: reverse("consultations:invitation_revoke", args=[w.member_invitation.pk]),
            success_url=lambda w: f"{reverse('consultations:member_list')}?organisation={w.cast.org_a.pk}",
        ),
        ViewCase("official_invite_get", "get", _url("official_invite")),
        ViewCase(
            "official_invite_post",
            "post",
            _url("official_invite"),
            data=lambda w: {"email": "nuevo.oficial@example.mx", "ministry": models.OfficialProfile.Ministry.ECONOMIA},
            success_url=_url("official_invite"),
        ),
        ViewCase("preferences_get", "get", _url("preferences")),
        ViewCase(
            "preferences_post",
            "post",
            _url("preferences"),
            data=lambda w: {"language": "en", "time_zone": "America/Tijuana"},
            success_url=_url("preferences"),
        ),
        ViewCase("api_tokens_get", "get", _url("api_tokens")),
        ViewCase(
            "api_tokens_post",
            "post",
            _url("api_tokens"),
            data=lambda w: {"name": "Mi CRM", "scope": "write", "lifetime": "30"},
        ),
        ViewCase(
            "api_token_revoke_get", "get", lambda w: reverse("consultations:api_token_revoke", args=[w.api_token.pk])
        ),
        ViewCase(
            "api_token_revoke_post",
            "post",
            lambda w: reverse("consultations:api_token_revoke", args=[w.api_token.pk]),
            success_url=_url("api_tokens"),
        ),
        ViewCase("invitation_accept_bogus_get", "get", _url("invitation_accept", "no-such-token-7f3")),
        ViewCase(
            "invitation_accept_bogus_post",
            "post",
            _url("invitation_accept", "no-such-token-7f3"),
            data=lambda w: {
                "full_name": "Nadie",
                "password1": "correct-horse-battery-staple",
                "password2": "correct-horse-battery-staple",
            },
        ),
        ViewCase("dev_mail", "get", lambda w: reverse("dev:mail"), urlconf=DEV_URLCONF),
        *_triage_cases(),
        *_export_cases(),
        *_ministry_cases(),
        *_state_of_play_cases(),
        *_intelligence_cases(),
        *_room_cases(),
        *_round_management_cases(),
        *_other_cases(),
        # Search: every signed-in role; what it finds is checked against VISIBLE like every other answer.
        ViewCase("search", "get", lambda w: reverse("consultations:search") + "?q=TITULO"),
        ViewCase("search_htmx", "get", lambda w: reverse("consultations:search") + "?q=TITULO", htmx=True),
        ViewCase(
            "search_preview_htmx",
            "get",
            lambda w: reverse("consultations:search") + "?q=TITULO&preview=1",
            htmx=True,
        ),
        ViewCase(
            "search_intelligence",
            "get",
            lambda w: reverse("consultations:search") + "?q=INTELIGENCIA+ANALISIS&kind=intelligence",
        ),
    ]
}
