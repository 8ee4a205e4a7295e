"""HTTP routes of the auth domain: sign-in, tokens, users, API keys and the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response, status

from warroom.auth.deps import SESSION_COOKIE, Admin, Caller, Staff, client_ip
from warroom.auth.schemas import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    AuditEntryOut,
    LoginIn,
    Me,
    SessionOut,
    TokenOut,
    UserIn,
    UserOut,
    UserPatch,
)
from warroom.web.deps import Services

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=TokenOut)
def issue_token(
    request: Request,
    wr: Services,
    _caller: Caller,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
) -> TokenOut:
    """OAuth2 password flow: a bearer token for API clients (form-encoded username/password)."""
    return wr.auth.issue_token(username, password, client_ip(request))


@router.post("/auth/session", response_model=SessionOut)
def login(body: LoginIn, request: Request, response: Response, wr: Services, _caller: Caller) -> SessionOut:
    """Dashboard sign-in: sets an HttpOnly session cookie and returns the CSRF token for writes."""
    secret, out = wr.auth.open_session(body.username, body.password.get_secret_value(), client_ip(request))
    response.set_cookie(
        SESSION_COOKIE, secret, httponly=True, samesite="lax", path="/",
        secure=wr.settings.server.cookie_secure,
        max_age=wr.settings.auth.session_ttl_minutes * 60,
    )
    return out


@router.delete("/auth/session", status_code=status.HTTP_204_NO_CONTENT)
def logout(response: Response, wr: Services, me: Staff) -> Response:
    wr.auth.end_session(me)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.status_code = status.HTTP_204_NO_CONTENT
    return response


@router.get("/auth/me", response_model=Me)
def whoami(wr: Services, me: Staff) -> Me:
    return wr.auth.me(me)


@router.get("/users", response_model=list[UserOut])
def list_users(wr: Services, me: Admin) -> list[UserOut]:
    wr.audit.record_now(me, "user.list")
    return wr.auth.users()


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def create_user(body: UserIn, wr: Services, me: Admin) -> UserOut:
    return wr.auth.create_user(body, actor=me)


@router.patch("/users/{username}", response_model=UserOut)
def update_user(username: str, body: UserPatch, wr: Services, me: Admin) -> UserOut:
    return wr.auth.update_user(username, body, actor=me)


@router.get("/auth/apikeys", response_model=list[ApiKeyOut])
def list_apikeys(wr: Services, me: Admin) -> list[ApiKeyOut]:
    wr.audit.record_now(me, "apikey.list")
    return wr.auth.apikeys()


@router.post("/auth/apikeys", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED)
def create_apikey(body: ApiKeyIn, wr: Services, me: Admin) -> ApiKeyCreated:
    """A revocable key for a machine client; the key is in this response only."""
    return wr.auth.create_apikey(body, actor=me)


@router.delete("/auth/apikeys/{key_id}", response_model=ApiKeyOut)
def revoke_apikey(key_id: int, wr: Services, me: Admin) -> ApiKeyOut:
    return wr.auth.revoke_apikey(key_id, actor=me)


@router.get("/audit", response_model=list[AuditEntryOut])
def audit_log(
    wr: Services,
    me: Admin,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before_id: Annotated[int | None, Query(ge=1)] = None,
    actor: str | None = None,
    action: str | None = None,
) -> list[AuditEntryOut]:
    """Newest first; page with `before_id`. Reading the audit log is itself audited."""
    wr.audit.record_now(me, "audit.read", details={"actor": actor, "action": action})
    return wr.audit.entries(limit=limit, before_id=before_id, actor=actor, action=action)
