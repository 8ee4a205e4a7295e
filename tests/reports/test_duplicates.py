"""Probable duplicates on arrival, and merging: the merged reporter follows the master."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from reports_support import a_point_in, events_during, new_report, offset, reports_city  # noqa: F401

from conftest import add_user, bearer
from warroom.auth.principal import Principal
from warroom.container import WarRoom
from warroom.errors import Conflict, InvalidInput
from warroom.reports.schemas import CategoryPatch, ReportChange
from warroom.reports.service import distance_m

OPERATOR = Principal(name="op-budi", role="operator", kind="user")
T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def test_offsets_are_metres() -> None:
    lat, lon = offset(-5.2, 118.6, north_m=30, east_m=40)
    assert distance_m(-5.2, 118.6, lat, lon) == pytest.approx(50, abs=0.1)


def test_a_twin_within_the_radius_is_linked(reports_city: WarRoom) -> None:
    wr = reports_city
    here = a_point_in(wr)
    first = new_report(wr, "SAMPAH", at=here)
    near = new_report(wr, "SAMPAH", at=offset(*here, north_m=30, east_m=30))  # 42 m
    far = new_report(wr, "SAMPAH", at=offset(*here, east_m=100))  # 76 m from near too
    other_kind = new_report(wr, "PKL", at=here)
    assert (near.duplicate_of, far.duplicate_of, other_kind.duplicate_of) == (first.ticket, None, None)
    # A third near the second is linked to the first of the cluster, not to another duplicate.
    third = new_report(wr, "SAMPAH", at=offset(*here, north_m=60, east_m=30))  # 67 m from first, 30 m from near
    assert third.duplicate_of == first.ticket
    assert wr.reports.get(first.ticket).duplicates == [near.ticket, third.ticket]
    assert wr.reports.get(near.ticket).duplicate_of == first.ticket


def test_closed_reports_and_the_radius_setting(reports_city: WarRoom) -> None:
    wr = reports_city
    here = a_point_in(wr, 2)
    old = new_report(wr, "PKL", at=here)
    wr.reports.change(old.ticket, ReportChange(status="resolved"), actor=OPERATOR)
    assert new_report(wr, "PKL", at=here).duplicate_of is None  # the old one is closed
    wr.report_catalog.update("JALAN_RUSAK", CategoryPatch(duplicate_radius_m=0), OPERATOR)
    road = {"attributes": {"tingkat": "ringan"}}
    new_report(wr, "JALAN_RUSAK", at=here, **road)
    assert new_report(wr, "JALAN_RUSAK", at=here, **road).duplicate_of is None  # linking turned off
    flood = {"attributes": {"tinggi_air_cm": "30"}}
    first_flood = new_report(wr, "BANJIR", at=here, **flood)
    assert new_report(wr, "BANJIR", at=offset(*here, north_m=150), **flood).duplicate_of == first_flood.ticket  # 200 m


def test_merge_and_the_merged_reporter_follows_the_master(reports_city: WarRoom) -> None:
    wr = reports_city
    here = a_point_in(wr, 5)
    master = new_report(wr, "DRAINASE", at=here, now=T0).ticket
    twin = new_report(wr, "DRAINASE", at=offset(*here, north_m=20), now=T0 + timedelta(minutes=5), description="Got mampet")
    merged, events = events_during(wr, lambda: wr.reports.merge(twin.ticket, master, actor=OPERATOR, now=T0 + timedelta(hours=1)))
    assert (merged.status, merged.reject_reason, merged.merged_into) == ("rejected", "duplicate", master)
    assert [(e.type, e.agency_code, e.payload.duplicate_of) for e in events] == [("report.merged", "DISPU", master)]  # type: ignore[attr-defined]
    wr.reports.change(master, ReportChange(status="dispatched", note="Tim berangkat", public=True), actor=OPERATOR,
                      now=T0 + timedelta(hours=2))
    wr.reports.change(master, ReportChange(note="Rahasia staf"), actor=OPERATOR, now=T0 + timedelta(hours=3))
    seen = wr.reports.get_public(twin.ticket)
    assert (seen.ticket, seen.merged_into, seen.status, seen.open311_status) == (twin.ticket, master, "dispatched", "open")
    assert seen.description == "Got mampet"
    notes = [(n.to_status, n.note) for n in seen.public_notes]
    assert ("dispatched", "Tim berangkat") in notes and ("rejected", f"Laporan ini digabung dengan {master}; "
                                                          "ikuti perkembangannya di sana.") in notes
    assert "Rahasia" not in seen.model_dump_json()
    assert [n.at for n in seen.public_notes] == sorted(n.at for n in seen.public_notes)
    # Open311 lists the merged report with its master's status.
    assert twin.ticket in [r.ticket for r in wr.reports.public_list(open311_status="open", limit=10)]
    wr.reports.change(master, ReportChange(status="resolved", note="Selesai", public=True), actor=OPERATOR)
    assert twin.ticket in [r.ticket for r in wr.reports.public_list(open311_status="closed", limit=10)]
    assert wr.reports.get_public(twin.ticket).public_notes[-1].note == "Selesai"
    # The merged report itself is changed through its master.
    with pytest.raises(Conflict, match=f"merged into {master}"):
        wr.reports.change(twin.ticket, ReportChange(status="verified"), actor=OPERATOR)


def test_merge_refusals_and_no_chains(reports_city: WarRoom) -> None:
    wr = reports_city
    here = a_point_in(wr, 6)
    a = new_report(wr, "SAMPAH", at=here).ticket
    b = new_report(wr, "SAMPAH", at=offset(*here, east_m=500)).ticket
    c = new_report(wr, "SAMPAH", at=offset(*here, east_m=10)).ticket
    other = new_report(wr, "PKL", at=here).ticket
    with pytest.raises(InvalidInput, match="itself"):
        wr.reports.merge(a, a, actor=OPERATOR)
    with pytest.raises(InvalidInput, match="different categories"):
        wr.reports.merge(other, a, actor=OPERATOR)
    wr.reports.merge(c, a, actor=OPERATOR)
    with pytest.raises(Conflict, match="already merged"):
        wr.reports.merge(c, b, actor=OPERATOR)
    with pytest.raises(Conflict, match=f"merge into {a}"):
        wr.reports.merge(b, c, actor=OPERATOR)
    wr.reports.merge(a, b, actor=OPERATOR)  # c followed a; now both follow b
    assert wr.reports.get(c).merged_into == b and wr.reports.get(a).merged_into == b
    assert wr.reports.get_public(c).merged_into == b


def test_merge_over_the_api_is_for_operators(reports_city: WarRoom, client: TestClient) -> None:
    wr = reports_city
    here = a_point_in(wr, 7)
    master = new_report(wr, "PKL", at=here).ticket
    twin = new_report(wr, "PKL", at=here).ticket
    add_user(wr, "pol", "agency_officer", "SATPOLPP")
    add_user(wr, "op", "operator")
    body = {"into": master}
    assert client.post(f"/api/v1/reports/{twin}/merge", json=body, headers=bearer(client, "pol")).status_code == 403
    done = client.post(f"/api/v1/reports/{twin}/merge", json=body, headers=bearer(client, "op"))
    assert done.status_code == 200, done.text
    assert (done.json()["merged_into"], done.json()["status"]) == (master, "rejected")
    assert client.post(f"/api/v1/reports/{twin}/merge", json={"into": "LAP-999999"}, headers=bearer(client, "op")).status_code == 404
    assert [e.target for e in wr.audit.entries(action="report.merge")] == [twin]
