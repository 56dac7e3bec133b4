"""Sign-in, failed sign-in and sign-out as audit rows (Django's signals; allauth signs in through them too)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from consultations.models import User
from consultations.models.audit import SIGNIN, SIGNIN_FAILED, SIGNOUT
from consultations.services.audit import audit_record


@receiver(user_logged_in, dispatch_uid="audit_signin")
def audit_signin(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    audit_record(actor=user, action=SIGNIN, target=user)


@receiver(user_logged_out, dispatch_uid="audit_signout")
def audit_signout(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit_record(actor=user, action=SIGNOUT, target=user)


@receiver(user_login_failed, dispatch_uid="audit_signin_failed")
def audit_signin_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    """No one is signed in: the row names the e-mail address tried (never the password, which Django has already
    masked) and, when it is a user's, that user as the target, so that it shows in their sign-in history."""
    email = str(credentials.get("email") or credentials.get("username") or "")[:254]
    user = User.objects.filter(email__iexact=email).first() if email else None
    audit_record(actor=None, action=SIGNIN_FAILED, target=user, data={"email": email})
