"""Safe writes and limits: the idempotency race on a live server, If-Match, the token's life (create on the page,
use, expire, revoke), the read scope, the rate limit, audit rows marked as API, constant query counts."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading

import requests
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consultations import models
from tests.consultations.api.conftest import ApiClient, ApiWorld, make_token
from tests.consultations.api.test_api_access import OPS, _call
from tests.consultations.permission_cases import NEW_TITLE


def _new(aw: ApiWorld, title: str = NEW_TITLE) -> dict:
    return {
        "chapter": aw.world.chapter.pk,
        "round": aw.world.round.pk,
        "title": title,
        "summary": "Carrera.",
        "stance": "offensive",
    }


def test_concurrent_posts_with_one_key_create_one_position(live_server, api_world: ApiWorld, settings) -> None:
    settings.API_RATE_LIMIT_PER_MINUTE = 10**6
    url = f"{live_server.url}/api/v1/positions"
    headers = {"Authorization": f"Bearer {api_world.secrets['delegate_a']}"}
    for attempt in range(4):
        title = f"CARRERA-{attempt}-7f3"
        barrier = threading.Barrier(4)
        answers: list[requests.Response] = []

        def post(title: str, key: str, barrier: threading.Barrier, answers: list[requests.Response]) -> None:
            barrier.wait()
            answers.append(
                requests.post(url, json=_new(api_world, title), headers={**headers, "Idempotency-Key": key}, timeout=30)
            )

        threads = [
            threading.Thread(target=post, args=(title, f"carrera-{attempt}", barrier, answers)) for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [a.status_code for a in answers] == [201] * 4, [a.text for a in answers]
        assert len({a.json()["id"] for a in answers}) == 1
        assert models.Position.objects.filter(title=title).count() == 1
    assert models.ApiIdempotentRequest.objects.filter(key__startswith="carrera-").count() == 4


def test_if_match_conflict_answers_412_with_the_current_version(api_world: ApiWorld) -> None:
    w, client = api_world.world, api_world.client("delegate_a")
    gov = w.positions["gov_a"]
    based_on = {"If-Match": f'"{gov.version}"'}
    first = client.post(f"/positions/{gov.pk}/amend", {"summary": "Primera."}, headers=based_on)
    assert first.status_code == 200, first.content
    second = client.post(
        f"/positions/{gov.pk}/amend", {"summary": "Segunda."}, headers={"If-Match": f'"{gov.version}"'}
    )
    assert second.status_code == 412
    assert second.json()["current_version"] == gov.version + 1 == int(second["ETag"].strip('"'))
    assert models.Position.objects.get(pk=gov.pk).summary == "Primera."
    # Triage: the triage version.
    official = api_world.client("official_of_chapter")
    context = official.get(f"/triage/positions/{gov.pk}")
    etag = context["ETag"]
    assigned = official.post(f"/triage/positions/{gov.pk}/assign", {"assignee": "me"}, headers={"If-Match": etag})
    assert assigned.status_code == 200, assigned.content
    stale = official.post(f"/triage/positions/{gov.pk}/status", {"status": "in_review"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert models.Position.objects.get(pk=gov.pk).status == "submitted"


def test_token_life_create_on_the_page_use_expire_revoke(cast, open_round) -> None:
    browser = Client()
    browser.force_login(cast.delegate_a)
    page = reverse("consultations:api_tokens")
    created = browser.post(page, {"name": "Hoja de socios", "scope": "write", "lifetime": "30"})
    assert created.status_code == 200
    token = models.ApiToken.objects.get(user=cast.delegate_a)
    secret = created.context["secret"]
    assert secret.startswith("cdj_") and secret.encode() in created.content
    # Only the hash is stored; the page never shows the secret again.
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(models.ApiToken.objects.filter(pk=token.pk).values().get())
    assert secret.encode() not in browser.get(page).content

    api = ApiClient(secret)
    assert api.get("/me").json()["id"] == cast.delegate_a.pk
    token.refresh_from_db()
    assert token.last_used_at is not None

    models.ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    expired = api.post("/positions", {"chapter": 1})
    assert expired.status_code == 401 and expired["WWW-Authenticate"].startswith("Bearer")
    assert not models.Position.objects.exists()

    _other, other_secret = make_token(cast.delegate_a)
    other = models.ApiToken.objects.get(prefix=other_secret[:12])
    revoke = reverse("consultations:api_token_revoke", args=[other.pk])
    assert b"cannot be undone" in browser.get(revoke).content or browser.get(revoke).status_code == 200
    assert ApiClient(other_secret).get("/me").status_code == 200
    assert browser.post(revoke).status_code == 302
    assert ApiClient(other_secret).get("/me").status_code == 401
    # Someone else's token: not found.
    mine = Client()
    mine.force_login(cast.delegate_b)
    assert mine.get(revoke).status_code == 404
    assert ApiClient("cdj_not-a-token").get("/me").status_code == 401
    assert ApiClient(None).get("/me").status_code == 401


def test_read_token_cannot_write_anything(api_world: ApiWorld) -> None:
    _token, secret = make_token(api_world.world.cast.delegate_a, scope="read")
    reader = ApiClient(secret)
    before = models.AuditEvent.objects.count()
    for key in OPS:
        if key[0] == "get":
            continue
        answer = _call(api_world, "delegate_a", key, client=reader)
        assert answer.status_code == 403, key
        assert answer.json()["type"].endswith("insufficient-scope")
    assert models.AuditEvent.objects.count() == before


def test_rate_limit_answers_429_with_retry_after(api_world: ApiWorld, settings) -> None:
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    client = api_world.client("delegate_a")
    assert [client.get("/me").status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get("/me")
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert limited.json()["retry_after"] == int(limited["Retry-After"])
    # Per token: another token of another user is not held back.
    assert api_world.client("delegate_b").get("/me").status_code == 200


def test_writes_and_downloads_leave_audit_rows_marked_api(api_world: ApiWorld) -> None:
    w = api_world.world
    client = api_world.client("delegate_a")
    draft = w.positions["draft_a"]
    saved = client.patch(f"/positions/{draft.pk}", {"summary": "Auditada."}, headers={"If-Match": f'"{draft.version}"'})
    assert saved.status_code == 200, saved.content
    download = client.get(f"/attachments/{w.gov_attachment.pk}")
    assert download.status_code == 200
    rows = models.AuditEvent.objects.filter(actor=w.cast.delegate_a, data__channel="api")
    assert set(rows.values_list("action", flat=True)) >= {"position.update_draft", "api.write", "attachment.download"}
    token_prefix = api_world.tokens["delegate_a"].prefix
    assert all(row.data["api_token"] == token_prefix for row in rows)
    # The pages' writes are not marked.
    browser = Client()
    browser.force_login(w.cast.delegate_a)
    browser.post(reverse("consultations:position_file", args=[w.positions["draft_a"].pk]))
    page_row = models.AuditEvent.objects.filter(action="position.file").latest("id")
    assert "channel" not in page_row.data
