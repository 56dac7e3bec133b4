from __future__ import annotations

import os

from celery import Celery
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "usmca.settings")

app = Celery("usmca")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@beat_init.connect
def start_outbox_relay(sender: object = None, **kwargs: object) -> None:
    """The beat process also runs the outbox relay: it publishes what services wrote to the outbox."""
    from consultations.services.outbox import outbox_relay_start

    outbox_relay_start()
