"""Push keys for the city's apps: credentials that may do one thing, for one app.

An app key is a `credentials` row of kind `appkey` with no role and one scope, `app:<id>`: it
resolves to a principal that every staff route refuses (no role) and that only the ingest routes
of that app accept (see `auth.deps.Access(scope_prefix=...)`). Like every credential, only a
SHA-256 of the secret is stored. This module is part of the auth domain, the owner of the
credentials table; whether the app exists is the caller's question (`apps.ingest`).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.auth.audit import AuditLog
from warroom.auth.models import Credential
from warroom.auth.principal import Principal
from warroom.auth.schemas import AppKeyCreated, AppKeyOut
from warroom.auth.service import _digest  # the one way credentials are hashed (same domain)
from warroom.db import Database, utcnow
from warroom.errors import NotFound

KIND = "appkey"
PREFIX = "wra_"
SCOPE_PREFIX = "app:"


def app_scope(app_id: int) -> str:
    return f"{SCOPE_PREFIX}{app_id}"


def scoped_apps(scopes: frozenset[str] | list[str]) -> list[int]:
    """The app ids named by `app:<id>` scopes (an app key has exactly one)."""
    ids = (s.removeprefix(SCOPE_PREFIX) for s in scopes if s.startswith(SCOPE_PREFIX))
    return sorted(int(i) for i in ids if i.isdigit())


class AppKeys:
    def __init__(self, db: Database, audit: AuditLog) -> None:
        self._db = db
        self._audit = audit

    def create(self, app_id: int, name: str, expires_in_days: int | None, *, actor: Principal) -> AppKeyCreated:
        secret = PREFIX + secrets.token_urlsafe(32)
        expires = utcnow() + timedelta(days=expires_in_days) if expires_in_days is not None else None
        with self._db.session() as s:
            cred = Credential(
                kind=KIND, secret_hash=_digest(secret), name=name[:100], role=None,
                scopes=[app_scope(app_id)], expires_at=expires,
            )
            s.add(cred)
            s.flush()
            details = {"id": cred.id, "name": cred.name}
            self._audit.record(s, actor, "appkey.create", target=str(app_id), details=details)
            out = _out(cred, app_id)
        return AppKeyCreated(**out.model_dump(), key=secret)

    def list(self, app_id: int) -> list[AppKeyOut]:
        # Scopes are JSON: filtered here, portable across SQLite and PostgreSQL (a city has a few
        # hundred app keys at most).
        scope = app_scope(app_id)
        with self._db.session() as s:
            rows = s.scalars(select(Credential).where(Credential.kind == KIND).order_by(Credential.id))
            return [_out(c, app_id) for c in rows if scope in (c.scopes or [])]

    def revoke(self, key_id: int, *, actor: Principal, app_id: int | None = None) -> AppKeyOut:
        """Revoke at once; with `app_id`, only a key of that app (another app's key is not found)."""
        with self._db.session() as s:
            cred = self._row(s, key_id, app_id)
            owner = scoped_apps(cred.scopes or [])
            if cred.revoked_at is None:
                cred.revoked_at = utcnow()
            self._audit.record(s, actor, "appkey.revoke", target=str(owner[0] if owner else ""), details={"id": key_id})
            return _out(cred, owner[0] if owner else 0)

    @staticmethod
    def _row(s: Session, key_id: int, app_id: int | None) -> Credential:
        cred = s.get(Credential, key_id)
        if cred is None or cred.kind != KIND or (app_id is not None and app_scope(app_id) not in (cred.scopes or [])):
            where = "" if app_id is None else f" for app {app_id}"
            raise NotFound(f"no app key with id {key_id}{where}; list them with GET /api/v1/apps/{{id}}/keys")
        return cred


def _out(cred: Credential, app_id: int) -> AppKeyOut:
    return AppKeyOut(
        id=cred.id, app_id=app_id, name=cred.name or "", created_at=cred.created_at,
        expires_at=cred.expires_at, revoked_at=cred.revoked_at, last_used_at=cred.last_used_at,
    )
