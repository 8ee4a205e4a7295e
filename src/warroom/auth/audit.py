"""The audit log: who saw and changed what, when, and from where.

Entries are written in the same unit of work as the change they describe, so a change without its
audit entry cannot be committed. The table refuses UPDATE and DELETE (database triggers).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.auth.models import AuditEntry
from warroom.auth.principal import Principal
from warroom.auth.schemas import AuditEntryOut
from warroom.db import Database, utcnow


class AuditLog:
    def __init__(self, db: Database) -> None:
        self._db = db

    def record(
        self,
        s: Session,
        actor: Principal,
        action: str,
        *,
        target: str | None = None,
        outcome: str = "ok",
        details: Any = None,
        actor_name: str | None = None,
    ) -> None:
        s.add(
            AuditEntry(
                actor=actor_name or actor.name,
                role=actor.role,
                action=action,
                target=target,
                ip=actor.ip,
                outcome=outcome,
                details=details,
            )
        )

    def record_now(self, actor: Principal, action: str, **kwargs: Any) -> None:
        """Record outside any other unit of work (e.g. a sensitive read, a refused login)."""
        with self._db.session() as s:
            self.record(s, actor, action, **kwargs)

    def record_view(self, actor: Principal, action: str, target: str, *, within: timedelta) -> bool:
        """Record a repeated read (a wall refreshing a snapshot) once per actor, target and window.

        Who viewed which camera stays answerable without a row for every refresh of every screen.
        """
        since = utcnow() - within
        with self._db.session() as s:
            seen = s.scalar(
                select(AuditEntry.id).where(
                    AuditEntry.actor == actor.name, AuditEntry.action == action,
                    AuditEntry.target == target, AuditEntry.at >= since,
                ).limit(1)
            )
            if seen is not None:
                return False
            self.record(s, actor, action, target=target)
            return True

    def count_since(self, action: str, since: datetime, *, actor: str | None, ip: str | None) -> int:
        """Entries of `action` since `since`, by `actor` and/or from `ip` (both must match when given)."""
        query = select(func.count()).where(AuditEntry.action == action, AuditEntry.at >= since)
        if actor is not None:
            query = query.where(AuditEntry.actor == actor)
        if ip is not None:
            query = query.where(AuditEntry.ip == ip)
        with self._db.session() as s:
            return s.scalar(query) or 0

    def entries(
        self, *, limit: int = 100, before_id: int | None = None, actor: str | None = None, action: str | None = None
    ) -> list[AuditEntryOut]:
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if before_id is not None:
            query = query.where(AuditEntry.id < before_id)
        if actor is not None:
            query = query.where(AuditEntry.actor == actor)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        with self._db.session() as s:
            return [AuditEntryOut.model_validate(e) for e in s.scalars(query)]
