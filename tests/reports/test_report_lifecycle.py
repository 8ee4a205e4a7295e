"""Filing a report (checks, place, deadlines, nothing half stored) and its lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from reports_support import a_point_in, events_during, kecamatan_code, new_report, reports_city  # noqa: F401
from sqlalchemy import func, select

from warroom.auth.models import AuditEntry
from warroom.auth.principal import Principal, cli_principal
from warroom.container import WarRoom
from warroom.errors import Conflict, InvalidInput, NotFound, OutsideCity
from warroom.reports.models import Report, ReportUpdate
from warroom.reports.schemas import ReportChange, ReportIn

ME = cli_principal()
OPERATOR = Principal(name="op-ani", role="operator", kind="user")
T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def stored(wr: WarRoom) -> tuple[int, int, int]:
    with wr.db.session() as s:
        return (
            s.scalar(select(func.count()).select_from(Report)) or 0,
            s.scalar(select(func.count()).select_from(ReportUpdate)) or 0,
            s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "report.create")) or 0,
        )


def test_a_new_report_is_placed_routed_and_timed(reports_city: WarRoom) -> None:
    wr = reports_city
    lat, lon = a_point_in(wr, 4)
    made, events = events_during(wr, lambda: new_report(
        wr, "BANJIR", at=(lat, lon), now=None, description="Air setinggi lutut", address_string="Jl. Contoh 1",
        attributes={"tinggi_air_cm": "45", "kondisi": "Ada lansia"}, reporter={"phone": "+62 811 000"},
    ))
    assert made.ticket == "LAP-000001" and len(made.token) >= 20 and made.status == "received"
    assert (made.agency_code, made.kecamatan.code) == ("BPBD", kecamatan_code(4))  # type: ignore[union-attr]
    assert made.kelurahan is not None and made.kelurahan.code.startswith(kecamatan_code(4) + ".")
    assert made.resolve_due - made.coordinate_due == timedelta(hours=46) and made.duplicate_of is None
    staff = wr.reports.get(made.ticket)
    assert staff.attributes == {"tinggi_air_cm": 45, "kondisi": "Ada lansia"}
    assert (staff.reporter.phone, staff.source, staff.lat, staff.lon) == ("+62 811 000", "web", lat, lon)
    assert [(u.from_status, u.to_status, u.actor) for u in staff.updates] == [(None, "received", ME.name)]
    (filed,) = events
    assert (filed.type, filed.agency_code, filed.payload.ticket) == ("report.filed", "BPBD", made.ticket)  # type: ignore[attr-defined]
    assert wr.reports.ticket_for_token(made.token) == made.ticket and wr.reports.ticket_for_token("nope") is None


def test_the_clock_and_the_emergency_notice(reports_city: WarRoom) -> None:
    wr = reports_city
    lat, lon = a_point_in(wr)
    data = ReportIn(service_code="KEBAKARAN", lat=lat, lon=lon)
    made = wr.reports.create(data, source="open311", client="app-x", actor=ME, now=T0)
    assert made.coordinate_due == T0 + timedelta(minutes=15) and made.resolve_due == T0 + timedelta(hours=6)
    assert "112" in (made.notice or "")
    report = wr.reports.get(made.ticket)
    assert (report.requested_at, report.client, report.source) == (T0, "app-x", "open311")


def test_outside_the_city_or_unknown_category_stores_nothing(reports_city: WarRoom) -> None:
    wr = reports_city
    with pytest.raises(OutsideCity, match="outside the city"):
        new_report(wr, "SAMPAH", at=(-5.14, 119.42))  # real Makassar: not in the sample city
    with pytest.raises(NotFound, match="NOPE"):
        new_report(wr, "NOPE")
    with pytest.raises(InvalidInput, match="tinggi_air_cm"):
        new_report(wr, "BANJIR")  # its required attribute is missing
    assert stored(wr) == (0, 0, 0)
    with pytest.raises(ValidationError):
        ReportIn(service_code="SAMPAH", lat=-5.2, lon=118.6, description="x" * 4001)


@pytest.mark.parametrize(("code", "attributes", "problem"), [
    ("JALAN_RUSAK", {"tingkat": "parah"}, "tingkat: 'parah' is not among the values"),
    ("JALAN_RUSAK", {"tingkat": ["ringan", "berat"]}, "tingkat: one value expected"),
    ("JALAN_RUSAK", {"tingkat": "ringan", "lebar_m": "lebar"}, "lebar_m: 'lebar' is not a number"),
    ("JALAN_RUSAK", {"tingkat": "ringan", "lebar_m": "nan"}, "lebar_m: must be a finite number"),
    ("JALAN_RUSAK", {"tingkat": "ringan", "warna": "merah"}, "warna: unknown attribute"),
    ("JALAN_RUSAK", {}, "tingkat: required"),
    ("LAMPU_MATI", {"mati_sejak": "kemarin"}, "mati_sejak: 'kemarin' is not an ISO 8601"),
    ("LAMPU_MATI", {"mati_sejak": "2024-05-01T19:00:00"}, "mati_sejak: needs a time zone"),
    ("LAMPU_MATI", {"nomor_tiang": "P" * 256}, "nomor_tiang: too long"),
    ("SAMPAH", {"jenis_sampah": ["plastik", "nuklir"]}, "jenis_sampah: 'nuklir' not among the values"),
    ("BANJIR", {"tinggi_air_cm": "10", "kondisi": "k" * 4001}, "kondisi: too long"),
])
def test_attributes_are_checked_per_datatype(reports_city: WarRoom, code: str, attributes: dict, problem: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(InvalidInput) as err:
        new_report(reports_city, code, attributes=attributes)
    assert problem in err.value.message
    assert err.value.details and all("attribute" in d for d in err.value.details)
    assert stored(reports_city) == (0, 0, 0)


def test_good_attributes_are_stored_typed(reports_city: WarRoom) -> None:
    wr = reports_city
    lamp = new_report(wr, "LAMPU_MATI", attributes={"nomor_tiang": " PJU-0123 ", "mati_sejak": "2024-05-01T19:00:00Z"})
    assert wr.reports.get(lamp.ticket).attributes == {"nomor_tiang": "PJU-0123", "mati_sejak": "2024-05-01T19:00:00+00:00"}
    rubbish = new_report(wr, "SAMPAH", attributes={"jenis_sampah": ["plastik", "puing", "plastik"]}, kecamatan_index=1)
    assert wr.reports.get(rubbish.ticket).attributes == {"jenis_sampah": ["plastik", "puing"]}
    one = new_report(wr, "SAMPAH", attributes={"jenis_sampah": "b3"}, kecamatan_index=2)  # attribute[code]= once
    assert wr.reports.get(one.ticket).attributes == {"jenis_sampah": ["b3"]}
    road = new_report(wr, "JALAN_RUSAK", attributes={"tingkat": "sedang", "lebar_m": "1.5"})
    assert wr.reports.get(road.ticket).attributes == {"tingkat": "sedang", "lebar_m": 1.5}
    fire = new_report(wr, "KEBAKARAN", attributes={"info_darurat": "ok"})  # informational: nothing to answer
    assert wr.reports.get(fire.ticket).attributes == {}


def change(wr: WarRoom, ticket: str, at: datetime, **fields: object) -> None:
    wr.reports.change(ticket, ReportChange.model_validate(fields), actor=OPERATOR, now=at)


def test_the_full_lifecycle_with_history_and_public_notes(reports_city: WarRoom) -> None:
    wr = reports_city
    ticket = new_report(wr, "JALAN_RUSAK", attributes={"tingkat": "berat"}, now=T0).ticket
    change(wr, ticket, T0 + timedelta(hours=1), status="verified", note="Dicek via CCTV", public=False)
    change(wr, ticket, T0 + timedelta(hours=2), status="dispatched", note="Tim UPT Jalan berangkat", public=True)
    change(wr, ticket, T0 + timedelta(hours=3), note="Nomor WA pelapor salah")  # staff-only note, no status
    change(wr, ticket, T0 + timedelta(hours=4), status="in_progress")
    change(wr, ticket, T0 + timedelta(days=1), status="resolved", note="Sudah ditambal", public=True)
    done = wr.reports.get(ticket)
    assert done.status == "resolved" and done.open311_status == "closed"
    assert done.coordinated_at == T0 + timedelta(hours=2) and done.closed_at == T0 + timedelta(days=1)
    assert [(u.from_status, u.to_status) for u in done.updates] == [
        (None, "received"), ("received", "verified"), ("verified", "dispatched"), ("dispatched", "dispatched"),
        ("dispatched", "in_progress"), ("in_progress", "resolved")]
    assert {u.actor for u in done.updates[1:]} == {"op-ani"} and done.updates[3].note == "Nomor WA pelapor salah"
    public = wr.reports.get_public(ticket)
    assert [(n.to_status, n.note) for n in public.public_notes] == [
        ("received", None), ("verified", None), ("dispatched", "Tim UPT Jalan berangkat"),
        ("in_progress", None), ("resolved", "Sudah ditambal")]
    assert all(n.actor is None for n in public.public_notes)
    assert "pelapor" not in public.model_dump_json() and "CCTV" not in public.model_dump_json()
    # Reopened: back to verified, no longer closed; coordinated stays the first time.
    change(wr, ticket, T0 + timedelta(days=2), status="verified", note="Lubang muncul lagi", public=True)
    again = wr.reports.get(ticket)
    assert (again.status, again.closed_at, again.coordinated_at) == ("verified", None, T0 + timedelta(hours=2))
    assert again.updated_at == T0 + timedelta(days=2)


def test_invalid_changes_are_refused_and_change_nothing(reports_city: WarRoom) -> None:
    wr = reports_city
    ticket = new_report(wr, "PKL", now=T0 - timedelta(hours=1)).ticket
    change(wr, ticket, T0, status="resolved")
    with pytest.raises(Conflict, match="resolved; it can go to: verified"):
        change(wr, ticket, T0, status="dispatched", note="lagi")
    with pytest.raises(InvalidInput, match="nothing changes"):
        change(wr, ticket, T0, status="resolved")
    with pytest.raises(InvalidInput, match="reject_reason goes with"):
        change(wr, ticket, T0, status="verified", reject_reason="spam")
    with pytest.raises(ValidationError, match="reject_reason"):
        ReportChange(status="rejected")
    with pytest.raises(ValidationError, match="say what changes"):
        ReportChange(public=True)
    with pytest.raises(NotFound):
        change(wr, "LAP-999999", T0, note="?")
    with pytest.raises(NotFound):
        change(wr, ticket, T0, agency_code="NOPE")
    assert [u.to_status for u in wr.reports.get(ticket).updates] == ["received", "resolved"]
    change(wr, ticket, T0, status="verified")
    change(wr, ticket, T0, status="rejected", reject_reason="out_of_scope", note="Lahan privat", public=True)
    assert wr.reports.get(ticket).reject_reason == "out_of_scope"


def test_every_change_publishes_its_event_with_the_agency(reports_city: WarRoom) -> None:
    wr = reports_city
    ticket = new_report(wr, "DRAINASE").ticket

    def act() -> None:
        change(wr, ticket, T0, status="verified", note="Benar tersumbat", public=True)
        change(wr, ticket, T0, agency_code="BPBD", note="Banjir rob, BPBD")
        change(wr, ticket, T0, note="Staff only")

    _, events = events_during(wr, act)
    assert [(e.type, e.agency_code) for e in events] == [
        ("report.status_changed", "DISPU"), ("report.reassigned", "BPBD"), ("report.note_added", "BPBD")]
    first = events[0].payload
    assert (first.from_status, first.status, first.note) == ("received", "verified", "Benar tersumbat")  # type: ignore[attr-defined]
    assert events[1].payload.note is None and events[2].payload.note is None  # type: ignore[attr-defined]
    assert wr.reports.get(ticket).updates[-2].agency_code == "BPBD"
    audited = [e for e in wr.audit.entries(action="report.change") if e.target == ticket]
    assert len(audited) == 3 and audited[1].details["agency"] == ["DISPU", "BPBD"]  # newest first


def test_public_list_filters_like_open311(reports_city: WarRoom) -> None:
    wr = reports_city
    old = new_report(wr, "SAMPAH", now=T0).ticket
    mid = new_report(wr, "PKL", now=T0 + timedelta(days=1)).ticket
    new = new_report(wr, "SAMPAH", now=T0 + timedelta(days=2), kecamatan_index=3).ticket
    change(wr, mid, T0 + timedelta(days=2), status="resolved")
    lister = wr.reports.public_list
    assert [r.ticket for r in lister(limit=10)] == [new, mid, old]
    assert [r.ticket for r in lister(service_code="SAMPAH", limit=10)] == [new, old]
    assert lister(service_code="NOPE", limit=10) == []
    assert [r.ticket for r in lister(open311_status="closed", limit=10)] == [mid]
    assert [r.ticket for r in lister(open311_status="open", limit=10)] == [new, old]
    assert [r.ticket for r in lister(start=T0 + timedelta(hours=1), end=T0 + timedelta(days=1, hours=1), limit=10)] == [mid]
    assert [r.ticket for r in lister(tickets=[old, new, "LAP-777777"], limit=10)] == [new, old]
    assert [r.ticket for r in lister(limit=1)] == [new]


def test_a_report_handed_to_an_agency_made_a_moment_ago(reports_city: WarRoom) -> None:
    # The catalog is read from memory; an agency newer than that copy must still be named.
    from warroom.city.schemas import AgencyIn

    wr = reports_city
    ticket = new_report(wr, "SAMPAH").ticket
    wr.reports.get(ticket)  # the catalog copy is taken now, without the new agency
    wr.city.create_agency(AgencyIn(code="UPTD_KEBERSIHAN", name="UPTD Kebersihan Pantai"), actor=ME)
    out = wr.reports.change(ticket, ReportChange(agency_code="UPTD_KEBERSIHAN"), actor=OPERATOR)
    assert (out.agency_code, out.agency_name) == ("UPTD_KEBERSIHAN", "UPTD Kebersihan Pantai")
    assert wr.audit.entries(action="report.change")[0].details["agency"] == ["DLH", "UPTD_KEBERSIHAN"]
