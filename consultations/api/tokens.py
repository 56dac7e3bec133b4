"""Who the token belongs to, and the user's tokens (created and revoked on the Preferences page; a token can
also revoke itself or another of the user's tokens here)."""

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Query, Router, Schema

from consultations.api.pagination import PageParams, paginate
from consultations.api.writes import WRITE_HEADERS, json_response, write
from consultations.selectors.accounts import user_roles
from consultations.selectors.api_tokens import api_token_get_for, api_token_list_for
from consultations.selectors.roles import user_organisation_ids
from consultations.services.api_tokens import api_token_revoke

router = Router(tags=["tokens"])


class MeOut(Schema):
    id: int
    email: str
    name: str
    language: str
    time_zone: str
    organisation_ids: list[int]
    roles: dict[str, bool]
    token_scope: str
    token_expires_at: dt.datetime


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scope: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class TokenPage(Schema):
    items: list[TokenOut]
    next_cursor: str | None


@router.get("/me", response=MeOut, summary="The user this token acts for")
def me(request: HttpRequest) -> dict:
    user = request.auth.user
    return {
        "id": user.pk,
        "email": user.email,
        "name": str(user),
        "language": user.language,
        "time_zone": user.time_zone,
        "organisation_ids": sorted(user_organisation_ids(user)),
        "roles": user_roles(user=user),
        "token_scope": request.auth.scope,
        "token_expires_at": request.auth.expires_at,
    }


@router.get("/tokens", response=TokenPage, summary="The user's API tokens (never their secrets)")
def token_list(request: HttpRequest, page: Query[PageParams]) -> dict:
    return paginate(api_token_list_for(user=request.auth.user), page, time_field="created_at")


@router.post(
    "/tokens/{token_id}/revoke",
    response=TokenOut,
    summary="Revoke one of the user's tokens",
    openapi_extra=WRITE_HEADERS,
)
@write
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    if token_id > 2**31 - 1:
        raise Http404
    token = api_token_get_for(user=request.auth.user, token_id=token_id)
    return json_response(200, TokenOut, api_token_revoke(by=request.auth.user, token=token))
