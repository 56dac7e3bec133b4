from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The local inbox of `make run`: the newest e-mails written by the file-based e-mail backend."""
    if not request.user.is_staff:
        raise Http404
    folder = settings.LOCAL_MAIL_DIR
    messages = []
    if folder and folder.exists():
        files = sorted(folder.glob("*.log"), key=lambda f: f.stat().st_mtime, reverse=True)[:50]
        messages = [{"name": f.name, "text": f.read_text(errors="replace")} for f in files]
    return render(request, "dev/mail.html", {"messages": messages})
