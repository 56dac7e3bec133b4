"""Every write leaves exactly one audit row, proven from the list of services rather than from memory.

1. Enumeration: every public function of every module in consultations/services either reaches ``audit_record``
   (directly or through the services it calls, read from the source) or is listed in ``NOT_AUDITED`` with the
   reason. A new service that writes without recording fails here until it records or is explained.
2. Exactly one row: the user-facing writes are run against the database, each adding one row, no more.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from functools import cache
from types import ModuleType
from typing import Any

import pytest
from django.utils import timezone

import consultations.services
from consultations.models import AuditEvent, Position
from consultations.services import accounts as account_services
from consultations.services import api_tokens as token_services
from consultations.services import attachments as attachment_services
from consultations.services import cosignatures as cosignature_services
from consultations.services import exports as export_services
from consultations.services import notifications as notification_services
from consultations.services import positions as position_services
from consultations.services import triage as triage_services
from tests.consultations.services.helpers import draft, filed, pdf_bytes, position_data, upload

RECORDERS = {"audit_record", "export_audit", "audit_denial"}

# Public service functions that do not record an audit row, and why. Keep each reason true.
NOT_AUDITED: dict[str, str] = {
    # Pure helpers and reads: no write.
    "api_tokens.token_hash": "a hash function",
    "api_tokens.idempotent_requests_purge": "housekeeping by beat: deletes the stored replies of idempotent API "
    "writes past their retention; no person acts",
    "mfa.connect_signals": "wires allauth's MFA signals to the receivers, which record the rows",
    "attachments.clean_file_name": "a pure function",
    "attachments.detect_kind": "reads the upload's bytes",
    "attachments.upload_inspect": "checks an upload; the write (attachment_add) records the row",
    "attachments.attachment_content_type": "a lookup",
    "briefings.render_markdown": "a pure function",
    "deliveries.retry_schedule": "a pure function",
    "deliveries.delivery_expected_by": "a pure function",
    "deliveries.delivery_message": "builds an e-mail",
    "digests.digest_recipients": "a read",
    "digests.render_digest": "renders a template",
    "digests.digest_message": "builds an e-mail",
    "errors.format_moment": "a pure function",
    "exports.neutralise": "a pure function",
    "exports.csv_lines": "a writer of CSV lines; the export view records the row",
    "exports.write_xlsx": "a file writer; the export view or job records the row",
    "exports.render_pdf": "a file writer; the export view or job records the row",
    "exports.book_filename": "a pure function",
    "exports.book_write": "a file writer; the export view or job records the row",
    "exports.own_filename": "a pure function",
    "exports.own_write": "a file writer; the export view or job records the row",
    "exports.position_pdf_write": "a file writer; the export view records the row",
    "exports.handover_filename": "a pure function",
    "exports.handover_write": "a file writer; the export job records the row",
    "intelligence.clean_tags": "a pure function",
    "invitations.token_hash": "a hash function",
    "invitations.invitation_url": "a pure function",
    "invitations.invitation_get_usable": "a read",
    "invitations.invitation_existing_user": "a read",
    "memberships.membership_require": "a permission check",
    "ministries.consultation_today": "a pure function",
    "ministries.consultation_reminder_message": "builds an e-mail",
    "notifications.channels_for": "a read",
    "notifications.message_for": "builds an e-mail",
    "notifications.source_id": "a pure function",
    "notifications.notification_message": "builds an e-mail",
    "positions.lock_position": "a row lock inside the writes that record the row",
    "positions.revision_record": "a step of the position writes, which record the row",
    "retry.is_retryable": "a pure function",
    "retry.retry_on_conflict": "a decorator",
    "rounds.round_preview": "a read",
    "rounds.clone_label": "a pure function",
    "rounds.clone_label_en": "a pure function",
    "signin_throttle.delay_after": "a pure function",
    "triage.may_be_assigned": "a permission check",
    "triage.clean_tag": "a pure function",
    # Steps of a write that records its own row.
    "ministries.position_auto_assign": "a step of position_file (inside its transaction), which records the row",
    # Bookkeeping of the system, not of a user: their own tables are the record (Delivery, Outbox, Notification).
    "api_tokens.api_token_touch": "last-used time of a token, written on every API request",
    "api_tokens.idempotent_request_claim": "the Idempotency-Key bookkeeping of an API write that records its row",
    "api_tokens.idempotent_request_store": "the Idempotency-Key bookkeeping of an API write that records its row",
    "deliveries.delivery_queue": "the e-mail outbox of a write that records its row; Delivery is the record",
    "deliveries.delivery_send": "a worker sending an e-mail; Delivery is the record",
    "deliveries.deliveries_reconcile": "a beat job on Delivery rows; Delivery is the record",
    "digests.digests_dispatch_due": "a beat job; each digest is a Delivery row",
    "exports.export_jobs_expire": "a beat job deleting expired files of export jobs",
    "invitations.invitation_purge_expired": "a beat job deleting expired invitations",
    "ministries.consultation_reminders_send": "a beat job; each reminder is a Delivery row",
    "ministries.consultation_remind": "a reminder e-mail of the beat job; a Delivery row",
    "notifications.notify": "in-app notifications of a write that records its row",
    "notifications.deliver": "e-mails of a write that records its row",
    "notifications.position_update_batch_claim": "batching of notification e-mails",
    "notifications.position_update_notify": "notifications of a triage write that records its row",
    "notifications.cosignature_invite_notify": "notifications of cosignature_invite, which records its row",
    "notifications.signoff_request_notify": "notifications of a position write that records its row",
    "notifications.signoff_notifications_clear": "notifications of a position write that records its row",
    "notifications.briefing_notify": "notifications of briefing_post, which records its row",
    "notifications.room_question_notify": "notifications of room_question_ask, which records its row",
    "notifications.room_deadlines_notify": "a beat job of deadline notifications",
    "notifications.notification_mark_read": "the read mark of one's own notifications: no shared data changes",
    "outbox.outbox_enqueue": "the transactional outbox of a write that records its row",
    "outbox.outbox_publish": "the outbox relay",
    "outbox.outbox_flush": "the outbox relay",
    "outbox.outbox_complete": "the outbox relay",
    "outbox.outbox_requeue_lost": "the outbox relay",
    "outbox.outbox_relay_forever": "the outbox relay",
    "outbox.outbox_relay_start": "the outbox relay",
    "signin_throttle.password_attempt": "the sign-in throttle's counters in the cache; the attempt itself is audited "
    "by the sign-in signals (consultations/signals.py)",
    "signin_throttle.signin_forget": "clears the sign-in throttle's counters in the cache",
    "state_of_play.reference_status_load": "loads reference data from a management command",
}


def _service_modules() -> list[ModuleType]:
    return [
        importlib.import_module(f"consultations.services.{info.name}")
        for info in pkgutil.iter_modules(consultations.services.__path__)
    ]


@cache
def _functions(module_name: str) -> dict[str, ast.FunctionDef]:
    tree = ast.parse(inspect.getsource(importlib.import_module(module_name)))
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def _called(node: ast.FunctionDef) -> set[str]:
    names = set()
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            if isinstance(call.func, ast.Name):
                names.add(call.func.id)
            elif isinstance(call.func, ast.Attribute):
                names.add(call.func.attr)
    return names


def _records(module_name: str, name: str, seen: frozenset[tuple[str, str]] = frozenset()) -> bool:
    """Whether the function reaches a recorder, through functions of the services (read from their source)."""
    if (module_name, name) in seen:
        return False
    node = _functions(module_name).get(name)
    if node is None:
        return False
    called = _called(node)
    if called & RECORDERS:
        return True
    module = importlib.import_module(module_name)
    for callee in called:
        target = getattr(module, callee, None)
        target = inspect.unwrap(target) if callable(target) else None
        callee_module = getattr(target, "__module__", "") or ""
        if callee_module.startswith("consultations.services.") and _records(
            callee_module, target.__name__, seen | {(module_name, name)}
        ):
            return True
    return False


def _public_functions() -> list[tuple[str, str]]:
    found = []
    for module in _service_modules():
        short = module.__name__.rsplit(".", 1)[-1]
        if short == "audit":
            continue
        for name in _functions(module.__name__):
            if not name.startswith("_"):
                found.append((short, name))
    return found


def test_every_public_service_function_records_an_audit_row_or_says_why_not():
    unexplained = [
        f"{module}.{name}"
        for module, name in _public_functions()
        if f"{module}.{name}" not in NOT_AUDITED and not _records(f"consultations.services.{module}", name)
    ]
    assert not unexplained, (
        "These services neither record an audit row (audit_record) nor are explained in NOT_AUDITED:\n  "
        + "\n  ".join(unexplained)
    )


def test_the_exceptions_are_current():
    public = {f"{module}.{name}" for module, name in _public_functions()}
    assert not set(NOT_AUDITED) - public, (
        f"NOT_AUDITED names functions that no longer exist: {set(NOT_AUDITED) - public}"
    )
    recording = [
        name for name in NOT_AUDITED if _records(f"consultations.services.{name.split('.')[0]}", name.split(".")[1])
    ]
    assert not recording, f"These record an audit row after all; remove them from NOT_AUDITED: {recording}"
    assert all(reason.strip() for reason in NOT_AUDITED.values())


# --- Exactly one row ---------------------------------------------------------------------------------------------


def _filed_position(cast, chapter, open_round) -> Position:
    return filed(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=open_round)


WRITES: dict[str, Callable[[Any, Any, Any], Callable[[], Any]]] = {
    "position_create": lambda cast, chapter, rnd: (
        lambda: position_services.position_create(
            by=cast.delegate_a, organisation=cast.org_a, data=position_data(chapter=chapter, round=rnd)
        )
    ),
    "position_update_draft": lambda cast, chapter, rnd: (
        lambda position: (
            lambda: position_services.position_update_draft(
                by=cast.delegate_a, position=position, data=position_data(chapter=chapter, round=rnd, title="Otro")
            )
        )
    )(draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=rnd)),
    "position_file": lambda cast, chapter, rnd: (
        lambda position: lambda: position_services.position_file(by=cast.delegate_a, position=position)
    )(draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=rnd)),
    "position_withdraw": lambda cast, chapter, rnd: (
        lambda position: lambda: position_services.position_withdraw(by=cast.delegate_a, position=position)
    )(_filed_position(cast, chapter, rnd)),
    "attachment_add": lambda cast, chapter, rnd: (
        lambda position: (
            lambda: attachment_services.attachment_add(
                by=cast.delegate_a, position=position, upload=upload("anexo.pdf", pdf_bytes())
            )
        )
    )(draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=rnd)),
    "attachment_delete": lambda cast, chapter, rnd: (
        lambda position: (
            lambda attachment: lambda: attachment_services.attachment_delete(by=cast.delegate_a, attachment=attachment)
        )(
            attachment_services.attachment_add(
                by=cast.delegate_a, position=position, upload=upload("anexo.pdf", pdf_bytes())
            )
        )
    )(draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=rnd)),
    "position_assign": lambda cast, chapter, rnd: (
        lambda position: (
            lambda: triage_services.position_assign(
                by=cast.official_of_chapter, position=position, assignee=cast.official_of_chapter
            )
        )
    )(_filed_position(cast, chapter, rnd)),
    "position_set_status": lambda cast, chapter, rnd: (
        lambda position: (
            lambda: triage_services.position_set_status(
                by=cast.official_of_chapter, position=position, status="in_review"
            )
        )
    )(_filed_position(cast, chapter, rnd)),
    "position_respond": lambda cast, chapter, rnd: (
        lambda position: (
            lambda: triage_services.position_respond(
                by=cast.official_of_chapter, position=position, response="Gracias."
            )
        )
    )(_filed_position(cast, chapter, rnd)),
    "position_note_add": lambda cast, chapter, rnd: (
        lambda position: (
            lambda: triage_services.position_note_add(
                by=cast.official_of_chapter, position=position, body="Nota interna"
            )
        )
    )(_filed_position(cast, chapter, rnd)),
    "position_tag": lambda cast, chapter, rnd: (
        lambda position: (
            lambda: triage_services.position_tag(by=cast.official_of_chapter, position=position, tag="autopartes")
        )
    )(_filed_position(cast, chapter, rnd)),
    "cosignature_invite": lambda cast, chapter, rnd: (
        lambda position: (
            lambda: cosignature_services.cosignature_invite(
                by=cast.delegate_a, position=position, organisation=cast.org_b
            )
        )
    )(draft(organisation=cast.org_a, by=cast.delegate_a, chapter=chapter, round=rnd)),
    "user_update_preferences": lambda cast, chapter, rnd: (
        lambda: account_services.user_update_preferences(
            user=cast.delegate_a, language="en", time_zone="America/Monterrey"
        )
    ),
    "preferences_update": lambda cast, chapter, rnd: (
        lambda: notification_services.preferences_update(user=cast.delegate_a, channels={"position_status": "off"})
    ),
    "export_job_create": lambda cast, chapter, rnd: (
        lambda: export_services.export_job_create(by=cast.delegate_a, kind="own_csv", parameters={})
    ),
    "api_token_create": lambda cast, chapter, rnd: (
        lambda: token_services.api_token_create(
            by=cast.delegate_a, name="ci", scope="read", expires_at=timezone.now() + dt.timedelta(days=30)
        )
    ),
    "api_token_revoke": lambda cast, chapter, rnd: (
        lambda token: lambda: token_services.api_token_revoke(by=cast.delegate_a, token=token)
    )(
        token_services.api_token_create(
            by=cast.delegate_a, name="ci", scope="read", expires_at=timezone.now() + dt.timedelta(days=30)
        )[0]
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("write", sorted(WRITES))
def test_a_write_leaves_exactly_one_audit_row(write, cast, chapter, open_round, media_root, english_messages):
    run = WRITES[write](cast, chapter, open_round)
    before = AuditEvent.objects.count()

    run()

    assert AuditEvent.objects.count() == before + 1, list(
        AuditEvent.objects.order_by("-id").values_list("action", flat=True)[: AuditEvent.objects.count() - before]
    )


# --- Every download and export -----------------------------------------------------------------------------------

DOWNLOAD_MARKERS = ("FileResponse(", "StreamingHttpResponse(", "content_disposition_header(", "as_download(")
DOWNLOAD_RECORDERS = RECORDERS | {"attachment_download_record", "export_job_download_record"}
# Views that hand out a file without an audit row, and why.
DOWNLOADS_NOT_AUDITED: dict[str, str] = {
    "views.exports._file_response": "builds the response of exports whose view records the row",
    "views.helpers.as_download": "sets the headers of downloads whose views record the row",
}


def _view_modules() -> list[ModuleType]:
    import consultations.api
    import consultations.views

    return [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for package in (consultations.views, consultations.api)
        for info in pkgutil.iter_modules(package.__path__)
    ]


def test_every_view_that_hands_out_a_file_records_an_audit_row():
    unexplained = []
    for module in _view_modules():
        source = inspect.getsource(module)
        functions = _functions(module.__name__)
        for name, node in functions.items():
            body = ast.get_source_segment(source, node) or ""
            if not any(marker in body for marker in DOWNLOAD_MARKERS):
                continue
            label = f"{module.__name__.split('.', 1)[1]}.{name}"
            # A helper of the same module that hands out the file counts when its callers record the row.
            called = _called(node) | {
                c for callee in _called(node) & functions.keys() for c in _called(functions[callee])
            }
            if label not in DOWNLOADS_NOT_AUDITED and not called & DOWNLOAD_RECORDERS:
                unexplained.append(label)
    assert not unexplained, "These views hand out a file without an audit row:\n  " + "\n  ".join(unexplained)
