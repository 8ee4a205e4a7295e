"""SLA deadlines with a controllable clock: each missed deadline is marked and announced once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from reports_support import events_during, new_report, reports_city  # noqa: F401

from warroom.auth.principal import Principal
from warroom.container import WarRoom
from warroom.reports.reading import ReportFilter
from warroom.reports.schemas import ReportChange

OPERATOR = Principal(name="op-citra", role="operator", kind="user")
T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)


def test_coordinate_and_resolve_breaches_are_marked_once(reports_city: WarRoom) -> None:
    wr = reports_city
    idle = new_report(wr, "PKL", now=T0).ticket  # coordinate 6 h, resolve 7 d
    verified = new_report(wr, "PKL", now=T0, kecamatan_index=1).ticket
    handled = new_report(wr, "PKL", now=T0, kecamatan_index=2).ticket
    finished = new_report(wr, "PKL", now=T0, kecamatan_index=3).ticket
    wr.reports.change(verified, ReportChange(status="verified"), actor=OPERATOR, now=T0 + H)
    wr.reports.change(handled, ReportChange(status="dispatched"), actor=OPERATOR, now=T0 + H)
    wr.reports.change(finished, ReportChange(status="resolved"), actor=OPERATOR, now=T0 + 2 * H)
    assert wr.reports.check_sla(now=T0 + 5 * H) == 0
    marked, events = events_during(wr, lambda: [wr.reports.check_sla(now=T0 + 7 * H), wr.reports.check_sla(now=T0 + 8 * H)])
    assert marked == [2, 0]
    assert sorted((e.payload.ticket, e.payload.deadline, e.agency_code) for e in events) == [  # type: ignore[attr-defined]
        (idle, "coordinate", "SATPOLPP"), (verified, "coordinate", "SATPOLPP")]
    assert all(e.type == "report.sla_breached" for e in events)
    assert wr.reports.get(idle).coordinate_breached_at == T0 + 7 * H
    assert wr.reports.get(handled).coordinate_breached_at is None
    # Dispatching late does not undo the breach; a week later both open ones miss the resolve deadline.
    wr.reports.change(idle, ReportChange(status="dispatched"), actor=OPERATOR, now=T0 + 9 * H)
    marked, events = events_during(wr, lambda: wr.reports.check_sla(now=T0 + timedelta(days=8)))
    assert marked == 3  # idle, verified and handled; finished was resolved in time
    assert {(e.payload.ticket, e.payload.deadline) for e in events} == {  # type: ignore[attr-defined]
        (idle, "resolve"), (verified, "resolve"), (handled, "resolve")}
    assert wr.reports.check_sla(now=T0 + timedelta(days=9)) == 0
    report = wr.reports.get(idle)
    assert report.coordinated_at == T0 + 9 * H and report.resolve_breached_at == T0 + timedelta(days=8)
    breached = wr.reports.list(ReportFilter(breached=True), principal=OPERATOR)
    assert {r.ticket for r in breached.items} == {idle, verified, handled} and breached.total == 3
    assert [r.ticket for r in wr.reports.list(ReportFilter(breached=False), principal=OPERATOR).items] == [finished]


def test_category_deadlines_are_used(reports_city: WarRoom) -> None:
    wr = reports_city
    fire = new_report(wr, "KEBAKARAN", now=T0).ticket  # coordinate within 15 minutes
    new_report(wr, "PKL", now=T0, kecamatan_index=4)
    assert wr.reports.check_sla(now=T0 + timedelta(minutes=14)) == 0
    assert wr.reports.check_sla(now=T0 + timedelta(minutes=16)) == 1
    assert wr.reports.get(fire).coordinate_breached_at is not None


def test_the_sweep_job_checks_on_its_own(reports_city: WarRoom) -> None:
    wr = reports_city
    late = new_report(wr, "PKL", now=T0).ticket  # long overdue by the real clock

    async def one_round() -> None:
        task = asyncio.create_task(wr.reports.run_forever())
        for _ in range(200):
            await asyncio.sleep(0.02)
            if wr.reports.get(late).resolve_breached_at is not None:
                break
        task.cancel()

    asyncio.run(one_round())
    report = wr.reports.get(late)
    assert report.coordinate_breached_at is not None and report.resolve_breached_at is not None
