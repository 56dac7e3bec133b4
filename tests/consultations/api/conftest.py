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
from tests.consultations.permission_cases import ROLES, World, build_world

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


@dataclass
class ApiWorld:
    world: World
    secrets: dict[str, str]  # role -> token secret (write scope)

    def client(self, role: str) -> ApiClient:
        return ApiClient(self.secrets.get(role))


def make_token(user: models.User, scope: str = "write", days: int = 30) -> str:
    _token, secret = api_token_create(
        by=user, name=f"prueba {scope}", scope=scope, expires_at=timezone.now() + dt.timedelta(days=days)
    )
    return secret


@pytest.fixture
def api_world(cast, chapter, other_chapter, open_round) -> ApiWorld:
    world = build_world(cast, chapter, other_chapter, open_round)
    secrets = {role: make_token(world.user(role)) for role in ROLES if role != "anonymous"}
    return ApiWorld(world=world, secrets=secrets)
