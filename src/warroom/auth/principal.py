"""Who is acting: a signed-in user, a machine with an API key, the CLI, or an anonymous caller."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field, replace
from typing import Literal

Role = Literal["admin", "operator", "agency_officer", "viewer"]
ROLES: tuple[Role, ...] = ("admin", "operator", "agency_officer", "viewer")
STAFF: frozenset[str] = frozenset(ROLES)


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role | None
    kind: Literal["user", "apikey", "system", "anonymous"]
    ip: str | None = None
    agency_code: str | None = None
    user_id: int | None = None
    credential_id: int | None = None
    via: Literal["session", "token", "apikey", "cli", "none"] = "none"
    csrf_token: str | None = field(default=None, repr=False)
    scopes: frozenset[str] = frozenset()

    @property
    def authenticated(self) -> bool:
        return self.kind != "anonymous"

    def at(self, ip: str | None) -> Principal:
        return replace(self, ip=ip)


ANONYMOUS = Principal(name="anonymous", role=None, kind="anonymous")


def cli_principal() -> Principal:
    """The operator at the server's console: the audit log names their OS account."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Principal(name=f"cli:{user}", role="admin", kind="system", via="cli", ip="local")
