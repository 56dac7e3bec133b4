"""Field tampering (issue 13, point 3): extra POST fields never change what a form does.

For every POST of the permission matrix (``permission_cases.CASES``, kept complete against the URL resolver by
test_access_coverage.py, so a new form is covered here without touching this file) and one role allowed to send it,
the legitimate request is sent twice and then once more with fields a curious user might add: another organisation,
a status, an author, an assignee, a priority, a red-line flag, internal notes, staff flags, another chapter...
Each run is rolled back. The tampered run must leave the database exactly as the legitimate one did (or, refused,
as it was): columns that differ between the two legitimate runs (timestamps, random tokens) are not compared.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import models as db_models
from django.db import transaction
from django.test.utils import override_settings

from consultations import models
from tests.consultations.permission_cases import CASES, ROLES, World
from tests.consultations.test_permissions import IGNORED, MATRIX, REFUSED, _client_for, _request
from tests.consultations.test_permissions import matrix_world as matrix_world  # the fixture, once per module
from tests.db_snapshot import EXCLUDED_TABLES

ALLOWED = (200, 302, IGNORED, REFUSED)


def _tampering(w: World) -> dict[str, Any]:
    """What a user might add to any form: none of it is a field they may set there."""
    other = w.cast.official_of_other_chapter.pk
    return {
        "organisation": w.cast.org_b.pk,
        "organisation_id": w.cast.org_b.pk,
        "status": models.PositionStatus.INCORPORATED,
        "author": w.cast.admin.pk,
        "created_by": w.cast.admin.pk,
        "requester": w.cast.admin.pk,
        "recipient": w.cast.admin.pk,
        "user": w.cast.admin.pk,
        "assigned_to": other,
        "assignee": other,
        "priority": models.Priority.RED_LINE,
        "is_red_flag": "on",
        "internal_notes": "NOTA-INTERNA-MANIPULADA-5e1",
        "official_response": "RESPUESTA-MANIPULADA-5e1",
        "tags": "etiqueta-manipulada-5e1",
        "duplicate_of": w.positions["room_a"].pk,
        "is_staff": "on",
        "is_superuser": "on",
        "is_coordinator": "on",
        "is_negotiator": "on",
        "ministry": "hacienda",
        "to_ministry": "hacienda",
        "chapter": w.other_chapter.pk,
        "shared_with_room": "on",
        "filed_at": "2020-01-01 00:00",
        "triage_version": 999,
    }


def _post_cases() -> list[Any]:
    params = []
    for name, case in CASES.items():
        if case.method != "post":
            continue
        role = next((r for r in ROLES if MATRIX[name, r] in ALLOWED), None)
        if role is not None:
            params.append(pytest.param(name, role, id=f"{name}-{role}"))
    return params


class _Rollback(Exception):
    pass


def _fields(model: type[db_models.Model]) -> list[db_models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _models() -> list[type[db_models.Model]]:
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.db_table not in EXCLUDED_TABLES and m._meta.managed and not m._meta.proxy
    ]


def _max_pks() -> dict[str, int]:
    return {
        m._meta.db_table: m._base_manager.aggregate(top=db_models.Max("pk"))["top"] or 0
        for m in _models()
        if isinstance(m._meta.pk, db_models.AutoField | db_models.BigAutoField)
    }


def _state(max_pks: dict[str, int]) -> dict[str, tuple[dict[Any, tuple], list[tuple]]]:
    """Per table: the rows that existed before (by pk) and the new ones (without pk; a reference to a new row
    reads "<new>", since primary keys are not given back when a run is rolled back)."""
    state = {}
    for model in _models():
        table = model._meta.db_table
        fields = _fields(model)
        old: dict[Any, tuple] = {}
        new: list[tuple] = []
        for pk, *values in model._base_manager.order_by("pk").values_list("pk", *[f.attname for f in fields]):
            row = []
            for field, value in zip(fields, values, strict=True):
                target = field.related_model._meta.db_table if field.is_relation and field.related_model else None
                if target in max_pks and isinstance(value, int) and value > max_pks[target]:
                    value = "<new>"
                row.append(value)
            if table in max_pks and isinstance(pk, int) and pk > max_pks[table]:
                new.append(tuple(row))
            else:
                old[pk] = tuple(row)
        state[table] = (old, sorted(new, key=repr))
    return state


def _run(send: Callable[[], Any], max_pks: dict[str, int]) -> tuple[int, dict]:
    result: dict[str, Any] = {}
    with contextlib.suppress(_Rollback), transaction.atomic():
        result["status"] = send().status_code
        result["state"] = _state(max_pks)
        raise _Rollback
    return result["status"], result["state"]


def _unstable(a: dict, b: dict) -> dict[str, set[int]]:
    """Per table, the column positions where two legitimate runs differ (timestamps, tokens, generated names)."""
    unstable: dict[str, set[int]] = {}
    for table, (old_a, new_a) in a.items():
        old_b, new_b = b[table]
        pairs = [(old_a[pk], old_b.get(pk)) for pk in old_a] + list(zip(new_a, new_b, strict=False))
        for row_a, row_b in pairs:
            if row_b is None:
                continue
            unstable.setdefault(table, set()).update(
                i for i, (x, y) in enumerate(zip(row_a, row_b, strict=True)) if x != y
            )
    return unstable


def _masked(state: dict, unstable: dict[str, set[int]]) -> dict:
    def mask(table: str, row: tuple) -> tuple:
        return tuple("~" if i in unstable.get(table, ()) else v for i, v in enumerate(row))

    return {
        table: (
            {pk: mask(table, row) for pk, row in old.items()},
            sorted((mask(table, row) for row in new), key=repr),
        )
        for table, (old, new) in state.items()
    }


def _differences(expected: dict, got: dict) -> dict[str, Any]:
    """Per table, the columns whose values differ: {column: (expected, got)}."""
    names = {m._meta.db_table: [f.column for f in _fields(m)] for m in _models()}
    found: dict[str, Any] = {}
    for table, (old, new) in expected.items():
        got_old, got_new = got[table]
        pairs = [(row, got_old.get(pk)) for pk, row in old.items()] + list(zip(new, got_new, strict=False))
        for row, other in pairs:
            if other is None or row == other:
                continue
            found.setdefault(table, {}).update(
                {names[table][i]: (x, y) for i, (x, y) in enumerate(zip(row, other, strict=True)) if x != y}
            )
        if len(new) != len(got_new):
            found.setdefault(table, {})["new rows"] = (len(new), len(got_new))
    return found


@pytest.mark.django_db
@pytest.mark.parametrize(("case_name", "role"), _post_cases())
def test_extra_post_fields_are_ignored_or_refused(
    matrix_world: World, tmp_path: Path, case_name: str, role: str
) -> None:
    world = matrix_world
    case = CASES[case_name]
    client = _client_for(world, role)
    max_pks = _max_pks()
    with contextlib.ExitStack() as stack:
        if case.urlconf is not None:
            stack.enter_context(override_settings(ROOT_URLCONF=case.urlconf, LOCAL_MAIL_DIR=tmp_path / "mail"))
        # Fields the form itself shows (an unticked box, an optional field left empty) are the user's to set.
        form_page = client.get(case.url(world))
        own_fields = (
            set(re.findall(r'name="([^"]+)"', form_page.content.decode())) if form_page.status_code == 200 else set()
        )
        extra = {key: value for key, value in _tampering(world).items() if key not in own_fields}
        untouched = _state(max_pks)
        legit_status, legit = _run(lambda: _request(client, case, world), max_pks)
        _status, again = _run(lambda: _request(client, case, world), max_pks)
        tampered_case = type(case)(**{**case.__dict__, "data": lambda w: extra | case.data(w)})
        tampered_status, tampered = _run(lambda: _request(client, tampered_case, world), max_pks)
    assert legit_status in (200, 302), f"the legitimate request failed ({legit_status}): the check is vacuous"
    assert len(extra) > 10, "almost every tampering field is on the form: the check is vacuous"
    unstable = _unstable(legit, again)
    same = _masked(tampered, unstable) == _masked(legit, unstable)
    refused = tampered == untouched
    assert same or refused, (
        f"extra fields changed what {case_name} does (status {tampered_status}): "
        f"{_differences(_masked(legit, unstable), _masked(tampered, unstable))}"
    )
