"""The app service and sweep against a real local server: retries before down, flapping that never
alarms, maintenance that silences, history and events, uptime and p95 on hand-computed samples,
imports that name every bad line."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from apps_support import FakeApp, agencies, fake_app, flapper  # noqa: F401 - fixtures

from warroom.apps import sweep as sweep_module
from warroom.apps.probes import ProbeResult
from warroom.apps.schemas import AppIn, AppPatch, CheckOut
from warroom.apps.service import AppFilter
from warroom.apps.state import decide, percentile
from warroom.auth.principal import cli_principal
from warroom.bus import Event
from warroom.container import WarRoom
from warroom.db import utcnow
from warroom.errors import InvalidInput

ME = cli_principal()


def new_app(wr: WarRoom, probes: list[dict[str, Any]], **extra: Any) -> int:
    body = {"name": "e-Perizinan DPMPTSP", "agency_code": "DISKOMINFO", "probes": probes, **extra}
    return wr.apps.create(AppIn.model_validate(body), actor=ME).id


def run_checks(wr: WarRoom, steps: list[tuple[int, FakeApp | None, bool]]) -> tuple[list[CheckOut], list[Event]]:
    """Check apps in order on a running bus (setting the flapper's mode first); the outcomes and events."""

    async def go() -> tuple[list[CheckOut], list[Event]]:
        events: list[Event] = []

        async def collect(event: Event) -> None:
            events.append(event)

        await wr.bus.start()
        sub = wr.bus.subscribe(collect, ["app.status_changed"], name="test")
        try:
            outs = []
            for app_id, server, up in steps:
                if server is not None:
                    server.mode["flap"] = up
                outs.append(await wr.app_sweeper.check_now(app_id))
            await asyncio.sleep(0.1)
            return outs, events
        finally:
            sub.close()
            await wr.bus.stop()

    return asyncio.run(go())


def test_retries_hold_off_down_and_flapping_never_alarms(
    agencies: WarRoom, flapper: FakeApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="warroom.apps.service")
    app_id = new_app(agencies, [flapper.probe("/flap")], retries=2)
    pattern = [True, False, True, False, True, False, False, False, True, True]
    outs, events = run_checks(agencies, [(app_id, flapper, up) for up in pattern])
    assert [o.observed for o in outs] == ["up" if up else "down" for up in pattern]
    # Single failures between successes keep it up; the second failure in a row brings it down.
    assert [o.state for o in outs] == ["up", "up", "up", "up", "up", "up", "down", "down", "up", "up"]
    assert outs[1].results[0].status == 503 and outs[1].results[0].ok is False
    changes = [(e.payload.from_state, e.payload.to_state) for e in events]  # type: ignore[attr-defined]
    assert changes == [("unknown", "up"), ("up", "down"), ("down", "up")]
    assert all(e.agency_code == "DISKOMINFO" and e.payload.agency_code == "DISKOMINFO" for e in events)  # type: ignore[attr-defined]
    assert "503" in (events[1].payload.error or "")  # type: ignore[attr-defined]
    history = agencies.apps.history(app_id)
    assert [(h.from_state, h.to_state) for h in history] == [("down", "up"), ("up", "down"), ("unknown", "up")]
    assert caplog.text.count("is down") == 1 and caplog.text.count("recovered") == 1
    status = agencies.apps.get(app_id).status
    assert status.state == "up" and status.last_checked is not None and status.since == history[0].at


def test_slow_is_degraded_and_any_failing_probe_is_down(agencies: WarRoom, fake_app: FakeApp) -> None:
    slow = new_app(agencies, [fake_app.probe("/ok"), fake_app.probe("/slow", max_latency_ms=100)])
    broken = new_app(agencies, [fake_app.probe("/ok"), fake_app.probe("/fail"), fake_app.probe("/slow")], retries=1)
    outs, events = run_checks(agencies, [(slow, None, True), (broken, None, True)])
    assert (outs[0].observed, outs[0].state) == ("degraded", "degraded")
    assert [r.degraded for r in outs[0].results] == [False, True]
    assert (outs[1].observed, outs[1].state) == ("down", "down")
    assert [r.ok for r in outs[1].results] == [True, False, True]
    assert [e.payload.to_state for e in events] == ["degraded", "down"]  # type: ignore[attr-defined]


def test_a_maintenance_window_silences_alarms(agencies: WarRoom, fake_app: FakeApp) -> None:
    now = utcnow()
    window = {"start": (now - timedelta(minutes=5)).isoformat(), "end": (now + timedelta(hours=1)).isoformat()}
    app_id = new_app(agencies, [fake_app.probe("/fail")], retries=1, maintenance=[window])
    outs, events = run_checks(agencies, [(app_id, None, True)] * 3)
    assert {(o.observed, o.state) for o in outs} == {("maintenance", "maintenance")}
    assert [e.payload.to_state for e in events] == ["maintenance"]  # type: ignore[attr-defined]
    assert agencies.apps.uptime(app_id).h24.samples == 0  # planned outages do not count
    # The window ends: the next failure is an alarm at once (retries=1).
    agencies.apps.update(app_id, AppPatch(maintenance=[]), actor=ME)
    outs, events = run_checks(agencies, [(app_id, None, True)])
    assert outs[0].state == "down" and [e.payload.to_state for e in events] == ["down"]  # type: ignore[attr-defined]


def test_decide_rules() -> None:
    assert decide("unknown", 0, "down", 3, in_maintenance=False).state == "unknown"
    assert decide("up", 2, "down", 3, in_maintenance=False).state == "down"
    assert decide("maintenance", 0, "down", 2, in_maintenance=False).state == "unknown"
    assert decide("down", 5, "degraded", 2, in_maintenance=False).streak == 0
    assert decide("down", 5, "down", 2, in_maintenance=True).state == "maintenance"
    assert percentile([], 95) is None and percentile([5.0], 50) == 5.0


def test_uptime_and_percentiles_on_hand_computed_samples(agencies: WarRoom, fake_app: FakeApp) -> None:
    app_id = new_app(agencies, [fake_app.probe("/ok")])
    now = utcnow()

    def sample(ago: timedelta, ok: bool, latency: float | None) -> None:
        agencies.apps.record(app_id, [("http", ProbeResult(ok=ok, latency_ms=latency))], now=now - ago)

    for i in range(20):  # last 24 h: 20 good checks at 10..200 ms, 5 failed
        sample(timedelta(hours=1, minutes=i), True, 10.0 * (i + 1))
    for i in range(5):
        sample(timedelta(hours=2, minutes=i), False, None)
    for i in range(5):  # 3 days ago: 5 good but slow checks
        sample(timedelta(days=3, minutes=i), True, 1000.0)
    sample(timedelta(days=10), False, None)
    sample(timedelta(days=40), True, 5.0)  # outside every window
    up = agencies.apps.uptime(app_id, now=now)
    assert (up.h24.samples, up.h24.uptime, up.h24.p50_ms, up.h24.p95_ms) == (25, 0.8, 100.0, 190.0)
    assert (up.d7.samples, up.d7.uptime, up.d7.p50_ms, up.d7.p95_ms) == (30, round(25 / 30, 6), 130.0, 1000.0)
    assert (up.d30.samples, up.d30.uptime) == (31, round(25 / 31, 6))


def test_the_sweep_checks_every_app_and_survives_one_that_breaks(
    agencies: WarRoom, fake_app: FakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = new_app(agencies, [fake_app.probe("/ok")], interval_s=5)
    bad = new_app(agencies, [fake_app.probe("/ok")], interval_s=5)
    new_app(agencies, [fake_app.probe("/ok")], interval_s=5, enabled=False)
    monkeypatch.setattr(sweep_module, "TICK_S", 0.05)
    monkeypatch.setattr(sweep_module.random, "uniform", lambda a, b: 0.0)  # due at once, then every tick
    sweeper = agencies.app_sweeper
    real_check = sweeper.check

    async def check(job: Any, session: Any, *rest: Any) -> CheckOut:
        if job.app_id == bad:
            raise RuntimeError("boom")
        return await real_check(job, session, *rest)

    monkeypatch.setattr(sweeper, "check", check)

    async def go() -> None:
        task = asyncio.create_task(sweeper.run_forever())
        await asyncio.sleep(0.6)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(go())
    assert agencies.apps.get(good).status.state == "up"
    assert agencies.apps.uptime(good).h24.samples >= 2
    assert agencies.apps.get(bad).status.state == "unknown"


CSV_OK = (
    "name,agency_code,category,criticality,probes,interval_s,retries,enabled\n"
    'SIMPEG,DISKOMINFO,internal,high,"[{""type"": ""http"", ""url"": ""http://127.0.0.1:1/ok""}]",30,3,true\n'
    'e-PBB,BAPENDA,layanan publik,critical,"[{""type"": ""tcp"", ""host"": ""127.0.0.1"", ""port"": 443}]",,,\n'
)


def test_import_csv_and_json(agencies: WarRoom, tmp_path: Path) -> None:
    path = tmp_path / "apps.csv"
    path.write_text(CSV_OK, encoding="utf-8")
    assert agencies.apps.import_file(path, actor=ME).imported == 2
    listed = {a.name: a for a in agencies.apps.list(AppFilter()).items}
    assert listed["SIMPEG"].retries == 3 and listed["e-PBB"].interval_s == 20 and listed["e-PBB"].agency_code == "BAPENDA"
    json_path = tmp_path / "apps.json"
    json_path.write_text('{"apps": [{"name": "Lontara+", "agency_code": "DISKOMINFO", '
                         '"probes": [{"type": "dns", "name": "localhost"}]}]}', encoding="utf-8")
    assert agencies.apps.import_file(json_path, actor=ME).imported == 1
    assert agencies.apps.count() == 3


def test_import_names_every_bad_line_and_imports_nothing(agencies: WarRoom, tmp_path: Path) -> None:
    path = tmp_path / "apps.csv"
    path.write_text(
        CSV_OK
        + 'Bad probe,DISKOMINFO,internal,high,"[{""type"": ""ftp""}]",,,\n'
        + 'Bad agency,DINAS_X,internal,high,"[{""type"": ""dns"", ""name"": ""localhost""}]",,,\n'
        + "Bad json,DISKOMINFO,internal,high,[not json,,,\n"
        + 'Bad condition,DISKOMINFO,internal,urgent,"[{""type"": ""dns"", ""name"": ""x"", ""conditions"": [""body ~ 1""]}]",,,\n',
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as err:
        agencies.apps.import_file(path, actor=ME)
    wheres = [(p["where"], p["reason"]) for p in err.value.details]
    assert [w for w, _ in wheres] == ["line 4", "line 5", "line 6", "line 7"]
    assert "ftp" in wheres[0][1] and "unknown agency 'DINAS_X'" in wheres[1][1]
    assert "probes must be JSON" in wheres[2][1] and "criticality" in wheres[3][1]
    assert "nothing was imported" in err.value.message and agencies.apps.count() == 0
