"""The permission matrix: every role × every view, with the answer each one must get.

Read the table ``_ROWS`` below: one row per view case (see ``permission_cases.CASES`` for the request it makes),
one column per role. The answers come from consultations/rules/, selectors/positions.py,
selectors/accounts.py and DESIGN.md ("a forbidden object answers exactly like a missing one (404)"):

- ``LOGIN`` — 302 to the sign-in page (anonymous, on every login-required view, GET or POST);
- ``404``   — forbidden or invisible, indistinguishable from missing;
- ``200``   — an allowed GET;
- ``302``   — an allowed POST (or a GET that redirects), to the page the view sends a success to;
- ``IGNORED`` — a selection (bulk) POST whose ids lie outside the official's scope: answered like a selection of
  missing ids (302 to the queue, or 200 with the result partial under htmx), nothing changes, nothing leaks.

Cases sent with ``HX-Request: true`` (``ViewCase.htmx``) must answer an allowed request with a partial, never the
whole page. The triage workspace and the dashboards (consultations/views/triage.py, dashboards.py) exist only for
officials (an OfficialProfile): delegates, organisation coordinators and the admin get 404 there; an official
triages the filed positions of their chapters, the coordinator (is_coordinator) those of every chapter, and nobody
triages a draft.

Besides the status, every cell checks that no title of a position the role may not see (``VISIBLE``) is in
the answer, that a denied answer does not contain its target's title, that an allowed GET of a position page
does, and that a denied POST changed nothing in the database (an allowed one did change it).

Cells where the application answers differently from the rules are marked in ``KNOWN_BUGS`` (strict xfail):
the expectation in the table is what the rules say, not what the code does.
"""

from __future__ import annotations

import contextlib
import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.http import HttpResponseBase, StreamingHttpResponse
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from pytest_django.fixtures import Settings

from consultations import models
from tests import factories
from tests.conftest import build_cast
from tests.consultations.permission_cases import (
    BRIEFING_TITLE,
    CASES,
    INTELLIGENCE_BODY,
    INTELLIGENCE_TITLE,
    ISSUE_CANARY,
    NEW_TITLE,
    QUESTION_TEXT,
    ROLES,
    TITLES,
    TRIAGE_TARGET,
    ViewCase,
    World,
    build_world,
)
from tests.db_snapshot import Snapshot, db_changes, db_snapshot

LOGIN: Final = "login"  # 302 to the sign-in page
IGNORED: Final = "ignored"  # accepted, but the ids are out of scope: nothing happens (see the module docstring)
REFUSED: Final = "refused"  # 200: the form comes back with an error (a chapter outside the user's), nothing changes
Expected = int | str

# fmt: off
# Columns, in ROLES order: anonymous, delegate_a, delegate_b, coordinator_a (org A's coordinator),
# official_of_chapter, official_of_other_chapter, coordinator (chief negotiator's team), admin, negotiator (of
# `chapter`, the chapter of official_of_chapter; same ministry).
_ROWS: dict[str, tuple[Expected, ...]] = {
    #                                 anon    del_a   del_b   coor_a  off_ch  off_ot  coord   admin   negot
    "home":                          (LOGIN,  302,    302,    302,    302,    302,    302,    302,    302),
    "round_list":                    (LOGIN,  200,    200,    200,    200,    200,    200,    200,    200),
    "chapter_list":                  (LOGIN,  200,    200,    200,    200,    200,    200,    200,    200),
    "position_list":                 (LOGIN,  200,    200,    200,    404,    404,    404,    404,    404),
    "position_create_get":           (LOGIN,  200,    200,    200,    404,    404,    404,    404,    404),
    "position_create_post":          (LOGIN,  302,    302,    302,    404,    404,    404,    404,    404),
    "position_detail_draft":         (LOGIN,  200,    404,    200,    404,    404,    404,    200,    404),
    "position_detail_gov":           (LOGIN,  200,    404,    200,    200,    404,    200,    200,    200),
    "position_detail_room":          (LOGIN,  200,    200,    200,    200,    404,    200,    200,    200),
    "position_edit_get":             (LOGIN,  200,    404,    200,    404,    404,    404,    404,    404),
    "position_edit_post":            (LOGIN,  302,    404,    302,    404,    404,    404,    404,    404),
    "position_file":                 (LOGIN,  302,    404,    302,    404,    404,    404,    404,    404),
    "position_sign_off":             (LOGIN,  404,    404,    302,    404,    404,    404,    404,    404),
    "position_amend_get":            (LOGIN,  200,    404,    200,    404,    404,    404,    404,    404),
    "position_amend_post":           (LOGIN,  302,    404,    302,    404,    404,    404,    404,    404),
    "position_revisions":            (LOGIN,  200,    404,    200,    200,    404,    200,    200,    200),
    "position_withdraw_get":         (LOGIN,  200,    404,    200,    404,    404,    404,    404,    404),
    "position_withdraw_post":        (LOGIN,  302,    404,    302,    404,    404,    404,    404,    404),
    "attachment_upload":             (LOGIN,  302,    404,    302,    404,    404,    404,    404,    404),
    "attachment_download":           (LOGIN,  200,    404,    200,    200,    404,    200,    200,    200),
    "attachment_delete_get":         (LOGIN,  200,    404,    200,    404,    404,    404,    404,    404),
    "attachment_delete_post":        (LOGIN,  302,    404,    302,    404,    404,    404,    404,    404),
    "attachment_delete_filed_post":  (LOGIN,  404,    404,    404,    404,    404,    404,    404,    404),
    "cosignature_invite":            (LOGIN,  302,    404,    302,    404,    404,    404,    404,    404),
    "cosignature_list":              (LOGIN,  200,    200,    200,    404,    404,    404,    404,    404),
    "cosignature_respond":           (LOGIN,  404,    302,    404,    404,    404,    404,    404,    404),
    "member_list_get":               (LOGIN,  404,    404,    200,    404,    404,    404,    404,    404),
    "member_list_post":              (LOGIN,  404,    404,    302,    404,    404,    404,    404,    404),
    "member_remove_get":             (LOGIN,  404,    404,    200,    404,    404,    404,    404,    404),
    "member_remove_post":            (LOGIN,  404,    404,    302,    404,    404,    404,    404,    404),
    "invitation_revoke_get":         (LOGIN,  404,    404,    200,    404,    404,    404,    200,    404),
    "invitation_revoke_post":        (LOGIN,  404,    404,    302,    404,    404,    404,    302,    404),
    "official_invite_get":           (LOGIN,  404,    404,    404,    404,    404,    404,    200,    404),
    "official_invite_post":          (LOGIN,  404,    404,    404,    404,    404,    404,    302,    404),
    "preferences_get":               (LOGIN,  200,    200,    200,    200,    200,    200,    200,    200),
    "preferences_post":              (LOGIN,  302,    302,    302,    302,    302,    302,    302,    302),
    "api_tokens_get":                (LOGIN,  200,    200,    200,    200,    200,    200,    200,    200),
    "api_tokens_post":               (LOGIN,  200,    200,    200,    200,    200,    200,    200,    200),
    "api_token_revoke_get":          (LOGIN,  200,    404,    404,    404,    404,    404,    404,    404),
    "api_token_revoke_post":         (LOGIN,  302,    404,    404,    404,    404,    404,    404,    404),
    "invitation_accept_bogus_get":   (404,    404,    404,    404,    404,    404,    404,    404,    404),
    "invitation_accept_bogus_post":  (404,    404,    404,    404,    404,    404,    404,    404,    404),
    "dev_mail":                      (LOGIN,  404,    404,    404,    404,    404,    404,    200,    404),
    # Triage workspace (target: gov_a, filed by org A in official_of_chapter's chapter; drafts: draft_a).
    "triage_queue":                  (LOGIN,  404,    404,    404,    200,    200,    200,    404,    200),
    "triage_queue_htmx":             (LOGIN,  404,    404,    404,    200,    200,    200,    404,    200),
    "triage_detail":                 (LOGIN,  404,    404,    404,    200,    404,    200,    404,    200),
    "triage_detail_htmx":            (LOGIN,  404,    404,    404,    200,    404,    200,    404,    200),
    "triage_detail_draft":           (LOGIN,  404,    404,    404,    404,    404,    404,    404,    404),
    "triage_detail_draft_htmx":      (LOGIN,  404,    404,    404,    404,    404,    404,    404,    404),
    "triage_assign_draft":           (LOGIN,  404,    404,    404,    404,    404,    404,    404,    404),
    "triage_assign":                 (LOGIN,  404,    404,    404,    302,    404,    302,    404,    302),
    "triage_status":                 (LOGIN,  404,    404,    404,    302,    404,    302,    404,    302),
    "triage_note":                   (LOGIN,  404,    404,    404,    302,    404,    302,    404,    302),
    "triage_tag":                    (LOGIN,  404,    404,    404,    302,    404,    302,    404,    302),
    "triage_merge":                  (LOGIN,  404,    404,    404,    302,    404,    302,    404,    302),
    "triage_merge_get":              (LOGIN,  404,    404,    404,    200,    404,    200,    404,    200),
    "triage_merge_get_htmx":         (LOGIN,  404,    404,    404,    200,    404,    200,    404,    200),
    "triage_note_htmx":              (LOGIN,  404,    404,    404,    200,    404,    200,    404,    200),
    "triage_bulk":                   (LOGIN,  404,    404,    404,    302,    IGNORED, 302,    404,    302),
    "triage_bulk_htmx":              (LOGIN,  404,    404,    404,    200,    IGNORED, 200,    404,    200),
    # Dashboards: officials see those of their own chapters; the chapter view of another chapter is missing.
    "dashboard":                     (LOGIN,  404,    404,    404,    200,    200,    200,    404,    200),
    "dashboard_round":               (LOGIN,  404,    404,    404,    200,    200,    200,    404,    200),
    "chapter_evolution":             (LOGIN,  404,    404,    404,    200,    404,    200,    404,    200),
    "chapter_evolution_other":       (LOGIN,  404,    404,    404,    404,    200,    200,    404,    404),
    # Exports: briefing books for the chapter's officials and the coordinator; our positions for members; a
    # position's PDF for whoever reads the position; the handover for the coordinator and admins; a job for its
    # requester (official_of_chapter) only.
    "book_chapter_csv":              (LOGIN,  404,    404,    404,    200,    404,    200,    404,    200),
    "book_chapter_xlsx":             (LOGIN,  404,    404,    404,    200,    404,    200,    404,    200),
    "book_chapter_pdf":              (LOGIN,  404,    404,    404,    200,    404,    200,    404,    200),
    "book_other_chapter_csv":        (LOGIN,  404,    404,    404,    404,    200,    200,    404,    404),
    "book_round_csv":                (LOGIN,  404,    404,    404,    200,    200,    200,    404,    200),
    "position_export_csv":           (LOGIN,  200,    200,    200,    404,    404,    404,    404,    404),
    "position_export_xlsx":          (LOGIN,  200,    200,    200,    404,    404,    404,    404,    404),
    "position_pdf_gov":              (LOGIN,  200,    404,    200,    200,    404,    200,    200,    200),
    "position_pdf_room":             (LOGIN,  200,    200,    200,    200,    404,    200,    200,    200),
    "handover_get":                  (LOGIN,  404,    404,    404,    404,    404,    200,    200,    404),
    "handover_post":                 (LOGIN,  404,    404,    404,    404,    404,    302,    302,    404),
    "export_job_list":               (LOGIN,  200,    200,    200,    200,    200,    200,    200,    200),
    "export_job_detail":             (LOGIN,  404,    404,    404,    200,    404,    404,    404,    404),
    "export_job_detail_htmx":        (LOGIN,  404,    404,    404,    200,    404,    404,    404,    404),
    "export_job_download":           (LOGIN,  404,    404,    404,    200,    404,    404,    404,    404),
    "export_job_retry":              (LOGIN,  404,    404,    404,    302,    404,    404,    404,    404),
    # Consultations between ministries (official_of_chapter: Economía, who asked; official_of_other_chapter:
    # Agricultura, consulted on "addressed"; nobody of the cast is of Hacienda, consulted on "other").
    "consultation_queue":            (LOGIN,  404,    404,    404,    200,    200,    200,    404,    200),
    "consultation_queue_htmx":       (LOGIN,  404,    404,    404,    200,    200,    200,    404,    200),
    "consultation_queue_sent":       (LOGIN,  404,    404,    404,    200,    200,    200,    404,    200),
    "consultation_detail_addressed": (LOGIN,  404,    404,    404,    200,    200,    200,    404,    200),
    "consultation_detail_other":     (LOGIN,  404,    404,    404,    200,    404,    200,    404,    200),
    "consultation_answer":           (LOGIN,  404,    404,    404,    404,    302,    404,    404,    404),
    "consultation_answer_other":     (LOGIN,  404,    404,    404,    404,    404,    404,    404,    404),
    "consultation_create_get":       (LOGIN,  404,    404,    404,    200,    404,    200,    404,    200),
    "consultation_create_post":      (LOGIN,  404,    404,    404,    302,    404,    302,    404,    302),
    "consultation_detail_issue":     (LOGIN,  404,    404,    404,    200,    200,    200,    404,    200),
    "consultation_create_issue_get": (LOGIN,  404,    404,    404,    200,    404,    200,    404,    200),
    "consultation_create_issue_post":(LOGIN,  404,    404,    404,    302,    404,    302,    404,    302),
    # The workload page is the coordinator's.
    "workload":                      (LOGIN,  404,    404,    404,    404,    404,    200,    404,    404),
    "workload_official_get":         (LOGIN,  404,    404,    404,    404,    404,    200,    404,    404),
    "workload_official_post":        (LOGIN,  404,    404,    404,    404,    404,    302,    404,    404),
    # State of play (issue 11): officials of the chapter read, its negotiator and the coordinator write.
    "board":                         (LOGIN,  404,    404,    404,    200,    200,    200,    404,    200),
    "board_format":                  (LOGIN,  404,    404,    404,    200,    200,    200,    404,    200),
    "chapter_state":                 (LOGIN,  404,    404,    404,    200,    404,    200,    404,    200),
    "chapter_state_other":           (LOGIN,  404,    404,    404,    404,    200,    200,    404,    404),
    "chapter_status_get":            (LOGIN,  404,    404,    404,    404,    404,    200,    404,    200),
    "chapter_status_post":           (LOGIN,  404,    404,    404,    404,    404,    302,    404,    302),
    "chapter_share_post":            (LOGIN,  404,    404,    404,    404,    404,    302,    404,    302),
    "issue_create_get":              (LOGIN,  404,    404,    404,    404,    404,    200,    404,    200),
    "issue_create_post":             (LOGIN,  404,    404,    404,    404,    404,    302,    404,    302),
    "issue_edit_get":                (LOGIN,  404,    404,    404,    404,    404,    200,    404,    200),
    "issue_edit_post":               (LOGIN,  404,    404,    404,    404,    404,    302,    404,    302),
    "issue_status_get":              (LOGIN,  404,    404,    404,    404,    404,    200,    404,    200),
    "issue_status_post":             (LOGIN,  404,    404,    404,    404,    404,    302,    404,    302),
    # Intelligence notes (one in `chapter`): its officials and the coordinator read and write; admins read.
    "intelligence_list":             (LOGIN,  404,    404,    404,    200,    200,    200,    200,    200),
    "intelligence_list_htmx":        (LOGIN,  404,    404,    404,    200,    200,    200,    200,    200),
    "intelligence_create_get":       (LOGIN,  404,    404,    404,    200,    200,    200,    404,    200),
    "intelligence_create_post":      (LOGIN,  404,    404,    404,    302,    REFUSED, 302,    404,    302),
    "intelligence_detail":           (LOGIN,  404,    404,    404,    200,    404,    200,    200,    200),
    "intelligence_edit_get":         (LOGIN,  404,    404,    404,    200,    404,    200,    404,    200),
    "intelligence_edit_post":        (LOGIN,  404,    404,    404,    302,    404,    302,    404,    302),
    "intelligence_attachment_upload":(LOGIN,  404,    404,    404,    302,    404,    302,    404,    302),
    "intelligence_attachment_download":(LOGIN,  404,    404,    404,    200,    404,    200,    200,    200),
    # The room (issue 3's briefings and questions): org A follows `chapter`; the negotiator leads it.
    "briefing_list":                 (LOGIN,  200,    200,    200,    200,    200,    200,    200,    200),
    "briefing_list_htmx":            (LOGIN,  200,    200,    200,    200,    200,    200,    200,    200),
    "briefing_create_get":           (LOGIN,  404,    404,    404,    404,    404,    200,    404,    200),
    "briefing_create_post":          (LOGIN,  404,    404,    404,    404,    404,    302,    404,    302),
    "briefing_detail":               (LOGIN,  200,    404,    200,    200,    404,    200,    200,    200),
    "briefing_edit_get":             (LOGIN,  404,    404,    404,    404,    404,    200,    404,    200),
    "briefing_edit_post":            (LOGIN,  404,    404,    404,    404,    404,    302,    404,    302),
    "room_question_list":            (LOGIN,  200,    200,    200,    200,    200,    200,    200,    200),
    "room_question_list_htmx":       (LOGIN,  200,    200,    200,    200,    200,    200,    200,    200),
    "room_question_create_get":      (LOGIN,  404,    404,    404,    404,    404,    200,    404,    200),
    "room_question_create_post":     (LOGIN,  404,    404,    404,    404,    404,    302,    404,    302),
    "room_question_detail":          (LOGIN,  200,    404,    200,    200,    404,    200,    200,    200),
    "room_answer_save":              (LOGIN,  302,    404,    302,    404,    404,    404,    404,    404),
    "room_question_close_get":       (LOGIN,  404,    404,    404,    404,    404,    200,    404,    200),
    "room_question_close_post":      (LOGIN,  404,    404,    404,    404,    404,    302,    404,    302),
    "room_question_reopen":          (LOGIN,  404,    404,    404,    404,    404,    302,    404,    302),
    "room_question_answers":         (LOGIN,  404,    404,    404,    200,    404,    200,    404,    200),
    "room_question_export":          (LOGIN,  404,    404,    404,    200,    404,    200,    404,    200),
    # Round management, digests and deliveries: platform staff (the admin); everyone reads the timeline and
    # previews their own digest. An empty round form comes back with its errors (REFUSED).
    "round_timeline":                (LOGIN,  200,    200,    200,    200,    200,    200,    200,    200),
    "round_manage_list":             (LOGIN,  404,    404,    404,    404,    404,    404,    200,    404),
    "round_manage_create_get":       (LOGIN,  404,    404,    404,    404,    404,    404,    200,    404),
    "round_manage_create_post":      (LOGIN,  404,    404,    404,    404,    404,    404,    REFUSED, 404),
    "round_manage_edit_get":         (LOGIN,  404,    404,    404,    404,    404,    404,    200,    404),
    "round_manage_edit_post":        (LOGIN,  404,    404,    404,    404,    404,    404,    REFUSED, 404),
    "round_manage_clone_get":        (LOGIN,  404,    404,    404,    404,    404,    404,    200,    404),
    "round_manage_clone_post":       (LOGIN,  404,    404,    404,    404,    404,    404,    302,    404),
    "round_manage_cancel_get":       (LOGIN,  404,    404,    404,    404,    404,    404,    200,    404),
    "round_manage_cancel_post":      (LOGIN,  404,    404,    404,    404,    404,    404,    302,    404),
    "round_manage_input_get":        (LOGIN,  404,    404,    404,    404,    404,    404,    200,    404),
    "round_manage_input_post":       (LOGIN,  404,    404,    404,    404,    404,    404,    302,    404),
    "digest_preview":                (LOGIN,  200,    200,    200,    200,    200,    200,    200,    200),
    "round_deliveries":              (LOGIN,  404,    404,    404,    404,    404,    404,    200,    404),
    "notification_deliveries":       (LOGIN,  404,    404,    404,    404,    404,    404,    200,    404),
    "delivery_resend_get":           (LOGIN,  404,    404,    404,    404,    404,    404,    200,    404),
    "delivery_resend_post":          (LOGIN,  404,    404,    404,    404,    404,    404,    302,    404),
    "deliveries_resend_bulk_get":    (LOGIN,  404,    404,    404,    404,    404,    404,    200,    404),
    "deliveries_resend_bulk_post":   (LOGIN,  404,    404,    404,    404,    404,    404,    302,    404),
    # Notifications: one's own; marking delegate A's notification read by anyone else marks nothing (IGNORED).
    "notification_list":             (LOGIN,  200,    200,    200,    200,    200,    200,    200,    200),
    "notification_read":             (LOGIN,  302,    IGNORED, IGNORED, IGNORED, IGNORED, IGNORED, IGNORED, IGNORED),
    "notification_preferences_get":  (LOGIN,  200,    200,    200,    200,    200,    200,    200,    200),
    "notification_preferences_post": (LOGIN,  302,    302,    302,    302,    302,    302,    302,    302),
    # The chapters org A follows: its members read them, its coordinators change them.
    "organisation_chapters_get":     (LOGIN,  200,    404,    200,    404,    404,    404,    404,    404),
    "organisation_chapters_post":    (LOGIN,  404,    404,    302,    404,    404,    404,    404,    404),
    # A message the local inbox does not hold: 404 even for the admin (the inbox itself is dev_mail).
    "dev_mail_html_missing":         (LOGIN,  404,    404,    404,    404,    404,    404,    404,    404),
    # The API's documentation page describes the API (no data): public, like the schema it renders.
    "api_docs":                      (200,    200,    200,    200,    200,    200,    200,    200,    200),
    # The audit log: platform staff; sign-in history: one's own. Two-step sign-in of org A: its coordinator and
    # the admin; an MFA reset: the admin.
    "audit_log":                     (LOGIN,  404,    404,    404,    404,    404,    404,    200,    404),
    "audit_log_export":              (LOGIN,  404,    404,    404,    404,    404,    404,    200,    404),
    "signin_history":                (LOGIN,  200,    200,    200,    200,    200,    200,    200,    200),
    "organisation_second_factor_get": (LOGIN, 404,    404,    200,    404,    404,    404,    200,    404),
    "organisation_second_factor_post": (LOGIN, 404,   404,    302,    404,    404,    404,    302,    404),
    "mfa_reset_get":                 (LOGIN,  404,    404,    404,    404,    404,    404,    200,    404),
    "mfa_reset_post":                (LOGIN,  404,    404,    404,    404,    404,    404,    302,    404),
    # Django's language switch: a cookie, for everyone (writes=False: nothing in the database).
    "set_language_get":              (302,    302,    302,    302,    302,    302,    302,    302,    302),
    "set_language":                  (302,    302,    302,    302,    302,    302,    302,    302,    302),
    "search":                        (LOGIN,  200,    200,    200,    200,    200,    200,    200,    200),
    "search_htmx":                   (LOGIN,  200,    200,    200,    200,    200,    200,    200,    200),
    "search_preview_htmx":           (LOGIN,  200,    200,    200,    200,    200,    200,    200,    200),
    "search_intelligence":           (LOGIN,  200,    200,    200,    200,    200,    200,    200,    200),
}

# The positions each role may see (selectors.positions.position_list_visible_to): no other title may ever
# appear in an answer to that role. org A: draft_a, awaiting_a (sign-off), gov_a (filed, government only),
# room_a (filed, shared with the room), cosign_a (filed, org B invited, pending), declined_a (filed, org B
# declined); org B: gov_b (filed, government only, in the other chapter). All of org A's are in `chapter`.
VISIBLE: dict[str, frozenset[str]] = {
    "anonymous":                 frozenset(),
    "delegate_a":                frozenset({"draft_a", "awaiting_a", "gov_a", "room_a", "cosign_a", "declined_a"}),
    "delegate_b":                frozenset({"room_a", "cosign_a", "gov_b"}),
    "coordinator_a":             frozenset({"draft_a", "awaiting_a", "gov_a", "room_a", "cosign_a", "declined_a"}),
    "official_of_chapter":       frozenset({"gov_a", "room_a", "cosign_a", "declined_a"}),
    "official_of_other_chapter": frozenset({"gov_b"}),
    "coordinator":               frozenset({"gov_a", "room_a", "cosign_a", "declined_a", "gov_b"}),
    "admin":                     frozenset(TITLES),
    "negotiator":                frozenset({"gov_a", "room_a", "cosign_a", "declined_a"}),
}
# fmt: on

MATRIX: dict[tuple[str, str], Expected] = {
    (case, role): cell for case, row in _ROWS.items() for role, cell in zip(ROLES, row, strict=True)
}

# Cells where the application does not do what the rules say. Each is a strict xfail: fixing the bug turns
# it into an XPASS failure, and then the entry must go.
_SUPERUSER_BYPASS = (
    "BUG: admin (a superuser) gets {got} instead of 404. Django's User.has_perm() returns True for an active "
    "superuser before asking the rules backend, so views.helpers.require_perm / position_amend let the admin "
    "past is_member_of_author_org; the service then refuses (PermissionDenied → 403) or the GET renders the "
    "form (200). Fix: check with rules.has_perm(perm, request.user, obj) in require_perm and position_amend "
    "(and give detail.html the same flags, which also shows the admin Edit/File/Amend/Withdraw buttons)."
)
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def test_the_matrix_covers_every_case_and_role() -> None:
    assert set(_ROWS) == set(CASES)
    assert set(VISIBLE) == set(ROLES)
    assert all(key in MATRIX for key in KNOWN_BUGS)


def _matrix_params() -> Iterator[Any]:
    for (case, role), expected in MATRIX.items():
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[case, role])] if (case, role) in KNOWN_BUGS else []
        yield pytest.param(case, role, expected, id=f"{case}-{role}", marks=marks)


# --- Fixtures -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def matrix_world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """The world of the matrix, built once per module inside a transaction rolled back at its end. Each test runs
    in a savepoint of it (pytest-django's ``db``), so what one cell writes is gone before the next: the cells stay
    independent and the module does not rebuild the world 1,500 times. Tests that change the world's objects in
    memory (the triage tests below) use ``world``, a copy of it."""
    media = tmp_path_factory.mktemp("media")
    storages = {
        **django_settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
    }
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=media, STORAGES=storages, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
        ),
        transaction.atomic(),
    ):
        chapter = factories.ChapterFactory(number=4, title_en="Rules of Origin", title_es="Reglas de Origen")
        other_chapter = factories.ChapterFactory(number=3, title_en="Agriculture", title_es="Agricultura")
        built = build_world(build_cast(chapter, other_chapter), chapter, other_chapter, factories.RoundFactory())
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def world(matrix_world: World) -> World:
    """The module's world, copied: the tests below change its objects in memory (what they write in the database
    is rolled back after each test, like a matrix cell's)."""
    return copy.deepcopy(matrix_world)


def _client_for(world: World, role: str) -> Client:
    client = Client()
    user = world.user(role)
    if user is not None:
        client.force_login(user)
    return client


def _body(response: HttpResponseBase) -> str:
    """The answer's text. A streamed answer (an attachment) is read to its end, which closes it the way the test
    client wants; closing it once more would send request_finished with close_old_connections listening, and that
    closes the connection of the module's world (see matrix_world) for every test after it."""
    if isinstance(response, StreamingHttpResponse):
        return b"".join(response.streaming_content).decode("utf-8", errors="replace")  # type: ignore[arg-type]
    return response.content.decode("utf-8", errors="replace")  # type: ignore[attr-defined]


def _db_state() -> Snapshot:
    """Everything a view of the matrix can write: every table but sessions and audit rows (tests/db_snapshot.py)."""
    return db_snapshot()


def _request(client: Client, case: ViewCase, world: World) -> HttpResponseBase:
    url = case.url(world)
    headers = {"HX-Request": "true"} if case.htmx else {}
    if case.method == "get":
        return client.get(url, headers=headers)
    return client.post(url, case.data(world), headers=headers)


def _assert_status(response: HttpResponseBase, expected: Expected, case: ViewCase, world: World) -> None:
    status = response.status_code
    location = response.headers.get("Location", "")
    login_url = reverse("account_login")
    if expected == LOGIN:
        assert (status, location.split("?")[0]) == (302, login_url), f"got {status} {location}"
        assert "?next=" in location
    elif expected == 302 or (expected == IGNORED and not case.htmx):
        assert status == 302, f"got {status}"
        assert not location.startswith(login_url)
        if case.success_url is not None:
            assert location == case.success_url(world)
    elif expected in (IGNORED, REFUSED):
        assert status == 200, f"got {status} {location}"
    else:
        assert status == expected, f"got {status} {location}"


def _denied_canaries(world: World) -> list[str]:
    files = [
        world.gov_attachment.original_name,
        world.draft_attachment.original_name,
        world.intelligence_attachment.original_name,
        world.export_done.filename,
    ]
    return [*files, INTELLIGENCE_TITLE, INTELLIGENCE_BODY, BRIEFING_TITLE, QUESTION_TEXT, ISSUE_CANARY]


# --- The matrix -----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("case_name", "role", "expected"), list(_matrix_params()))
def test_permission_matrix(
    matrix_world: World, settings: Settings, tmp_path: Path, case_name: str, role: str, expected: Expected
) -> None:
    world = matrix_world
    case = CASES[case_name]
    if case.urlconf is not None:
        settings.ROOT_URLCONF = case.urlconf
        settings.LOCAL_MAIL_DIR = tmp_path / "mail"  # the local inbox reads it: keep var/mail out of the test
    client = _client_for(world, role)
    target = world.positions[case.target] if case.target else None
    before = _db_state()

    response = _request(client, case, world)
    # Search highlights the words it found inside titles: read the text without the marks.
    body = _body(response).replace("<mark>", "").replace("</mark>", "")
    text = body + response.headers.get("Location", "")

    # Confidentiality and data first, the status last: a cell known to answer the wrong status still has to
    # leak nothing and change nothing (run with --runxfail to see it).
    revealed = set(case.reveals) if expected not in (LOGIN, 404) else set()
    leaked = sorted(TITLES[key] for key in set(TITLES) - VISIBLE[role] - revealed if TITLES[key] in text)
    assert not leaked, f"{role} may not see {leaked}"
    if role in ("anonymous", *DELEGATE_ROLES):
        assert INTELLIGENCE_TITLE not in text and INTELLIGENCE_BODY not in text
    denied = expected in (LOGIN, 404)
    unchanged = denied or expected in (IGNORED, REFUSED)
    if target is not None and unchanged:
        assert target.title not in text
    if target is not None and denied:
        # Nor its organisation (to whoever is not of it) or the names of its files.
        if world.user(role) is None or not target.organisation.memberships.filter(user=world.user(role)).exists():
            assert target.organisation.name not in text
        for name in target.attachments.values_list("original_name", flat=True):
            assert name not in text, f"a denied answer names the attachment {name}"
    if denied:
        # Whatever the target, a denied answer names none of the world's files, notes, briefings or questions.
        named = [canary for canary in _denied_canaries(world) if canary in text]
        assert not named, f"a denied answer names {named}"
    if case.method == "post":
        after = _db_state()
        if unchanged:
            assert after == before, f"a denied POST changed the database: {db_changes(before, after)}"
            if target is not None:
                target_now = models.Position.objects.get(pk=target.pk)
                assert (target_now.status, target_now.version) == (target.status, target.version)
    _assert_status(response, expected, case, world)
    if target is not None and case.shows_target and expected == 200:
        assert target.title in body
    if case.method == "post" and not unchanged and case.writes:
        assert _db_state() != before, "an allowed POST changed nothing (an error message behind a redirect?)"
    if case.htmx and response.status_code == 200:
        assert "<html" not in body, "an htmx request got the whole page instead of a partial"


# --- Lists never leak -----------------------------------------------------------------------------------

ORG_A_TITLES = frozenset(TITLES[key] for key in TITLES if key.endswith("_a"))


def _filter_queries(world: World) -> list[dict[str, Any]]:
    chapter, round = world.chapter.pk, world.round.pk
    return [
        {},
        {"chapter": chapter},
        {"round": round},
        {"chapter": chapter, "round": round},
        {"chapter": chapter, "round": round, "status": models.PositionStatus.SUBMITTED},
        {"chapter": chapter, "status": models.PositionStatus.DRAFT},
        {"q": "TITULO"},
        {"q": "SECRETO-A-7f3"},  # not the whole title: the search box echoes the query
        {"chapter": chapter, "round": round, "q": "SECRETO"},
        {"chapter": world.other_chapter.pk},
        {"page": 2},
    ]


@pytest.mark.django_db
def test_htmx_partials_of_position_list_leak_no_other_organisation_title(world: World) -> None:
    client = _client_for(world, "delegate_b")
    url = reverse("consultations:position_list")
    for query in _filter_queries(world):
        response = client.get(url, query, headers={"HX-Request": "true"})
        body = _body(response)
        assert response.status_code == 200, query
        assert "<html" not in body, "expected the #position-results partial"
        assert 'id="position-results"' in body
        assert not [title for title in ORG_A_TITLES if title in body], query
    full = _body(client.get(url, headers={"HX-Request": "true"}))
    assert TITLES["gov_b"] in full  # the partial does list B's own position: the check above is not vacuous


@pytest.mark.django_db
def test_position_list_of_delegate_b_never_shows_org_a_government_only_titles(world: World) -> None:
    government_a = {TITLES[key] for key in ("draft_a", "awaiting_a", "gov_a", "cosign_a", "declined_a")}
    client = _client_for(world, "delegate_b")
    url = reverse("consultations:position_list")
    for query in _filter_queries(world):
        body = _body(client.get(url, query))
        assert not [title for title in government_a if title in body], query
    # Once org B co-signs cosign_a it is theirs too and appears; the other government-only ones still do not.
    client.post(
        reverse("consultations:cosignature_respond", args=[world.pending_cosignature.pk]), {"decision": "accept"}
    )
    for query in _filter_queries(world):
        body = _body(client.get(url, query))
        assert not [title for title in government_a - {TITLES["cosign_a"]} if title in body], query
    body = _body(client.get(url, {"chapter": world.chapter.pk, "round": world.round.pk}))
    assert TITLES["cosign_a"] in body


@pytest.mark.django_db
def test_position_create_post_by_a_member_creates_a_draft_of_their_organisation(world: World) -> None:
    client = _client_for(world, "delegate_b")
    response = client.post(reverse("consultations:position_create"), CASES["position_create_post"].data(world))
    created = models.Position.objects.get(title=NEW_TITLE)
    assert response.headers["Location"] == reverse("consultations:position_detail", args=[created.pk])
    assert (created.organisation, created.status) == (world.cast.org_b, models.PositionStatus.DRAFT)


# --- Triage and dashboards: what each official sees, and what never reaches a delegate -----------------------

DELEGATE_ROLES = ("delegate_a", "delegate_b", "coordinator_a")
# Unique strings (none is a substring of another, nor of a title): what officials write about org A's positions.
SECRET_NOTES = {"gov_a": "NOTA-INTERNA-SECRETA-91c", "room_a": "NOTA-INTERNA-SALA-91c"}
SECRET_TAGS = {"gov_a": "etiqueta-secreta-91c", "room_a": "etiqueta-sala-91c"}
ASSIGNEE_NAME = "Analista Asignada Secreta 91c"
PUBLIC_RESPONSE = "RESPUESTA-PUBLICA-91c"


def _triage_by_officials(world: World) -> models.User:
    """gov_a and room_a go through triage: assigned to a second official of the chapter, in review, answered,
    noted and tagged. Returns the assignee."""
    from consultations.services import triage as triage_services
    from tests import factories

    official = world.cast.official_of_chapter
    assignee = factories.official(chapters=[world.chapter])
    assignee.full_name = ASSIGNEE_NAME
    assignee.save(update_fields=["full_name"])
    for key in ("gov_a", "room_a"):
        position = world.positions[key]
        triage_services.position_assign(by=official, position=position, assignee=assignee)
        triage_services.position_set_status(by=official, position=position, status=models.PositionStatus.IN_REVIEW)
        triage_services.position_respond(by=official, position=position, response=PUBLIC_RESPONSE)
        triage_services.position_note_add(by=official, position=position, body=SECRET_NOTES[key])
        triage_services.position_tag(by=official, position=position, tag=SECRET_TAGS[key])
        world.positions[key] = models.Position.objects.get(pk=position.pk)
    return assignee


def _get(client: Client, case: ViewCase, world: World) -> tuple[int, str]:
    """One GET of the matrix, one of many in a test. A streamed answer (an attachment) is read to its end, which
    closes it the way the test client wants; closing it once more, as _body does, would send request_finished with
    close_old_connections listening and break the test's transaction for the next request."""
    with contextlib.ExitStack() as stack:
        if case.urlconf is not None:
            stack.enter_context(override_settings(ROOT_URLCONF=case.urlconf))
        response = _request(client, case, world)
    if isinstance(response, StreamingHttpResponse):
        content = b"".join(response.streaming_content)  # type: ignore[arg-type]
        return response.status_code, content.decode("utf-8", errors="replace")
    return response.status_code, _body(response)


@pytest.mark.django_db
@pytest.mark.parametrize("role", DELEGATE_ROLES)
def test_internal_notes_assignees_and_tags_never_reach_a_delegate(world: World, tmp_path: Path, role: str) -> None:
    _triage_by_officials(world)
    secrets = [*SECRET_NOTES.values(), *SECRET_TAGS.values(), ASSIGNEE_NAME, INTELLIGENCE_TITLE, INTELLIGENCE_BODY]
    client = _client_for(world, role)
    pages: dict[str, tuple[int, str]] = {}
    with override_settings(LOCAL_MAIL_DIR=tmp_path / "mail"):
        for name, case in CASES.items():
            if case.method == "get":
                pages[name] = _get(client, case, world)
    list_url = reverse("consultations:position_list")
    for query in _filter_queries(world):
        pages[f"position_list_htmx {query}"] = (
            200,
            _body(client.get(list_url, query, headers={"HX-Request": "true"})),
        )
    for key in ("gov_a", "room_a"):
        pk = world.positions[key].pk
        for name in ("position_detail", "position_revisions"):
            pages[f"{name} {key}"] = (0, _body(client.get(reverse(f"consultations:{name}", args=[pk]))))
    leaks = {name: [s for s in secrets if s in body] for name, (_status, body) in pages.items()}
    assert not {name: found for name, found in leaks.items() if found}, f"{role} reads what only officials may"
    # Not vacuous: the delegate does read the pages of the triaged positions it may see, with their new status.
    visible = [key for key in ("gov_a", "room_a") if key in VISIBLE[role]]
    assert visible
    for key in visible:
        assert TITLES[key] in pages[f"position_detail {key}"][1]
    assert PUBLIC_RESPONSE in pages["position_detail_gov"][1] or role == "delegate_b"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["official_of_chapter", "coordinator"])
def test_officials_read_the_notes_assignee_and_tags_in_the_triage_pane(world: World, role: str) -> None:
    _triage_by_officials(world)
    client = _client_for(world, role)
    for key in ("gov_a", "room_a"):
        url = reverse("consultations:triage_detail", args=[world.positions[key].pk])
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            body = _body(response)
            assert response.status_code == 200
            assert SECRET_NOTES[key] in body
            assert SECRET_TAGS[key] in body
            assert ASSIGNEE_NAME in body


@pytest.mark.django_db
def test_triage_queue_lists_the_filed_positions_of_the_officials_chapters_only(world: World) -> None:
    filed_a = {TITLES[key] for key in ("gov_a", "room_a", "cosign_a", "declined_a")}
    unfiled_a = {TITLES["draft_a"], TITLES["awaiting_a"]}
    url = reverse("consultations:triage_queue")
    expected = {
        "official_of_chapter": filed_a,
        "official_of_other_chapter": {TITLES["gov_b"]},
        "coordinator": filed_a | {TITLES["gov_b"]},
    }
    for role, titles in expected.items():
        client = _client_for(world, role)
        for headers in ({}, {"HX-Request": "true"}):
            body = _body(client.get(url, headers=headers))
            shown = {title for title in TITLES.values() if title in body}
            assert shown == titles, (role, headers)
            assert not shown & unfiled_a


@pytest.mark.django_db
def test_red_lines_reach_only_the_officials_of_their_chapter(world: World) -> None:
    """Dashboards name red-line positions: the official of the other chapter never reads org A's."""
    models.Position.objects.filter(pk__in=[world.positions["gov_a"].pk, world.positions["gov_b"].pk]).update(
        is_red_flag=True
    )
    round_url = reverse("consultations:dashboard_round", args=[world.round.pk])
    red_queue = f"{reverse('consultations:triage_queue')}?round={world.round.pk}&red_line=1"

    def evolution(chapter: models.Chapter) -> str:
        return reverse("consultations:chapter_evolution", args=[chapter.number])

    pages = {
        "official_of_chapter": [reverse("consultations:dashboard"), round_url, red_queue, evolution(world.chapter)],
        "official_of_other_chapter": [
            reverse("consultations:dashboard"),
            round_url,
            red_queue,
            evolution(world.other_chapter),
        ],
    }
    own = {"official_of_chapter": TITLES["gov_a"], "official_of_other_chapter": TITLES["gov_b"]}
    for role, urls in pages.items():
        client = _client_for(world, role)
        for url in urls:
            response = client.get(url)
            body = _body(response)
            assert response.status_code == 200, url
            assert own[role] in body, (role, url)  # its own chapter's red line is named: the check is not vacuous
            other = {title for key, title in TITLES.items() if key not in VISIBLE[role] and title in body}
            assert not other, (role, url, other)


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_bulk_with_ids_outside_the_scope_answers_like_missing_ids(world: World, htmx: bool) -> None:
    """The official of the other chapter learns nothing from posting gov_a's id: the same answer as a missing id."""
    headers = {"HX-Request": "true"} if htmx else {}
    url = reverse("consultations:triage_bulk")
    missing_id = models.Position.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    answers = []
    for pk in (world.positions[TRIAGE_TARGET].pk, missing_id):
        client = _client_for(world, "official_of_other_chapter")
        response = client.post(url, {"ids": [pk], "action": "assign_me", "next_query": ""}, headers=headers)
        location = response.headers.get("Location", "")
        page = _body(client.get(location)) if location else _body(response)
        page = page.replace(str(pk), "<id>")
        answers.append((response.status_code, location, _bulk_messages(page)))
    assert answers[0] == answers[1]
    assert answers[0][2], "the bulk answer says nothing: the comparison above is vacuous"


def _bulk_messages(page: str) -> list[str]:
    return re.findall(r'<p class="message[^"]*"[^>]*>(.*?)</p>', page, flags=re.S)


@pytest.mark.django_db
def test_search_shows_each_role_the_positions_it_may_see_and_no_other(world: World) -> None:
    """The matrix checks that nothing invisible leaks; this checks the search does find what the role may see."""
    url = reverse("consultations:search")
    for role in ROLES[1:]:
        client = _client_for(world, role)
        body = _body(client.get(url, {"q": "TITULO"})).replace("<mark>", "").replace("</mark>", "")
        shown = {key for key, title in TITLES.items() if title in body}
        expected = set(VISIBLE[role])
        assert shown == expected, role
        intelligence = _body(client.get(url, {"q": "INTELIGENCIA"})).replace("<mark>", "").replace("</mark>", "")
        readers = ("official_of_chapter", "coordinator", "negotiator")
        assert (INTELLIGENCE_TITLE in intelligence) == (role in readers), role
