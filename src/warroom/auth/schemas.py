"""Boundary types of the auth domain."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from warroom.auth.principal import Role

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
SCOPE = re.compile(r"^[a-z0-9][a-z0-9:._-]{0,63}$")
MIN_PASSWORD = 10


def _password(value: SecretStr) -> SecretStr:
    if len(value.get_secret_value()) < MIN_PASSWORD:
        raise ValueError(f"password must be at least {MIN_PASSWORD} characters")
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class UserIn(Strict):
    username: str = Field(description="Lower-case letters, digits, '.', '_' or '-'.")
    password: SecretStr
    role: Role
    agency_code: str | None = Field(None, description="Required for (and only for) agency_officer.")

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        if not USERNAME.match(value):
            raise ValueError("use 2-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
        return value

    _check_password = field_validator("password")(_password)


class UserPatch(Strict):
    password: SecretStr | None = None
    role: Role | None = None
    agency_code: str | None = None
    active: bool | None = None

    @field_validator("password")
    @classmethod
    def _pw(cls, value: SecretStr | None) -> SecretStr | None:
        return None if value is None else _password(value)


class UserOut(BaseModel):
    username: str
    role: Role
    agency_code: str | None
    active: bool
    created_at: datetime
    last_login_at: datetime | None


class LoginIn(Strict):
    username: str = Field(max_length=64)
    password: SecretStr = Field(max_length=1024)


class Me(BaseModel):
    name: str
    role: Role | None
    kind: str
    agency_code: str | None
    scopes: list[str] = []


class SessionOut(BaseModel):
    user: Me
    csrf_token: str = Field(description="Send back as the X-CSRF-Token header on every write.")
    expires_at: datetime


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


class ApiKeyIn(Strict):
    name: str = Field(min_length=2, max_length=100, description="The machine or app using the key.")
    role: Role | None = Field(
        None,
        description="The staff role the key acts with. Empty: `viewer` for a key without scopes; no role "
        "for a scoped key, which then works only where its scopes are accepted (an Open311 client must "
        "not read reporters' contact details through the staff API).",
    )
    agency_code: str | None = None
    scopes: list[str] = Field(default_factory=list, description="e.g. open311, metrics.")
    expires_in_days: int | None = Field(None, ge=1, le=3650)

    @model_validator(mode="after")
    def _default_role(self) -> ApiKeyIn:
        if self.role is None and not self.scopes:
            self.role = "viewer"
        return self

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, value: list[str]) -> list[str]:
        for scope in value:
            if not SCOPE.match(scope):
                raise ValueError(f"bad scope {scope!r}: lower-case letters, digits, ':', '.', '_', '-'")
        return sorted(set(value))


class ApiKeyOut(BaseModel):
    id: int
    name: str
    role: Role | None
    agency_code: str | None
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="Shown once; only its hash is stored.")


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    role: str | None
    action: str
    target: str | None
    ip: str | None
    outcome: str
    details: Any = None


class AppKeyIn(Strict):
    name: str | None = Field(
        None, min_length=1, max_length=100,
        description="A label (which deployment uses the key); default: the app's name.",
    )
    expires_in_days: int | None = Field(None, ge=1, le=3650, description="Default: never.")


class AppKeyOut(BaseModel):
    """An app's push key, as listed: never the key itself."""

    id: int
    app_id: int
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class AppKeyCreated(AppKeyOut):
    key: str = Field(description="Shown once; only its hash is stored.")
