"""The wall's figures for citizen reports (`reports.summary`): a hand-counted case, deadlines that
pass, the SLA job's marks, and agency officers seeing their agency only (service and API)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from reports_support import a_point_in, new_report, reports_city  # noqa: F401 (fixture)

from conftest import add_user, bearer
from warroom.auth.principal import cli_principal
from warroom.container import WarRoom
from warroom.db import utcnow
from warroom.reports.schemas import ReportChange, ReportCreated, ReportIn
from warroom.reports.summary import ReportSummaries

ME = cli_principal()
T0 = utcnow().replace(microsecond=0)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def file(wr: WarRoom, code: str, kecamatan_index: int, hours: float) -> ReportCreated:
    """File through the service as the web form would, with the service's clock at T0 + `hours`."""
    lat, lon = a_point_in(wr, kecamatan_index)
    return wr.reports.create(ReportIn(service_code=code, lat=lat, lon=lon), source="web", actor=ME, now=at(hours))


def change(wr: WarRoom, ticket: str, status: str, hours: float, **extra: object) -> None:
    wr.reports.change(ticket, ReportChange.model_validate({"status": status, **extra}), actor=ME, now=at(hours))


@pytest.fixture
def city_with_reports(reports_city: WarRoom) -> tuple[WarRoom, dict[str, str]]:
    """Seven reports whose figures at T0 are counted by hand in the test below.

    DRAINASE is DISPU's (coordinate 6 h, resolve 7 d), PKL SATPOLPP's (6 h, 7 d), SAMPAH DLH's
    (6 h, 72 h). Points are in different kecamatan so no report is another's duplicate.
    """
    wr = reports_city
    t: dict[str, str] = {}
    t["A"] = file(wr, "DRAINASE", 0, -240).ticket  # closed on time
    change(wr, t["A"], "dispatched", -239)
    change(wr, t["A"], "resolved", -96)
    t["B"] = file(wr, "DRAINASE", 1, -240).ticket  # resolved a day late
    change(wr, t["B"], "dispatched", -239)
    change(wr, t["B"], "resolved", -48)
    t["C"] = file(wr, "PKL", 2, -960).ticket  # closed before the window
    change(wr, t["C"], "resolved", -840)
    t["D"] = file(wr, "PKL", 3, -2).ticket  # open, coordinate due in 4 h
    t["E"] = file(wr, "DRAINASE", 4, -8).ticket  # open, coordinate 2 h late
    t["F"] = file(wr, "DRAINASE", 5, -1).ticket  # spam: not counted
    change(wr, t["F"], "rejected", -0.5, reject_reason="spam")
    t["G"] = file(wr, "SAMPAH", 6, -24).ticket  # dispatched on time, resolve in 48 h
    change(wr, t["G"], "dispatched", -20)
    return wr, t


def test_the_figures_match_a_hand_count(city_with_reports: tuple[WarRoom, dict[str, str]]) -> None:
    wr, t = city_with_reports
    s = ReportSummaries(wr.db).summary(now=T0)
    assert s.total == 7
    assert s.open == 3
    assert s.by_status == {"received": 2, "verified": 0, "dispatched": 1, "in_progress": 0}
    agencies = {a.agency_code: (a.open, a.late, a.by_status["received"]) for a in s.by_agency}
    assert agencies == {"DISPU": (1, 1, 1), "SATPOLPP": (1, 0, 1), "DLH": (1, 0, 0)}
    assert s.by_agency[0].agency_code == "DISPU"  # the agency with late reports first
    assert s.breaches == {"coordinate": 1, "resolve": 0, "any": 1}
    # Counted: A and B (closed in the last 30 days) and E (open, late); C is older, F rejected,
    # D and G not due yet. Missed a deadline: B (resolved late) and E.
    assert (s.within_sla.counted, s.within_sla.breached) == (3, 2)
    assert s.within_sla.share == pytest.approx(1 / 3)
    assert [(r.ticket, r.deadline, r.due, r.breached) for r in s.breached] == [(t["E"], "coordinate", at(-2), True)]
    assert [(r.ticket, r.deadline, r.due) for r in s.next_deadlines] == [
        (t["D"], "coordinate", at(4)),
        (t["G"], "resolve", at(48)),
    ]
    e = s.breached[0]
    assert (e.service_code, e.service_name, e.agency_code, e.kecamatan_code) == ("DRAINASE", "Drainase tersumbat", "DISPU", "99.01.05")
    assert e.kecamatan_name and e.kecamatan_name != e.kecamatan_code

    # The map: the three open reports, E late, each with its pending deadline.
    features = {f["properties"]["ticket"]: f for f in ReportSummaries(wr.db).open_geojson(now=T0)["features"]}
    assert set(features) == {t["D"], t["E"], t["G"]}
    assert [features[k]["properties"]["late"] for k in (t["D"], t["E"], t["G"])] == [False, True, False]
    assert features[t["G"]]["properties"]["deadline"] == "resolve"
    assert "email" not in features[t["D"]]["properties"] and "description" not in features[t["D"]]["properties"]


def test_deadlines_that_pass_and_the_sla_jobs_marks(city_with_reports: tuple[WarRoom, dict[str, str]]) -> None:
    wr, t = city_with_reports
    summaries = ReportSummaries(wr.db)
    # Five hours on, D's coordinate deadline has passed too: late before the SLA job runs.
    later = summaries.summary(now=at(5))
    assert later.breaches["coordinate"] == 2
    assert [r.ticket for r in later.breached] == [t["E"], t["D"]]
    assert [r.ticket for r in later.next_deadlines] == [t["G"]]
    assert later.within_sla.counted == 4 and later.within_sla.breached == 3

    # The job marks G late with a clock past its resolve deadline; read at T0, G is late already
    # (the wall shows what the job decided) and its deadline no longer counts down.
    assert wr.reports.check_sla(now=at(49)) >= 1
    s = summaries.summary(now=T0)
    assert s.breaches == {"coordinate": 2, "resolve": 1, "any": 3}  # D and E for coordination, G to resolve
    assert {r.ticket: r.deadline for r in s.breached} == {t["E"]: "coordinate", t["D"]: "coordinate", t["G"]: "resolve"}
    assert s.next_deadlines == []

    # A late report that gets coordinated still counts as late for coordination, and resolved on
    # time afterwards it stays a breach in the 30-day figure.
    change(wr, t["E"], "resolved", 1)
    s = summaries.summary(now=at(2))
    assert s.open == 2 and t["E"] not in [r.ticket for r in s.breached]
    assert (s.within_sla.counted, s.within_sla.breached) == (5, 4)  # A, B, E closed; D, G open late


def test_merged_reports_are_neither_open_nor_counted(reports_city: WarRoom) -> None:
    wr = reports_city
    first = file(wr, "DRAINASE", 0, -1).ticket
    twin = file(wr, "DRAINASE", 0, -1)
    assert twin.duplicate_of == first
    wr.reports.merge(twin.ticket, first, actor=ME, now=at(-0.5))
    s = ReportSummaries(wr.db).summary(now=T0)
    assert (s.total, s.open, s.within_sla.counted) == (2, 1, 0)
    assert s.within_sla.share is None
    assert [f["properties"]["ticket"] for f in ReportSummaries(wr.db).open_geojson(now=T0)["features"]] == [first]


def test_an_empty_city_has_nothing_to_show(reports_city: WarRoom) -> None:
    s = ReportSummaries(reports_city.db).summary()
    assert (s.total, s.open, s.by_agency, s.breached, s.next_deadlines) == (0, 0, [], [], [])
    assert s.within_sla.share is None and s.breaches == {"coordinate": 0, "resolve": 0, "any": 0}


def test_agency_officers_see_their_agency_only(
    city_with_reports: tuple[WarRoom, dict[str, str]], client: TestClient
) -> None:
    wr, t = city_with_reports
    add_user(wr, "pu", "agency_officer", agency="DISPU")
    add_user(wr, "satpol", "agency_officer", agency="SATPOLPP")
    add_user(wr, "viewer", "viewer")

    assert client.get("/api/v1/reports/summary").status_code == 401
    assert client.get("/api/v1/reports/map").status_code == 401

    everyone = client.get("/api/v1/reports/summary", headers=bearer(client, "viewer")).json()
    assert (everyone["agency_code"], everyone["total"], everyone["open"]) == (None, 7, 3)
    assert len(client.get("/api/v1/reports/map", headers=bearer(client, "viewer")).json()["features"]) == 3

    pu = client.get("/api/v1/reports/summary", headers=bearer(client, "pu")).json()
    assert (pu["agency_code"], pu["total"], pu["open"]) == ("DISPU", 4, 1)  # A, B, E, F
    assert [a["agency_code"] for a in pu["by_agency"]] == ["DISPU"]
    assert [r["ticket"] for r in pu["breached"] + pu["next_deadlines"]] == [t["E"]]
    pu_map = client.get("/api/v1/reports/map", headers=bearer(client, "pu")).json()
    assert [f["properties"]["ticket"] for f in pu_map["features"]] == [t["E"]]

    satpol = client.get("/api/v1/reports/summary", headers=bearer(client, "satpol")).json()
    assert (satpol["total"], satpol["open"], satpol["breaches"]["any"]) == (2, 1, 0)  # C, D
    assert [r["ticket"] for r in satpol["next_deadlines"]] == [t["D"]]


def test_an_officer_without_an_agency_sees_nothing(reports_city: WarRoom) -> None:
    new_report(reports_city, "DRAINASE")
    s = ReportSummaries(reports_city.db).summary(agency_code="NO_SUCH_AGENCY")
    assert (s.total, s.open) == (0, 0)
