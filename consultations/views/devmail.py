"""The local inbox of `make run`: the e-mails the file-based backend wrote, shown as a mail client shows them."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

# Django's file-based backend writes each message followed by a line of 79 dashes.
SEPARATOR = b"\n" + b"-" * 79 + b"\n"
SHOWN = 50


@dataclass
class Mail:
    file: str
    index: int
    subject: str
    sender: str
    to: str
    date: str
    text: str
    has_html: bool


def _messages(path: Path) -> list[email.message.EmailMessage]:
    chunks = [chunk.strip() for chunk in path.read_bytes().split(SEPARATOR)]
    return [email.message_from_bytes(chunk, policy=email.policy.default) for chunk in chunks if chunk]


def _part(message: email.message.EmailMessage, kind: str) -> str:
    body = message.get_body(preferencelist=(kind,))
    return body.get_content() if body is not None else ""


def _require_staff(request: HttpRequest) -> Path:
    if not request.user.is_staff or not settings.LOCAL_MAIL_DIR:
        raise Http404
    return settings.LOCAL_MAIL_DIR


@require_GET
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    folder = _require_staff(request)
    mails: list[Mail] = []
    if folder.exists():
        for path in sorted(folder.glob("*.log"), key=lambda f: f.stat().st_mtime, reverse=True):
            for index, message in enumerate(_messages(path)):
                mails.append(
                    Mail(
                        file=path.name,
                        index=index,
                        subject=str(message["subject"] or ""),
                        sender=str(message["from"] or ""),
                        to=str(message["to"] or ""),
                        date=str(message["date"] or ""),
                        text=_part(message, "plain"),
                        has_html=bool(_part(message, "html")),
                    )
                )
            if len(mails) >= SHOWN:
                break
    return render(request, "dev/mail.html", {"mails": mails[:SHOWN]})


@require_GET
@login_required
def message_html(request: HttpRequest, name: str, index: int) -> HttpResponse:
    """The HTML part of one e-mail, as its recipient's mail client would render it: sandboxed, no scripts, and
    only the e-mail's own inline styles."""
    folder = _require_staff(request)
    path = folder / name
    if path.parent != folder or path.suffix != ".log" or not path.exists():
        raise Http404
    messages = _messages(path)
    if index >= len(messages):
        raise Http404
    html = _part(messages[index], "html")
    if not html:
        raise Http404
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    return response
