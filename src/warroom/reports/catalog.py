"""The service catalog: which kinds of report residents can file, who handles each, how fast.

The only writer of `report_categories` and `report_routing_rules`. Filing a report reads the
catalog on every post, so the service keeps a snapshot of it in memory (`snapshot()`): rebuilt
at once after a change made through this process, and at most `SNAPSHOT_TTL_S` seconds stale for
changes made by another process (another worker, the CLI).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.auth.audit import AuditLog
from warroom.auth.principal import Principal
from warroom.city.models import Agency
from warroom.city.service import CityService
from warroom.config import ReportSettings
from warroom.db import Database
from warroom.errors import Conflict, InvalidInput, NotFound
from warroom.reports.models import RoutingRule, ServiceCategory
from warroom.reports.schemas import CategoryIn, CategoryOut, CategoryPatch, RuleIn, RuleOut

SNAPSHOT_TTL_S = 5.0


@dataclass(frozen=True)
class CatalogEntry:
    """A category as filing a report needs it: the public form plus its row and agency ids."""

    id: int
    agency_id: int
    out: CategoryOut


@dataclass(frozen=True)
class Rule:
    id: int
    category_id: int | None
    kecamatan_code: str | None
    agency_id: int
    priority: int


@dataclass(frozen=True)
class CatalogSnapshot:
    categories: dict[str, CatalogEntry]
    by_id: dict[int, CatalogEntry]
    rules: tuple[Rule, ...]
    agencies: dict[int, tuple[str, str]]  # id → (code, name)
    taken: float = field(default_factory=time.monotonic)

    def route(self, entry: CatalogEntry, kecamatan_code: str | None) -> int:
        return pick_agency(self.rules, entry.id, entry.agency_id, kecamatan_code)


def pick_agency(rules: Sequence[Rule], category_id: int, default_agency_id: int, kecamatan_code: str | None) -> int:
    """The agency for a report of `category_id` in `kecamatan_code`.

    The most specific matching rule wins: category and kecamatan, then kecamatan only, then
    category only; among equals the highest priority, then the oldest rule. No rule: the
    category's own agency.
    """
    best: tuple[int, int, int] | None = None
    agency = default_agency_id
    for rule in rules:
        if rule.category_id is not None and rule.category_id != category_id:
            continue
        if rule.kecamatan_code is not None and rule.kecamatan_code != kecamatan_code:
            continue
        specificity = 3 if rule.category_id and rule.kecamatan_code else 2 if rule.kecamatan_code else 1
        key = (specificity, rule.priority, -rule.id)
        if best is None or key > best:
            best, agency = key, rule.agency_id
    return agency


class CatalogService:
    def __init__(self, db: Database, audit: AuditLog, city: CityService, settings: ReportSettings) -> None:
        self._db = db
        self._audit = audit
        self._city = city
        self._settings = settings
        self._snapshot: CatalogSnapshot | None = None
        self._lock = threading.Lock()

    # ---- reading ----------------------------------------------------------------------------

    def snapshot(self, *, fresh: bool = False) -> CatalogSnapshot:
        """The whole catalog and the rules, from memory unless older than `SNAPSHOT_TTL_S`."""
        snap = self._snapshot
        if not fresh and snap is not None and time.monotonic() - snap.taken < SNAPSHOT_TTL_S:
            return snap
        # Stale while another thread reloads it: use it rather than wait. Callers often hold a
        # pooled connection (a reader inside its session); queued behind a reload that needs a
        # connection of its own, they exhausted the pool until its 30 s timeout under load
        # (`warroom bench open311`: the reads after 3,000 posts got 500s).
        if not self._lock.acquire(blocking=fresh or snap is None):
            assert snap is not None
            return snap
        try:
            snap = self._snapshot
            if fresh or snap is None or time.monotonic() - snap.taken >= SNAPSHOT_TTL_S:
                with self._db.session() as s:
                    snap = self._load(s)
                self._snapshot = snap
        finally:
            self._lock.release()
        return snap

    def invalidate(self) -> None:
        self._snapshot = None

    def agency(self, agency_id: int) -> tuple[str, str]:
        """(code, name) of an agency; re-reads once for one added since the snapshot was taken."""
        found = self.snapshot().agencies.get(agency_id) or self.snapshot(fresh=True).agencies.get(agency_id)
        return found or ("?", "?")

    def by_id(self, category_id: int) -> CatalogEntry | None:
        """A category by its row id; re-reads once for one added since the snapshot was taken."""
        return self.snapshot().by_id.get(category_id) or self.snapshot(fresh=True).by_id.get(category_id)

    @staticmethod
    def _load(s: Session) -> CatalogSnapshot:
        agencies = {row.id: (row.code, row.name) for row in s.execute(select(Agency.id, Agency.code, Agency.name))}
        entries = [CatalogEntry(id=c.id, agency_id=c.agency_id, out=_out(c, agencies))
                   for c in s.scalars(select(ServiceCategory).order_by(ServiceCategory.group, ServiceCategory.code))]
        rules = tuple(
            Rule(id=r.id, category_id=r.category_id, kecamatan_code=r.kecamatan_code, agency_id=r.agency_id,
                 priority=r.priority)
            for r in s.scalars(select(RoutingRule).order_by(RoutingRule.id))
        )
        return CatalogSnapshot(
            categories={e.out.code: e for e in entries}, by_id={e.id: e for e in entries}, rules=rules,
            agencies=agencies,
        )

    def list(self, active_only: bool = True) -> list[CategoryOut]:
        """Categories in display order (group, then code)."""
        return [e.out for e in self.snapshot().categories.values() if e.out.active or not active_only]

    def get(self, code: str) -> CategoryOut:
        return self.entry(code, active_only=False).out

    def entry(self, code: str, *, active_only: bool = True) -> CatalogEntry:
        """A category by its service code; `NotFound` (saying where to look) when unknown or retired."""
        entry = self.snapshot().categories.get(code)
        if entry is None or (active_only and not entry.out.active):
            raise NotFound(
                f"no {'active ' if active_only else ''}report category {code!r}; "
                "list them with GET /open311/v2/services.json or GET /api/v1/report-categories"
            )
        return entry

    def route(self, s: Session, category: str | CategoryOut, kecamatan_code: str | None) -> int:
        """The agency id a report of `category` filed in `kecamatan_code` goes to, read within `s`."""
        code = category if isinstance(category, str) else category.code
        row = s.scalar(select(ServiceCategory).where(ServiceCategory.code == code))
        if row is None:
            raise NotFound(f"no report category {code!r}")
        rules = [
            Rule(id=r.id, category_id=r.category_id, kecamatan_code=r.kecamatan_code, agency_id=r.agency_id,
                 priority=r.priority)
            for r in s.scalars(select(RoutingRule))
        ]
        return pick_agency(rules, row.id, row.agency_id, kecamatan_code)

    def rules(self) -> list[RuleOut]:
        with self._db.session() as s:
            codes = dict(s.execute(select(ServiceCategory.id, ServiceCategory.code)).all())
            agencies = self._city.agency_codes(s)
            return [
                RuleOut(id=r.id, category_code=codes.get(r.category_id) if r.category_id else None,
                        kecamatan_code=r.kecamatan_code, agency_code=agencies[r.agency_id], priority=r.priority,
                        note=r.note)
                for r in s.scalars(select(RoutingRule).order_by(RoutingRule.id))
            ]

    # ---- writing ----------------------------------------------------------------------------

    def create(self, data: CategoryIn, actor: Principal) -> CategoryOut:
        return self.create_many([data], actor)[0]

    def create_many(self, rows: list[CategoryIn], actor: Principal) -> list[CategoryOut]:
        """Several categories in one transaction: a duplicate code or an unknown agency adds none."""
        codes = [r.code for r in rows]
        if len(set(codes)) != len(codes):
            raise InvalidInput("the same category code is given twice", details=sorted(codes))
        with self._db.session() as s:
            taken = set(s.scalars(select(ServiceCategory.code).where(ServiceCategory.code.in_(codes))))
            if taken:
                raise Conflict(f"report categories already exist: {', '.join(sorted(taken))}; use PATCH to change them")
            made = []
            for data in rows:
                row = ServiceCategory(
                    code=data.code, name=data.name, name_en=data.name_en, description=data.description,
                    description_en=data.description_en, group=data.group, keywords=list(data.keywords),
                    agency_id=self._city.agency_id(s, data.agency_code), emergency=data.emergency,
                    notice=data.notice,
                    coordinate_hours=data.coordinate_hours or self._settings.coordinate_hours,
                    resolve_hours=data.resolve_hours or self._settings.resolve_hours,
                    duplicate_radius_m=(data.duplicate_radius_m if data.duplicate_radius_m is not None
                                        else self._settings.duplicate_radius_m),
                    attributes=[a.model_dump(mode="json") for a in data.attributes], active=data.active,
                )
                _check_deadlines(row.coordinate_hours, row.resolve_hours)
                s.add(row)
                made.append(row)
            s.flush()
            self._audit.record(s, actor, "report_category.create", target=",".join(codes)[:200],
                               details={"categories": len(rows)})
            agencies = {a.id: (a.code, a.name) for a in s.scalars(select(Agency))}
            out = [_out(row, agencies) for row in made]
        self.invalidate()
        return out

    def update(self, code: str, patch: CategoryPatch, actor: Principal) -> CategoryOut:
        changes = patch.model_dump(exclude_unset=True)
        with self._db.session() as s:
            row = s.scalar(select(ServiceCategory).where(ServiceCategory.code == code))
            if row is None:
                raise NotFound(f"no report category {code!r}; list them with GET /api/v1/report-categories")
            for key, value in changes.items():
                if key == "agency_code":
                    if value is None:
                        raise InvalidInput("agency_code cannot be empty: every category belongs to an agency")
                    row.agency_id = self._city.agency_id(s, value)
                elif key == "attributes":
                    row.attributes = [a.model_dump(mode="json") for a in patch.attributes or []]
                elif value is None and key not in ("name_en", "description_en", "notice"):
                    raise InvalidInput(f"{key} cannot be emptied; leave it out to keep it")
                else:
                    setattr(row, key, value)
            _check_deadlines(row.coordinate_hours, row.resolve_hours)
            self._audit.record(s, actor, "report_category.update", target=code, details=sorted(changes))
            s.flush()
            agencies = {a.id: (a.code, a.name) for a in s.scalars(select(Agency))}
            out = _out(row, agencies)
        self.invalidate()
        return out

    def add_rule(self, data: RuleIn, actor: Principal) -> RuleOut:
        if data.kecamatan_code is not None:
            known = self._city.index().area_refs()
            area = known.get(data.kecamatan_code)
            if area is None or area.level != "kecamatan":
                raise InvalidInput(f"no kecamatan with code {data.kecamatan_code!r}; see GET /api/v1/city/areas")
        with self._db.session() as s:
            category_id = None
            if data.category_code is not None:
                category_id = s.scalar(select(ServiceCategory.id).where(ServiceCategory.code == data.category_code))
                if category_id is None:
                    raise NotFound(f"no report category {data.category_code!r}")
            rule = RoutingRule(category_id=category_id, kecamatan_code=data.kecamatan_code,
                               agency_id=self._city.agency_id(s, data.agency_code), priority=data.priority,
                               note=data.note)
            s.add(rule)
            s.flush()
            self._audit.record(s, actor, "report_rule.create", target=str(rule.id), details=data.model_dump())
            out = RuleOut(id=rule.id, category_code=data.category_code, kecamatan_code=data.kecamatan_code,
                          agency_code=data.agency_code.strip().upper(), priority=data.priority, note=data.note)
        self.invalidate()
        return out

    def delete_rule(self, rule_id: int, actor: Principal) -> None:
        with self._db.session() as s:
            rule = s.get(RoutingRule, rule_id)
            if rule is None:
                raise NotFound(f"no routing rule {rule_id}; list them with GET /api/v1/report-rules")
            s.delete(rule)
            self._audit.record(s, actor, "report_rule.delete", target=str(rule_id))
        self.invalidate()


def _check_deadlines(coordinate_hours: float, resolve_hours: float) -> None:
    if coordinate_hours > resolve_hours:
        raise InvalidInput(
            f"coordinate_hours ({coordinate_hours:g}) is after resolve_hours ({resolve_hours:g}); "
            "a report is coordinated before it is resolved"
        )


def _out(row: ServiceCategory, agencies: dict[int, tuple[str, str]]) -> CategoryOut:
    code, name = agencies.get(row.agency_id, ("?", "?"))
    attrs: list[dict[str, Any]] = row.attributes or []
    return CategoryOut(
        code=row.code, name=row.name, name_en=row.name_en, description=row.description,
        description_en=row.description_en, group=row.group, keywords=list(row.keywords or []),
        agency_code=code, agency_name=name, emergency=row.emergency, notice=row.notice,
        coordinate_hours=row.coordinate_hours, resolve_hours=row.resolve_hours,
        duplicate_radius_m=row.duplicate_radius_m, attributes=attrs,  # type: ignore[arg-type]
        active=row.active,
    )
