"""Open311 GeoReport v2 conformance, black-box over real HTTP: every JSON answer is valid against
the community's JSON Schemas (from ../shared), every XML answer parses and carries the same
fields, date-times carry the city's zone, and no answer ever shows who reported."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx2 as httpx
from open311_support import (
    Open311,
    as_text,
    check_datetimes,
    json_body,
    open311,  # noqa: F401 - fixture
    without_nulls,
    xml_items,
    xml_root,
)
from reports_support import a_point_in, reports_city  # noqa: F401 - fixture
from sqlalchemy import insert, select

from warroom.auth.principal import cli_principal
from warroom.db import utcnow
from warroom.reports.models import Report
from warroom.reports.schemas import ReportChange, ReportIn

WITA = timezone(timedelta(hours=8))
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
REPORTER = {"email": "warga@example.org", "first_name": "Andi", "last_name": "Daengbaji",
            "phone": "+62 811 4455 66", "device_id": "device-7f3a", "account_id": "acct-42"}


def multipart(pairs: list[tuple[str, str]]) -> tuple[bytes, dict[str, str]]:
    """A multipart/form-data body of text fields only (httpx sends multipart only with files)."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in pairs
    ]
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def token_of(o: Open311, ticket: str) -> str:
    with o.wr.db.session() as s:
        return s.scalar(select(Report.token).where(Report.ticket == ticket))


def same_as_xml(entries: list[dict[str, Any]], items: list[dict[str, str | None]]) -> None:
    assert items == [{key: as_text(value) for key, value in entry.items()} for entry in entries]


def test_discovery_names_the_spec_formats_and_url(open311: Open311) -> None:
    doc = json_body(open311.get("discovery.json"))
    assert list(doc) == ["changeset", "contact", "key_service", "endpoints"]
    (endpoint,) = doc["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == f"{open311.base}/open311/v2" and endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    check_datetimes({"requested_datetime": doc["changeset"], "updated_datetime": endpoint["changeset"]})
    root = xml_root(open311.get("discovery.xml"), "discovery")
    assert [root.findtext(k) for k in ("changeset", "contact", "key_service")] == [doc["changeset"], doc["contact"], doc["key_service"]]
    (xml_endpoint,) = root.findall("endpoints/endpoint")
    assert {k: xml_endpoint.findtext(k) for k in ("specification", "url", "changeset", "type")} == {
        k: endpoint[k] for k in ("specification", "url", "changeset", "type")
    }
    assert [f.text for f in xml_endpoint.findall("formats/format")] == endpoint["formats"]
    # The advertised endpoint really serves both formats.
    assert httpx.get(endpoint["url"] + "/services.xml").status_code == 200


def test_services_and_their_definitions_match_the_schemas(open311: Open311) -> None:
    services = json_body(open311.get("services.json"))
    open311.valid("services.json", services)
    assert services, "the service list must not be empty"
    assert {s["service_code"] for s in services} == {c.code for c in open311.wr.report_catalog.list()}
    same_as_xml(services, xml_items(xml_root(open311.get("services.xml"), "services"), "service"))
    fire = next(s for s in services if s["service_code"] == "KEBAKARAN")
    assert fire["type"] == "realtime" and fire["group"] == "Darurat" and fire["keywords"] == "api, kebakaran, asap"
    assert json_body(open311.get("services.json", jurisdiction_id="makassarkota.go.id")) == services
    seen: set[str] = set()
    for service in services:
        code = service["service_code"]
        definition = json_body(open311.get(f"services/{code}.json"))
        open311.valid("service-definition.json", definition)
        attributes = definition["attributes"]
        assert definition["service_code"] == code and service["metadata"] == bool(attributes)
        assert [a["order"] for a in attributes] == sorted(a["order"] for a in attributes)
        seen |= {a["datatype"] for a in attributes}
        for attribute in attributes:
            assert bool(attribute["values"]) == attribute["datatype"].endswith("valuelist"), attribute
        root = xml_root(open311.get(f"services/{code}.xml"), "service_definition")
        assert root.findtext("service_code") == code
        xml_attributes = root.findall("attributes/attribute")
        assert len(xml_attributes) == len(attributes)
        for attribute, element in zip(attributes, xml_attributes, strict=True):
            for key in ("variable", "code", "datatype", "required", "datatype_description", "order", "description"):
                assert (element.findtext(key) or None) == as_text(attribute[key]), (code, key)
            values = [(v.findtext("key"), v.findtext("name")) for v in element.findall("values/value")]
            assert values == [(v["key"], v["name"]) for v in attribute["values"]]
    assert seen == DATATYPES


def test_post_then_read_back_in_json_and_xml_without_the_reporter(open311: Open311) -> None:
    lat, lon = a_point_in(open311.wr, 0)
    form = {
        "jurisdiction_id": "makassarkota.go.id", "service_code": "JALAN_RUSAK", "lat": lat, "long": lon,
        "attribute[tingkat]": "berat", "attribute[lebar_m]": "1.5", "address_string": "Jl. Contoh No. 1",
        "address_id": "ADDR-77", "description": "Lubang besar di depan sekolah <b>", "media_url": "https://example.org/lubang.jpg",
        **REPORTER,
    }
    created = json_body(open311.post("requests.json", form))
    assert isinstance(created, list) and len(created) == 1
    open311.valid("RequestResponse", without_nulls(created[0]))
    assert list(created[0]) == ["service_request_id", "service_notice", "account_id"]
    ticket = created[0]["service_request_id"]
    assert ticket.startswith("LAP-") and created[0]["account_id"] == "acct-42"
    assert "Dinas Pekerjaan Umum" in created[0]["service_notice"]

    answer = json_body(open311.get(f"requests/{ticket}.json"))
    open311.valid("requests.json", answer)
    (request,) = answer
    check_datetimes(request)
    assert {k: request[k] for k in ("service_request_id", "status", "status_notes", "service_name", "service_code",
                                    "description", "agency_responsible", "address_id", "zipcode", "media_url")} == {
        "service_request_id": ticket, "status": "open", "status_notes": None, "service_name": "Jalan rusak",
        "service_code": "JALAN_RUSAK", "description": "Lubang besar di depan sekolah <b>",
        "agency_responsible": "Dinas Pekerjaan Umum", "address_id": "ADDR-77", "zipcode": None,
        "media_url": "https://example.org/lubang.jpg",
    }
    assert (request["lat"], request["long"]) == (lat, lon)
    assert request["address"].startswith("Jl. Contoh No. 1, ")
    assert request["requested_datetime"] == request["updated_datetime"]
    requested, expected = (datetime.fromisoformat(request[k]) for k in ("requested_datetime", "expected_datetime"))
    assert expected - requested == timedelta(days=7)  # the category's SLA (168 h)
    same_as_xml(answer, xml_items(xml_root(open311.get(f"requests/{ticket}.xml"), "service_requests"), "request"))

    stored = open311.wr.reports.get(ticket)
    assert stored.source == "open311" and stored.client == "fixmystreet-makassar"
    assert stored.attributes == {"tingkat": "berat", "lebar_m": 1.5}
    assert stored.reporter.email == REPORTER["email"] and stored.reporter.phone == REPORTER["phone"]

    token = token_of(open311, ticket)
    by_token = json_body(open311.get(f"tokens/{token}.json"))
    assert by_token == [{"service_request_id": ticket, "token": token}]
    open311.valid("TokenResponse", by_token[0])
    same_as_xml(by_token, xml_items(xml_root(open311.get(f"tokens/{token}.xml"), "service_requests"), "request"))

    for path in (f"requests/{ticket}.json", f"requests/{ticket}.xml", "requests.json", "requests.xml"):
        text = open311.get(path).content.decode("utf-8")
        assert ticket in text
        leaked = [value for value in REPORTER.values() if value in text]
        assert not leaked, (path, leaked)


def test_every_datatype_posts_in_xml_and_multipart(open311: Open311) -> None:
    lat, lon = a_point_in(open311.wr, 3)
    pairs = [("service_code", "SAMPAH"), ("lat", str(lat)), ("long", str(lon)),
             ("attribute[jenis_sampah][]", "plastik"), ("attribute[jenis_sampah][]", "puing")]
    root = xml_root(open311.post("requests.xml", pairs), "service_requests")
    (created,) = xml_items(root, "request")
    assert list(created) == ["service_request_id", "service_notice", "account_id"] and created["account_id"] is None
    assert open311.wr.reports.get(created["service_request_id"]).attributes == {"jenis_sampah": ["plastik", "puing"]}

    one = [("service_code", "SAMPAH"), ("lat", str(lat + 0.003)), ("long", str(lon)), ("attribute[jenis_sampah][]", "b3")]
    ticket = json_body(open311.post("requests.json", one))[0]["service_request_id"]
    assert open311.wr.reports.get(ticket).attributes == {"jenis_sampah": ["b3"]}

    lamp = [("service_code", "LAMPU_MATI"), ("lat", str(lat)), ("long", str(lon + 0.003)), ("api_key", open311.key),
            ("attribute[nomor_tiang]", "PJU-0123"), ("attribute[mati_sejak]", "2026-11-01T19:00:00+08:00")]
    body, headers = multipart(lamp)
    answer = httpx.post(open311.url("requests.json"), content=body, headers=headers)
    ticket = json_body(answer)[0]["service_request_id"]
    assert open311.wr.reports.get(ticket).attributes == {"nomor_tiang": "PJU-0123", "mati_sejak": "2026-11-01T19:00:00+08:00"}

    flood = {"service_code": "BANJIR", "lat": lat - 0.003, "long": lon, "attribute[tinggi_air_cm]": "45",
             "attribute[kondisi]": "Air setinggi lutut —\nwarga mengungsi ke masjid ✓", "description": "Banjir di lorong 3 ✓"}
    ticket = json_body(open311.post("requests.json", flood))[0]["service_request_id"]
    assert open311.wr.reports.get(ticket).attributes == {"tinggi_air_cm": 45, "kondisi": "Air setinggi lutut —\nwarga mengungsi ke masjid ✓"}
    request = xml_items(xml_root(open311.get(f"requests/{ticket}.xml"), "service_requests"), "request")[0]
    assert request["description"] == "Banjir di lorong 3 ✓"  # UTF-8 both ways

    fire = {"service_code": "KEBAKARAN", "lat": lat, "long": lon - 0.003, "description": "Rumah terbakar"}
    notice = json_body(open311.post("requests.json", fire))[0]["service_notice"]
    assert "112" in notice


def _file(o: Open311, code: str, kecamatan: int, age: timedelta, **attributes: str) -> str:
    lat, lon = a_point_in(o.wr, kecamatan)
    data = ReportIn(service_code=code, lat=lat, lon=lon, attributes=attributes, description=f"{code} {age}")
    return o.wr.reports.create(data, source="staff", actor=cli_principal(), now=utcnow() - age).ticket


def _listed(o: Open311, **params: str) -> list[str]:
    answer = json_body(o.get("requests.json", **params))
    o.valid("requests.json", answer)
    for request in answer:
        check_datetimes(request)
    xml = xml_items(xml_root(o.get("requests.xml", **params), "service_requests"), "request")
    same_as_xml(answer, xml)
    return [r["service_request_id"] for r in answer]


def test_get_requests_filters_window_and_id_list(open311: Open311) -> None:
    old = _file(open311, "DRAINASE", 1, timedelta(days=100))
    drain = _file(open311, "DRAINASE", 2, timedelta(days=10))
    rubbish = _file(open311, "SAMPAH", 4, timedelta(days=5))
    road = _file(open311, "JALAN_RUSAK", 5, timedelta(hours=1), tingkat="ringan")
    open311.wr.reports.change(rubbish, ReportChange(status="resolved", note="Sudah diangkut", public=True), actor=cli_principal())
    open311.wr.reports.change(drain, ReportChange(note="catatan internal petugas"), actor=cli_principal())

    assert _listed(open311) == [road, rubbish, drain]  # the last 90 days, newest first
    assert _listed(open311, service_code="DRAINASE") == [drain]
    assert _listed(open311, service_code="DRAINASE,SAMPAH") == [rubbish, drain]
    assert _listed(open311, service_code="NOPE") == []
    assert _listed(open311, status="open") == [road, drain]
    assert _listed(open311, status="open,closed") == [road, rubbish, drain]
    closed = json_body(open311.get("requests.json", status="closed"))
    assert [(r["service_request_id"], r["status"], r["status_notes"]) for r in closed] == [(rubbish, "closed", "Sudah diangkut")]
    assert "catatan internal" not in open311.get("requests.json").text

    now = utcnow().astimezone(WITA)
    iso = lambda t: t.isoformat(timespec="seconds")  # noqa: E731
    assert _listed(open311, start_date=iso(now - timedelta(days=120)), end_date=iso(now - timedelta(days=80))) == [old]
    assert _listed(open311, start_date=iso(now - timedelta(days=105))) == [old]  # start + 90 days
    assert _listed(open311, end_date=iso(now - timedelta(days=50))) == [old]  # 90 days before the end
    zulu = (now - timedelta(days=7)).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _listed(open311, start_date=zulu) == [road, rubbish]
    # "+08:00" sent unencoded arrives as " 08:00"; it still means +08:00.
    raw = httpx.get(open311.url(f"requests.json?start_date={iso(now - timedelta(days=7))}"))
    assert [r["service_request_id"] for r in json_body(raw)] == [road, rubbish]

    # A list of ids overrides every other filter, the window included.
    ids = f"{old},{road},LAP-999999"
    assert _listed(open311, service_request_id=ids, status="closed", service_code="SAMPAH") == [road, old]


def test_get_requests_returns_at_most_a_thousand_newest_first(open311: Open311) -> None:
    entry = open311.wr.report_catalog.snapshot().categories["DRAINASE"]
    lat, lon = a_point_in(open311.wr, 0)
    now = utcnow()
    rows = [
        {"ticket": f"BULK-{i:05d}", "token": f"bulk-token-{i}", "category_id": entry.id, "status": "received",
         "lat": lat, "lon": lon, "agency_id": entry.agency_id, "source": "staff", "requested_at": now - timedelta(minutes=i),
         "updated_at": now - timedelta(minutes=i), "coordinate_due": now, "resolve_due": now + timedelta(days=7),
         "attributes": {}}
        for i in range(1005)
    ]
    with open311.wr.db.session() as s:
        s.execute(insert(Report), rows)
    answer = json_body(open311.get("requests.json"))
    open311.valid("requests.json", answer)
    assert [r["service_request_id"] for r in answer] == [f"BULK-{i:05d}" for i in range(1000)]
    xml = xml_root(open311.get("requests.xml"), "service_requests")
    assert len(xml.findall("request")) == 1000
