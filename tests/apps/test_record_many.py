"""Batched recording: `record_many` decides and stores exactly what `record` one by one would, and
the sweep's group commit writes many checks in one transaction without mixing up their answers."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from apps_support import FakeApp, agencies, fake_app  # noqa: F401 - fixtures
from sqlalchemy import event, select

from warroom.apps.models import AppStatus, AppStatusChange, ProbeSample
from warroom.apps.probes import ProbeResult
from warroom.apps.schemas import AppIn
from warroom.apps.sweep import GroupCommit
from warroom.auth.principal import cli_principal
from warroom.container import WarRoom
from warroom.db import utcnow
from warroom.errors import NotFound

ME = cli_principal()
UP = ProbeResult(ok=True, latency_ms=12.0, status=200)
SLOW = ProbeResult(ok=True, degraded=True, latency_ms=900.0, status=200)
DOWN = ProbeResult(ok=False, error="connection refused")
# Per app: its settings and the results of its successive checks.
SCRIPTS: list[tuple[dict[str, Any], list[list[ProbeResult]]]] = [
    ({"retries": 2}, [[UP], [DOWN], [UP], [DOWN], [DOWN], [DOWN], [SLOW], [UP]]),
    ({"retries": 1}, [[DOWN], [UP, SLOW], [UP, DOWN], [UP, UP]]),
    ({"retries": 3, "maintenance": "now"}, [[DOWN], [DOWN], [UP]]),
    ({"retries": 2, "agency_code": "BAPENDA"}, [[SLOW], [SLOW], [DOWN], [DOWN]]),
]


def make_apps(wr: WarRoom, tag: str) -> list[int]:
    now = utcnow()
    ids = []
    for n, (extra, _) in enumerate(SCRIPTS):
        body: dict[str, Any] = {"name": f"{tag} app {n}", "agency_code": "DISKOMINFO",
                                "probes": [{"type": "http", "url": "http://127.0.0.1:9/x"}], **extra}
        if body.get("maintenance") == "now":
            body["maintenance"] = [{"start": (now - timedelta(hours=1)).isoformat(),
                                    "end": (now + timedelta(hours=1)).isoformat()}]
        ids.append(wr.apps.create(AppIn.model_validate(body), actor=ME).id)
    return ids


def stored(wr: WarRoom, app_id: int) -> tuple[Any, ...]:
    with wr.db.session() as s:
        status = s.get(AppStatus, app_id)
        assert status is not None
        history = s.execute(select(AppStatusChange.from_state, AppStatusChange.to_state, AppStatusChange.error)
                            .where(AppStatusChange.app_id == app_id).order_by(AppStatusChange.id)).all()
        samples = s.execute(select(ProbeSample.ok, ProbeSample.degraded, ProbeSample.latency_ms)
                            .where(ProbeSample.app_id == app_id).order_by(ProbeSample.id)).all()
        return (status.state, status.observed, status.streak, status.latency_ms, status.results,
                [tuple(h) for h in history], [tuple(x) for x in samples])


def test_record_many_matches_record_one_by_one(agencies: WarRoom) -> None:
    alone, batched = make_apps(agencies, "alone"), make_apps(agencies, "batched")
    alone_out: list[Any] = []
    batched_out: list[Any] = []
    rounds = max(len(script) for _, script in SCRIPTS)
    for step in range(rounds):
        checks = [(app_id, [("http", r) for r in script[step]])
                  for app_id, (_, script) in zip(alone, SCRIPTS) if step < len(script)]
        alone_out += [agencies.apps.record(app_id, pairs) for app_id, pairs in checks]
        twins = dict(zip(alone, batched))
        batched_out += agencies.apps.record_many([(twins[app_id], pairs) for app_id, pairs in checks])
    assert [d for d, _ in alone_out] == [o[0] for o in batched_out if o is not None]
    events = [(e.agency_code, e.payload.from_state, e.payload.to_state, e.payload.error) if e else None
              for _, e in alone_out]
    assert events == [(e.agency_code, e.payload.from_state, e.payload.to_state, e.payload.error) if e else None
                      for _, e in (o for o in batched_out if o is not None)]
    assert ("BAPENDA", "unknown", "degraded", None) in events
    for one, many in zip(alone, batched):
        assert stored(agencies, one) == stored(agencies, many)
    # The rules themselves, on the first app: retries=2, so single failures between successes are no alarm.
    assert [h[:2] for h in stored(agencies, alone[0])[5]] == [("unknown", "up"), ("up", "down"), ("down", "degraded"),
                                                             ("degraded", "up")]
    assert stored(agencies, alone[2])[0] == "maintenance" and stored(agencies, alone[2])[6] == []


def test_a_batch_sees_its_own_earlier_checks_and_skips_a_deleted_app(agencies: WarRoom) -> None:
    first, gone, last = make_apps(agencies, "batch")[:3]
    agencies.apps.delete(gone, actor=ME)
    outcomes = agencies.apps.record_many([(first, [("http", DOWN)]), (gone, [("http", UP)]),
                                          (first, [("http", DOWN)]), (last, [("http", UP)])])
    assert outcomes[1] is None
    assert [(o[0].state, o[0].streak) for o in (outcomes[0], outcomes[2]) if o] == [("unknown", 1), ("down", 2)]
    assert stored(agencies, first)[:3] == ("down", "down", 2) and len(stored(agencies, first)[6]) == 2
    assert stored(agencies, last)[0] == "maintenance"  # the third script has a window open now
    with pytest.raises(NotFound):
        agencies.apps.record(gone, [("http", UP)])


def test_group_commit_writes_checks_that_arrive_together_in_one_transaction(agencies: WarRoom) -> None:
    ids = make_apps(agencies, "group")
    agencies.apps.delete(ids[1], actor=ME)
    commits: list[int] = []
    event.listen(agencies.db.engine, "commit", lambda conn: commits.append(1))

    async def go() -> list[Any]:
        writer = GroupCommit(agencies.apps)
        try:
            return await asyncio.gather(*(writer.record(app_id, [("http", DOWN if n % 2 else UP)])
                                          for n, app_id in enumerate(ids * 3)), return_exceptions=True)
        finally:
            writer.close()

    outcomes = asyncio.run(go())
    assert len(commits) == 1
    assert [isinstance(o, NotFound) for o in outcomes] == [app_id == ids[1] for app_id in ids * 3]
    # ids[3] (retries 2) failed three times in a row within the one batch: down at the second.
    assert [o[0].state for o, app_id in zip(outcomes, ids * 3) if app_id == ids[3]] == ["unknown", "down", "down"]
    assert stored(agencies, ids[0])[0] == "up" and len(stored(agencies, ids[0])[6]) == 3


def test_check_all_probes_every_app_once_and_records_them(agencies: WarRoom, fake_app: FakeApp) -> None:
    paths = ["/ok", "/fail", "/slow", "/ok"] * 5
    ids = [agencies.apps.create(AppIn.model_validate({
        "name": f"app {n}", "agency_code": "DISKOMINFO", "retries": 1,
        "probes": [fake_app.probe(path, max_latency_ms=200)]}), actor=ME).id for n, path in enumerate(paths)]
    outcomes = asyncio.run(agencies.app_sweeper.check_all())
    assert [o.state if o else None for o in outcomes] == [
        {"/ok": "up", "/fail": "down", "/slow": "degraded"}[path] for path in paths]
    assert [agencies.apps.get(app_id).status.state for app_id in ids] == [o.state for o in outcomes if o]
    assert all(agencies.apps.uptime(app_id).h24.samples == 1 for app_id in ids)
