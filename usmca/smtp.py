"""An SMTP e-mail backend that says whether a failed send may still have been delivered.

Once the whole message has been handed to the server, only the server's reply tells whether it took it. When the
connection drops (or times out) while waiting for that reply, the message may well be in the recipient's inbox:
``OutcomeUnknown`` is raised so the caller does not send it again automatically. Any failure before that point
(connection refused, a refusal of MAIL, RCPT or DATA) means the message was not delivered.
"""

from __future__ import annotations

import smtplib

from django.core.mail.backends.smtp import EmailBackend as DjangoEmailBackend


class OutcomeUnknown(smtplib.SMTPException):
    """The message was sent in full but the server's answer never came: it may or may not have been delivered."""


class _PhaseRecordingMixin:
    """Records whether ``data()`` handed over the whole message before the connection failed."""

    handed_over = False

    def data(self, msg):  # noqa: ANN001, ANN201 - smtplib's signature
        # smtplib.SMTP.data, with a mark once the message and its final "." are sent (RFC 5321, 4.1.1.4).
        self.putcmd("data")
        code, repl = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, repl)
        q = smtplib._quote_periods(msg)  # noqa: SLF001 - the exact bytes smtplib would send
        if q[-2:] != smtplib.bCRLF:
            q = q + smtplib.bCRLF
        q = q + b"." + smtplib.bCRLF
        self.send(q)
        self.handed_over = True
        code, msg = self.getreply()
        return code, msg


class _SMTP(_PhaseRecordingMixin, smtplib.SMTP):
    pass


class _SMTP_SSL(_PhaseRecordingMixin, smtplib.SMTP_SSL):  # noqa: N801
    pass


class EmailBackend(DjangoEmailBackend):
    @property
    def connection_class(self):  # noqa: ANN201
        return _SMTP_SSL if self.use_ssl else _SMTP

    def _send(self, email_message):  # noqa: ANN001, ANN202
        if self.connection is not None:
            self.connection.handed_over = False
        try:
            return super()._send(email_message)
        except smtplib.SMTPResponseException:
            raise  # an answer, even a refusal: the server did not take the message
        except OSError as error:  # SMTPServerDisconnected, a timeout, a reset connection
            if getattr(self.connection, "handed_over", False):
                # The connection is unusable; forget it rather than QUIT on it.
                self.connection.close()
                self.connection = None
                raise OutcomeUnknown(f"No answer after the message was sent: {error}") from error
            raise
