"""The stored answers of idempotent writes are kept for their retention, then purged by beat: within it the same
key replays, past it the key is forgotten (and the row is gone)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from consultations import models, tasks
from tests.consultations.api.conftest import ApiWorld
from tests.consultations.permission_cases import NEW_TITLE


def _create(aw: ApiWorld, key: str, title: str):  # noqa: ANN202 - the response
    body = {"chapter": aw.world.chapter.pk, "round": aw.world.round.pk, "title": title, "summary": "s"}
    return aw.client("delegate_a").post("/positions", body | {"stance": "defensive"}, headers={"Idempotency-Key": key})


def test_beat_purges_idempotency_rows_past_their_retention_and_keeps_newer_ones(api_world: ApiWorld) -> None:
    assert settings.CELERY_BEAT_SCHEDULE["api-idempotency-purge"]["task"] == "consultations.tasks.api_idempotency_purge"
    old = _create(api_world, "clave-vieja", NEW_TITLE)
    new = _create(api_world, "clave-nueva", NEW_TITLE + " 2")
    assert old.status_code == new.status_code == 201
    retention = dt.timedelta(hours=settings.API_IDEMPOTENCY_RETENTION_HOURS)
    models.ApiIdempotentRequest.objects.filter(key="clave-vieja").update(
        created_at=timezone.now() - retention - dt.timedelta(minutes=1)
    )
    models.ApiIdempotentRequest.objects.filter(key="clave-nueva").update(
        created_at=timezone.now() - retention + dt.timedelta(minutes=5)
    )

    assert tasks.api_idempotency_purge.apply().get() == 1
    assert tasks.api_idempotency_purge.apply().get() == 0  # idempotent: nothing left to purge

    assert list(models.ApiIdempotentRequest.objects.values_list("key", flat=True)) == ["clave-nueva"]
    replay = _create(api_world, "clave-nueva", NEW_TITLE + " 2")
    assert replay["Idempotent-Replayed"] == "true" and replay.json()["id"] == new.json()["id"]
    # Past the retention the key is forgotten: the same request writes again.
    again = _create(api_world, "clave-vieja", NEW_TITLE)
    assert again.status_code == 201 and again.json()["id"] != old.json()["id"]
    assert not again.has_header("Idempotent-Replayed")
