"""Users, logins, sessions, bearer tokens and API keys: the only writer of users and credentials."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.auth.audit import AuditLog
from warroom.auth.models import Credential, User
from warroom.auth.principal import Principal
from warroom.auth.schemas import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    Me,
    SessionOut,
    TokenOut,
    UserIn,
    UserOut,
    UserPatch,
)
from warroom.city.service import CityService
from warroom.config import AuthSettings
from warroom.db import Database, utcnow
from warroom.errors import Conflict, InvalidInput, NotFound, RateLimited, Unauthorized

LOGIN_FAILED = "auth.login_failed"
# Touching last_used_at on every request would turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# Failures from one address, across user names, before it is refused (password spraying).
PER_ADDRESS_FACTOR = 4


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class AuthService:
    def __init__(self, db: Database, settings: AuthSettings, audit: AuditLog, city: CityService) -> None:
        self._db = db
        self._settings = settings
        self._audit = audit
        self._city = city
        self._hasher = PasswordHasher()
        # Verifying against a real hash for unknown users keeps their timing the same as known
        # ones, so response time does not reveal which user names exist.
        self._dummy_hash = self._hasher.hash(secrets.token_hex(16))

    # ---- users ----------------------------------------------------------------------------

    def create_user(self, data: UserIn, *, actor: Principal) -> UserOut:
        with self._db.session() as s:
            if s.scalar(select(User.id).where(User.username == data.username)) is not None:
                raise Conflict(f"user {data.username!r} already exists")
            user = User(
                username=data.username,
                password_hash=self._hasher.hash(data.password.get_secret_value()),
                role=data.role,
                agency_id=self._agency_for(s, data.role, data.agency_code),
                active=True,
            )
            s.add(user)
            self._audit.record(s, actor, "user.create", target=data.username, details={"role": data.role})
            s.flush()
            return self._user_out(s, user)

    def update_user(self, username: str, patch: UserPatch, *, actor: Principal) -> UserOut:
        with self._db.session() as s:
            user = self._user_row(s, username)
            changes = patch.model_dump(exclude_unset=True)
            if patch.password is not None:
                user.password_hash = self._hasher.hash(patch.password.get_secret_value())
                # A new password ends every session and token issued under the old one.
                self._revoke_user_credentials(s, user.id)
            if "role" in changes or "agency_code" in changes:
                role = patch.role or user.role
                code = changes.get("agency_code", self._agency_code(s, user.agency_id))
                user.role, user.agency_id = role, self._agency_for(s, role, code)
            if patch.active is not None:
                user.active = patch.active
                if not patch.active:
                    self._revoke_user_credentials(s, user.id)
            self._audit.record(s, actor, "user.update", target=username, details=sorted(changes))
            return self._user_out(s, user)

    def users(self) -> list[UserOut]:
        with self._db.session() as s:
            return [self._user_out(s, u) for u in s.scalars(select(User).order_by(User.username))]

    def user_exists(self, username: str) -> bool:
        with self._db.session() as s:
            return s.scalar(select(User.id).where(User.username == username)) is not None

    def _agency_for(self, s: Session, role: str | None, agency_code: str | None) -> int | None:
        if role == "agency_officer":
            if not agency_code:
                raise InvalidInput("an agency_officer needs an agency: give agency_code (e.g. DISKOMINFO)")
            return self._city.agency_id(s, agency_code)
        if agency_code:
            raise InvalidInput(f"only an agency_officer is bound to an agency, not a {role}")
        return None

    def _agency_code(self, s: Session, agency_id: int | None) -> str | None:
        return None if agency_id is None else self._city.agency_code(s, agency_id)

    def _user_out(self, s: Session, user: User) -> UserOut:
        return UserOut(
            username=user.username,
            role=user.role,  # type: ignore[arg-type]
            agency_code=self._agency_code(s, user.agency_id),
            active=user.active,
            created_at=user.created_at,
            last_login_at=user.last_login_at,
        )

    @staticmethod
    def _user_row(s: Session, username: str) -> User:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"no user {username!r}")
        return user

    # ---- logging in -----------------------------------------------------------------------

    def open_session(self, username: str, password: str, ip: str | None) -> tuple[str, SessionOut]:
        """A dashboard login: returns the cookie secret and what the page needs to know."""
        user_id, principal = self._login(username, password, ip)
        secret = "wrs_" + secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        expires = utcnow() + timedelta(minutes=self._settings.session_ttl_minutes)
        with self._db.session() as s:
            s.add(Credential(kind="session", secret_hash=_digest(secret), user_id=user_id, csrf_token=csrf, expires_at=expires, scopes=[]))
            self._audit.record(s, principal, "auth.login", target=username, details={"via": "session"})
        return secret, SessionOut(user=self.me(principal), csrf_token=csrf, expires_at=expires)

    def issue_token(self, username: str, password: str, ip: str | None) -> TokenOut:
        """A bearer token for an API client that signs in with a user's name and password."""
        user_id, principal = self._login(username, password, ip)
        secret = "wrt_" + secrets.token_urlsafe(32)
        expires = utcnow() + timedelta(minutes=self._settings.token_ttl_minutes)
        with self._db.session() as s:
            s.add(Credential(kind="token", secret_hash=_digest(secret), user_id=user_id, expires_at=expires, scopes=[]))
            self._audit.record(s, principal, "auth.login", target=username, details={"via": "token"})
        return TokenOut(access_token=secret, expires_at=expires)

    def _login(self, username: str, password: str, ip: str | None) -> tuple[int, Principal]:
        self._check_rate(username, ip)
        with self._db.session() as s:
            user = s.scalar(select(User).where(User.username == username))
            ok = self._verify(user.password_hash if user else self._dummy_hash, password)
            if user is None or not ok or not user.active:
                ok = False
            else:
                if self._hasher.check_needs_rehash(user.password_hash):
                    user.password_hash = self._hasher.hash(password)
                user.last_login_at = utcnow()
                principal = Principal(
                    name=user.username, role=user.role, kind="user", ip=ip, user_id=user.id,  # type: ignore[arg-type]
                    agency_code=self._agency_code(s, user.agency_id),
                )
                return user.id, principal
        anonymous = Principal(name=username[:100], role=None, kind="anonymous", ip=ip)
        self._audit.record_now(anonymous, LOGIN_FAILED, target=username[:200], outcome="denied")
        raise Unauthorized("wrong user name or password (or the account is disabled)")

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def _check_rate(self, username: str, ip: str | None) -> None:
        window = timedelta(minutes=self._settings.login_window_minutes)
        since = utcnow() - window
        limit = self._settings.login_max_failures
        by_user = self._audit.count_since(LOGIN_FAILED, since, actor=username[:100], ip=ip)
        by_ip = self._audit.count_since(LOGIN_FAILED, since, actor=None, ip=ip) if ip else 0
        if by_user >= limit or by_ip >= limit * PER_ADDRESS_FACTOR:
            refused = Principal(name=username[:100], role=None, kind="anonymous", ip=ip)
            self._audit.record_now(refused, "auth.login_refused", target=username[:200], outcome="rate_limited")
            raise RateLimited(
                f"too many failed logins; try again in {self._settings.login_window_minutes} minutes",
                retry_after_s=int(window.total_seconds()),
            )

    # ---- resolving credentials on each request --------------------------------------------

    def resolve(self, secret: str, ip: str | None) -> Principal | None:
        """The principal a session cookie, bearer token or API key stands for, if still valid."""
        now = utcnow()
        with self._db.session() as s:
            cred = s.scalar(select(Credential).where(Credential.secret_hash == _digest(secret)))
            if cred is None or cred.revoked_at is not None:
                return None
            if cred.expires_at is not None and cred.expires_at <= now:
                return None
            if cred.last_used_at is None or now - cred.last_used_at > LAST_USED_RESOLUTION:
                cred.last_used_at = now
            if cred.kind in ("apikey", "appkey"):
                # An app key (`auth.appkeys`) has no role: only routes accepting its scope admit it.
                return Principal(
                    name=f"{cred.kind}:{cred.name}", role=cred.role, kind="apikey", ip=ip,  # type: ignore[arg-type]
                    credential_id=cred.id, via="apikey", scopes=frozenset(cred.scopes or ()),
                    agency_code=self._agency_code(s, cred.agency_id),
                )
            user = s.get(User, cred.user_id)
            if user is None or not user.active:
                return None
            return Principal(
                name=user.username, role=user.role, kind="user", ip=ip, user_id=user.id,  # type: ignore[arg-type]
                credential_id=cred.id, via="session" if cred.kind == "session" else "token",
                csrf_token=cred.csrf_token, agency_code=self._agency_code(s, user.agency_id),
            )

    def still_valid(self, principal: Principal) -> bool:
        """For long-lived connections: is the credential they opened with still good?"""
        if principal.credential_id is None:
            return principal.kind == "system"
        with self._db.session() as s:
            cred = s.get(Credential, principal.credential_id)
            if cred is None or cred.revoked_at is not None:
                return False
            if cred.expires_at is not None and cred.expires_at <= utcnow():
                return False
            if cred.user_id is not None:
                user = s.get(User, cred.user_id)
                return user is not None and user.active
            return True

    def end_session(self, principal: Principal) -> None:
        """Sign out: ends the session or bearer token in use. API keys are revoked by an admin."""
        if principal.via == "apikey":
            raise InvalidInput(
                "an API key cannot sign out; an admin revokes it with DELETE /api/v1/auth/apikeys/{id}"
            )
        if principal.credential_id is None:
            return
        with self._db.session() as s:
            cred = s.get(Credential, principal.credential_id)
            if cred is not None and cred.revoked_at is None:
                cred.revoked_at = utcnow()
            self._audit.record(s, principal, "auth.logout", target=principal.name)

    @staticmethod
    def me(principal: Principal) -> Me:
        return Me(
            name=principal.name, role=principal.role, kind=principal.kind,
            agency_code=principal.agency_code, scopes=sorted(principal.scopes),
        )

    @staticmethod
    def _revoke_user_credentials(s: Session, user_id: int) -> None:
        now = utcnow()
        for cred in s.scalars(select(Credential).where(Credential.user_id == user_id, Credential.revoked_at.is_(None))):
            cred.revoked_at = now

    # ---- API keys for machines ------------------------------------------------------------

    def create_apikey(self, data: ApiKeyIn, *, actor: Principal) -> ApiKeyCreated:
        secret = "wrk_" + secrets.token_urlsafe(32)
        expires: datetime | None = None
        if data.expires_in_days is not None:
            expires = utcnow() + timedelta(days=data.expires_in_days)
        with self._db.session() as s:
            cred = Credential(
                kind="apikey", secret_hash=_digest(secret), name=data.name, role=data.role,
                agency_id=self._agency_for(s, data.role, data.agency_code), scopes=data.scopes,
                expires_at=expires,
            )
            s.add(cred)
            s.flush()
            self._audit.record(s, actor, "apikey.create", target=data.name, details={"id": cred.id, "role": data.role, "scopes": data.scopes})
            out = self._apikey_out(s, cred)
        return ApiKeyCreated(**out.model_dump(), key=secret)

    def apikeys(self) -> list[ApiKeyOut]:
        with self._db.session() as s:
            rows = s.scalars(select(Credential).where(Credential.kind == "apikey").order_by(Credential.id))
            return [self._apikey_out(s, c) for c in rows]

    def revoke_apikey(self, key_id: int, *, actor: Principal) -> ApiKeyOut:
        with self._db.session() as s:
            cred = s.get(Credential, key_id)
            if cred is None or cred.kind != "apikey":
                raise NotFound(f"no API key with id {key_id}")
            if cred.revoked_at is None:
                cred.revoked_at = utcnow()
            self._audit.record(s, actor, "apikey.revoke", target=cred.name, details={"id": key_id})
            return self._apikey_out(s, cred)

    def _apikey_out(self, s: Session, cred: Credential) -> ApiKeyOut:
        return ApiKeyOut(
            id=cred.id, name=cred.name or "", role=cred.role,  # type: ignore[arg-type]
            agency_code=self._agency_code(s, cred.agency_id), scopes=list(cred.scopes or []),
            created_at=cred.created_at, expires_at=cred.expires_at, revoked_at=cred.revoked_at,
            last_used_at=cred.last_used_at,
        )
