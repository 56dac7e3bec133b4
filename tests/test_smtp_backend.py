"""usmca.smtp.EmailBackend against a real SMTP server (aiosmtpd on loopback): a refusal or an unreachable server
is "not sent"; a connection dropped after the whole message was handed over is OutcomeUnknown."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.mail import EmailMessage

from consultations.services.deliveries import _outcome
from tests.e2e.delivery_stack import SmtpSink
from usmca.smtp import OutcomeUnknown


@pytest.fixture
def sink(settings: Any) -> Iterator[SmtpSink]:
    server = SmtpSink().start()
    options = {"host": "127.0.0.1", "port": server.port, "username": "", "password": "", "use_tls": False, "timeout": 5}
    settings.MAILERS = {"default": {"BACKEND": "usmca.smtp.EmailBackend", "OPTIONS": options}}
    try:
        yield server
    finally:
        server.stop()


def _send(port: int) -> int:
    return EmailMessage(subject="Prueba", body="Hola", from_email="a@example.mx", to=["b@example.mx"]).send()


def test_an_accepted_message_is_sent(sink: SmtpSink) -> None:
    assert _send(sink.port) == 1
    assert sink.per_recipient() == {"b@example.mx": 1}


def test_a_server_that_is_down_is_not_sent_and_transient(sink: SmtpSink) -> None:
    sink.stop()
    with pytest.raises(OSError) as error:
        _send(sink.port)
    assert not isinstance(error.value, OutcomeUnknown)
    assert _outcome(error.value) == "transient"


def test_a_connection_dropped_after_the_data_is_outcome_unknown(sink: SmtpSink) -> None:
    sink.mode = "drop"
    with pytest.raises(OutcomeUnknown):
        _send(sink.port)
    assert sink.per_recipient() == {"b@example.mx": 1}  # the server had it all
    assert _outcome(OutcomeUnknown("x")) == "unknown"


def test_answers_are_classified_by_their_code() -> None:
    assert _outcome(smtplib.SMTPDataError(451, b"try later")) == "transient"
    assert _outcome(smtplib.SMTPDataError(554, b"rejected")) == "permanent"
    assert _outcome(smtplib.SMTPServerDisconnected("before data")) == "transient"
    assert _outcome(ValueError("header with a line break")) == "permanent"
