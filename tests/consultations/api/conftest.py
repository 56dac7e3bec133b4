"""The API's test world: the permission matrix's world (tests/consultations/permission_cases.py) and a token per
role, with a client that sends it."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from consultations import models
from consultations.services.api_tokens import api_token_create
from tests import factories
from tests.consultations.permission_cases import CAST_ROLES, World, build_world

API = "/api/v1"


class ApiClient:
    """Django's test client with a bearer token; JSON in, the response out (``.json()`` reads it)."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None, **kw: Any):
        url = path if path.startswith("/") and path.startswith(API) else API + path
        extra = {**self.headers, **(headers or {})}
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if body is not None:
            kw.setdefault("content_type", "application/json")
            kw["data"] = body
        return getattr(self.client, method.lower())(url, headers=extra, **kw)

    def get(self, path: str, **kw: Any):
        return self.request("get", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any):
        return self.request("post", path, {} if body is None and "data" not in kw else body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any):
        return self.request("patch", path, body, **kw)

    def upload(self, path: str, files: dict[str, Any], **kw: Any):
        """A multipart POST (Django's client encodes a dict of files as multipart/form-data)."""
        url = API + path
        return self.client.post(url, data=files, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def put(self, path: str, body: Any = None, **kw: Any):
        return self.request("put", path, body, **kw)


BRIEFING_TITLE = "BRIEFING-API-7f3"
QUESTION_TEXT = "PREGUNTA-API-7f3"
ANSWER_B = "RESPUESTA-SALA-B-7f3"  # organisation B's answer: never shown to organisation A


@dataclass
class ApiWorld:
    world: World
    secrets: dict[str, str]  # role -> token secret (write scope)
    tokens: dict[str, models.ApiToken]
    briefing: models.Briefing
    question: models.RoomQuestion

    def client(self, role: str) -> ApiClient:
        return ApiClient(self.secrets.get(role))


def make_token(user: models.User, scope: str = "write", days: int = 30) -> tuple[models.ApiToken, str]:
    return api_token_create(
        by=user, name=f"prueba {scope}", scope=scope, expires_at=timezone.now() + dt.timedelta(days=days)
    )


def build_api_world(cast, chapter, other_chapter, open_round) -> ApiWorld:  # noqa: ANN001 - the fixtures
    world = build_world(cast, chapter, other_chapter, open_round)
    made = {role: make_token(world.user(role)) for role in CAST_ROLES if role != "anonymous"}
    negotiator = factories.official(chapters=[chapter], negotiator=True)
    briefing = models.Briefing.objects.create(
        chapter=chapter, round=open_round, author=negotiator, title=BRIEFING_TITLE, body_markdown="**Lectura**"
    )
    question = models.RoomQuestion.objects.create(
        chapter=chapter,
        round=open_round,
        author=negotiator,
        text=QUESTION_TEXT,
        response_deadline=timezone.now() + dt.timedelta(days=2),
    )
    # Organisation B is in the room of the chapter too (it follows it), and has answered.
    cast.org_b.followed_chapters.add(chapter)
    models.RoomAnswer.objects.create(
        question=question, organisation=cast.org_b, answered_by=cast.delegate_b, text=ANSWER_B
    )
    return ApiWorld(
        world=world,
        secrets={role: secret for role, (_token, secret) in made.items()},
        tokens={role: token for role, (token, _secret) in made.items()},
        briefing=briefing,
        question=question,
    )


@pytest.fixture
def api_world(cast, chapter, other_chapter, open_round) -> ApiWorld:
    return build_api_world(cast, chapter, other_chapter, open_round)
