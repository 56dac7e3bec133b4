"""Schemathesis against the live schema: generated requests (valid and invalid) for every operation, with a
delegate's token and an official's: no 5xx, and every answer conforms to the schema (status code documented,
content type, body shape, headers).

The requests go through the whole WSGI application in this process (every middleware, the real PostgreSQL, with
commits), not through a socket: the answers are the same, and a thread and a connection per request cost more than
the application itself.

- ``test_schemathesis_quick``: a few examples per operation, role and mode (every pass of CI).
- ``test_schemathesis_ci`` (marker ``heavy``, the real-services CI pass): per operation and token, 100 valid and 50
  invalid examples (about 14,000 requests, three to four minutes of CPU on two cores).
- ``test_schemathesis_long`` (marker ``fuzz``, ``make fuzz``): 500 per operation, token and mode.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter

import hypothesis
import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
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
POSITIVE, NEGATIVE = GenerationMode.POSITIVE, GenerationMode.NEGATIVE
QUICK_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "2"))
# Per operation and token: 100 valid (they reach the services and the database) and 50 invalid.
CI_EXAMPLES = {POSITIVE: 100, NEGATIVE: 50}
LONG_EXAMPLES = {POSITIVE: 500, NEGATIVE: 500}
REVOKE_PATH = "/api/v1/tokens/{token_id}/revoke"


def _send(strategy, examples: int, seed: int, call) -> None:  # noqa: ANN001 - a strategy of Cases and a callable
    """Draw up to ``examples`` cases from ``strategy`` (reproducibly: the seed is fixed) and ``call`` each."""

    @hypothesis.seed(seed)
    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=strategy)
    def run(case) -> None:  # noqa: ANN001 - a schemathesis Case
        call(case)

    with contextlib.suppress(hypothesis.errors.Unsatisfiable):  # an operation without input has no invalid one
        run()


def _fuzz(api_world: ApiWorld, examples: dict[GenerationMode, int]) -> Counter[tuple[str, str, GenerationMode]]:
    """Send ``examples[mode]`` generated requests per operation, role and mode; return how many were sent for each
    (operation, role, mode). Hypothesis sends fewer only where an operation's input space is smaller (no parameters,
    or no invalid input at all)."""
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
    token_ids = [token.pk for token in api_world.tokens.values()]
    sent: Counter[tuple[str, str, GenerationMode]] = Counter()
    statuses: Counter[tuple[str, str, int]] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        for number, role in enumerate(ROLES):
            # The token is fixed in the strategy: a negative case never drops it (that only tests a stranger, whom
            # test_api_access.py and the token tests cover), so every invalid case reaches the operation as the role.
            headers = {"Authorization": f"Bearer {api_world.secrets[role]}"}
            for mode, count in examples.items():
                key = (operation.label, role, mode)

                def call(case, headers=headers, key=key, path=operation.path) -> None:  # noqa: ANN001 - a Case
                    response = case.call_and_validate(app=app, headers=headers, checks=CHECKS)
                    sent[key] += 1
                    statuses[(key[1], key[2].value, response.status_code)] += 1
                    if path == REVOKE_PATH:
                        # A generated id may hit one of the world's own tokens: keep them usable.
                        ApiToken.objects.filter(pk__in=token_ids).update(revoked_at=None)

                _send(operation.as_strategy(generation_mode=mode, headers=headers), count, number, call)
    by_role_mode = Counter({(role, mode.value): 0 for role in ROLES for mode in examples})
    for (_label, role, mode), count in sent.items():
        by_role_mode[(role, mode.value)] += count
    print(f"schemathesis: {sum(sent.values())} requests, by token and mode: {dict(by_role_mode)}")  # noqa: T201
    print(f"schemathesis: answers by token, mode and status: {dict(sorted(statuses.items()))}")  # noqa: T201
    return sent


@pytest.fixture
def unlimited(settings) -> None:
    settings.API_RATE_LIMIT_PER_MINUTE = 10**9


def _assert_enough(sent: Counter, examples: dict[GenerationMode, int]) -> None:
    """Every operation that takes input got its valid examples from both tokens (hypothesis stops early only where
    the input space is smaller, which no parameter or body allows); one without input got at least one."""
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
    for operation in (result.ok() for result in schema.get_all_operations()):
        takes_input = bool(operation.path_parameters or operation.query or operation.body)
        for role in ROLES:
            valid = sent[(operation.label, role, POSITIVE)]
            assert valid >= (examples[POSITIVE] if takes_input else 1), (operation.label, role, valid)


def test_schemathesis_quick(transactional_db, api_world: ApiWorld, unlimited) -> None:
    sent = _fuzz(api_world, {POSITIVE: QUICK_EXAMPLES, NEGATIVE: QUICK_EXAMPLES})
    assert sum(sent.values()) > 0


@pytest.mark.heavy
@pytest.mark.timeout(1200)
def test_schemathesis_ci(transactional_db, api_world: ApiWorld, unlimited) -> None:
    sent = _fuzz(api_world, CI_EXAMPLES)
    _assert_enough(sent, CI_EXAMPLES)


@pytest.mark.fuzz
@pytest.mark.timeout(3600)
def test_schemathesis_long(transactional_db, api_world: ApiWorld, unlimited) -> None:
    sent = _fuzz(api_world, LONG_EXAMPLES)
    _assert_enough(sent, LONG_EXAMPLES)
