from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from consultations.models import ApiToken

if TYPE_CHECKING:
    from consultations.models import User


def api_token_list_for(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def api_token_get_for(*, user: User, token_id: int) -> ApiToken:
    try:
        return api_token_list_for(user=user).get(pk=token_id)
    except ApiToken.DoesNotExist:
        raise Http404 from None


def api_token_by_hash(*, key_hash: str) -> ApiToken | None:
    """The token with this hash and its user, whatever its state: the caller decides what expired or revoked
    means."""
    return ApiToken.objects.select_related("user").filter(key_hash=key_hash).first()
