"""Schemathesis against the live schema on a live server: generated requests (valid and invalid) for every
operation, with a delegate's token and an official's: no 5xx, and every answer conforms to the schema (status
code documented, content type, body shape, headers).

The default run sends a few examples per operation; the heavy one (marker ``fuzz``, ``make fuzz``) sends at least 100
per operation and mode. It takes the better part of an hour on two cores, so CI leaves it out for now."""

from __future__ import annotations

import os

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from consultations.api import api
from consultations.models import ApiToken
from tests.consultations.api.conftest import ApiWorld

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
ROLES = ("delegate_a", "official_of_chapter")
QUICK_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "2"))
HEAVY_EXAMPLES = 100


def _fuzz(api_world: ApiWorld, base_url: str, examples: int) -> int:
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
    sent = 0
    token_ids = [token.pk for token in api_world.tokens.values()]
    headers: dict[str, str] = {}  # the role's, filled in the loop (one dict, so the test function reads it)
    for result in schema.get_all_operations():
        operation = result.ok()
        for role in ROLES:
            headers.clear()
            headers["Authorization"] = f"Bearer {api_world.secrets[role]}"
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @hypothesis.settings(
                    max_examples=examples,
                    deadline=None,
                    database=None,
                    derandomize=True,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )
                @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
                def run(case) -> None:  # noqa: ANN001 - a schemathesis Case
                    nonlocal sent
                    # A generated id may hit one of the world's tokens on /tokens/{id}/revoke: keep them usable.
                    ApiToken.objects.filter(pk__in=token_ids).update(revoked_at=None)
                    # The token is the caller's; a generated Authorization header would only test a stranger.
                    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
                    case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=30)
                    sent += 1

                try:
                    run()
                except hypothesis.errors.Unsatisfiable:
                    # Some operations have no invalid input to generate (no parameters, no body).
                    continue
    return sent


@pytest.fixture
def unlimited(settings) -> None:
    settings.API_RATE_LIMIT_PER_MINUTE = 10**9


def test_schemathesis_quick(live_server, api_world: ApiWorld, unlimited) -> None:
    sent = _fuzz(api_world, live_server.url, QUICK_EXAMPLES)
    assert sent > 0


@pytest.mark.fuzz
@pytest.mark.timeout(3600)
def test_schemathesis_heavy(live_server, api_world: ApiWorld, unlimited) -> None:
    sent = _fuzz(api_world, live_server.url, HEAVY_EXAMPLES)
    operations = len(list(schemathesis.openapi.from_dict(api.get_openapi_schema()).get_all_operations()))
    # At least 100 examples per operation and role, valid ones alone (hypothesis may stop early only when an
    # operation's input space is smaller).
    assert sent >= operations * len(ROLES) * 50, sent
