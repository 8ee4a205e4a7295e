"""Route access: every `/api/v1` route declares who may call it with one `Access` dependency.

`Access(None)` is public; `Access(roles)` needs a signed-in caller with one of `roles`. The route
tests walk the app's routes, read these declarations, and prove each route refuses an anonymous or
wrong-role caller, so a new route without a declaration fails the suite.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer

from warroom.auth.principal import ANONYMOUS, STAFF, Principal
from warroom.errors import Forbidden, Unauthorized

SESSION_COOKIE = "warroom_session"
CSRF_HEADER = "X-CSRF-Token"
API_KEY_HEADER = "X-API-Key"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# Declared for the OpenAPI document only (the "Authorize" button of /api/v1/docs); `authenticate`
# reads the same headers itself, and the session cookie, which OpenAPI clients do not use.
_TOKEN_SCHEME = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
_API_KEY_SCHEME = APIKeyHeader(name=API_KEY_HEADER, auto_error=False, description="A machine's API key.")


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def authenticate(request: Request) -> Principal:
    """Who is calling, from a bearer token, an API key header or the session cookie."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    auth = request.app.state.warroom.auth
    ip = client_ip(request)
    principal = ANONYMOUS.at(ip)
    header = request.headers.get("authorization", "")
    explicit = request.headers.get(API_KEY_HEADER)
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized("Authorization header must be 'Bearer <token>'")
        explicit = secret.strip()
    if explicit:
        found = auth.resolve(explicit, ip)
        if found is None:
            raise Unauthorized("the token or API key is invalid, expired or revoked; get a new one")
        principal = found
    elif cookie := request.cookies.get(SESSION_COOKIE):
        # A stale cookie is not an error: the caller is simply signed out.
        principal = auth.resolve(cookie, ip) or principal
    request.state.principal = principal
    return principal


class Access:
    """Who may call a route: `roles`, or also (with `scope_prefix`) an API key carrying such a scope.

    A scoped route (an app pushing its own metrics) must still check that the scope names the
    resource in its path; this only says the caller is the right kind.
    """

    def __init__(self, roles: Iterable[str] | None, *, scope_prefix: str | None = None) -> None:
        self.roles: frozenset[str] | None = None if roles is None else frozenset(roles)
        self.scope_prefix = scope_prefix

    @property
    def public(self) -> bool:
        return self.roles is None

    def admits_scope(self, principal: Principal) -> bool:
        prefix = self.scope_prefix
        return prefix is not None and principal.via == "apikey" and any(s.startswith(prefix) for s in principal.scopes)

    def __call__(
        self,
        request: Request,
        _token: Annotated[str | None, Depends(_TOKEN_SCHEME)] = None,
        _api_key: Annotated[str | None, Depends(_API_KEY_SCHEME)] = None,
    ) -> Principal:
        principal = authenticate(request)
        if self.roles is None:
            return principal
        if not principal.authenticated:
            raise Unauthorized("sign in first: use the dashboard login, a bearer token or an API key")
        if principal.role not in self.roles and not self.admits_scope(principal):
            if principal.role is None:
                if any(scope.startswith("app:") for scope in principal.scopes):
                    raise Forbidden("an app key may only push its own app's metrics and events, nothing else")
                raise Forbidden(
                    "this API key has no staff role; it works only where its scopes "
                    f"({', '.join(sorted(principal.scopes)) or 'none'}) are accepted"
                )
            raise Forbidden(
                f"your role ({principal.role}) may not do this; it needs one of: {', '.join(sorted(self.roles))}"
            )
        if principal.via == "session" and request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            if not principal.csrf_token or not hmac.compare_digest(sent, principal.csrf_token):
                raise Forbidden(f"missing or wrong {CSRF_HEADER} header for a write with a session cookie", code="csrf")
        return principal

    def __repr__(self) -> str:
        if self.roles is None:
            return "Access(public)"
        scoped = f", scope_prefix={self.scope_prefix!r}" if self.scope_prefix else ""
        return f"Access({sorted(self.roles)}{scoped})"


PUBLIC = Access(None)
STAFF_ONLY = Access(STAFF)
OPERATORS = Access({"admin", "operator"})
ADMIN = Access({"admin"})
# Admins, or an app's own key (`auth.appkeys`); the route checks the key is for the app in its path.
APP_PUSH = Access({"admin"}, scope_prefix="app:")

Caller = Annotated[Principal, Depends(PUBLIC)]
Staff = Annotated[Principal, Depends(STAFF_ONLY)]
Operator = Annotated[Principal, Depends(OPERATORS)]
Admin = Annotated[Principal, Depends(ADMIN)]
AppPush = Annotated[Principal, Depends(APP_PUSH)]
