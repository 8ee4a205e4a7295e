"""The report catalog: the demo categories, admin edits (service and API), routing by category and rule."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from reports_support import kecamatan_code, new_report, reports_city  # noqa: F401

from conftest import add_user, bearer
from warroom.auth.principal import cli_principal
from warroom.container import WarRoom
from warroom.demo.report_catalog import demo_categories
from warroom.errors import Conflict, InvalidInput, NotFound
from warroom.reports.models import ServiceCategory
from warroom.reports.schemas import CategoryIn, CategoryPatch, RuleIn

ME = cli_principal()


def test_the_demo_catalog_covers_the_issue_and_every_attribute_datatype(reports_city: WarRoom) -> None:
    cats = {c.code: c for c in reports_city.report_catalog.list()}
    assert {code: c.agency_code for code, c in cats.items()} == {
        "JALAN_RUSAK": "DISPU", "LAMPU_MATI": "DISHUB", "SAMPAH": "DLH", "DRAINASE": "DISPU", "BANJIR": "BPBD",
        "POHON_TUMBANG": "DLH", "PARKIR_LIAR": "DISHUB", "PKL": "SATPOLPP", "KEBAKARAN": "DAMKAR",
    }
    fire = cats["KEBAKARAN"]
    assert fire.emergency and "112" in (fire.notice or "") and not any(c.emergency for c in cats.values() if c is not fire)
    datatypes = {a.datatype for c in cats.values() for a in c.attributes}
    assert datatypes == {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
    # Defaults from the settings where a category gives none; its own where it does.
    assert (cats["PKL"].coordinate_hours, cats["PKL"].resolve_hours, cats["PKL"].duplicate_radius_m) == (6.0, 168.0, 50.0)
    assert cats["BANJIR"].coordinate_hours == 2 and cats["BANJIR"].agency_name == "Badan Penanggulangan Bencana Daerah"
    assert all(c.name and c.name_en and c.description for c in cats.values())


def test_demo_catalog_leaves_out_categories_of_absent_agencies() -> None:
    assert [c.code for c in demo_categories(["DAMKAR"])] == ["KEBAKARAN"]


def test_create_many_is_all_or_nothing(reports_city: WarRoom) -> None:
    catalog = reports_city.report_catalog
    good = CategoryIn(code="TROTOAR", name="Trotoar rusak", agency_code="DISPU")
    with pytest.raises(NotFound, match="NOPE"):
        catalog.create_many([good, CategoryIn(code="X1", name="Lain", agency_code="NOPE")], ME)
    with pytest.raises(Conflict, match="PKL"):
        catalog.create_many([good, CategoryIn(code="PKL", name="Lagi", agency_code="DISPU")], ME)
    with pytest.raises(InvalidInput, match="twice"):
        catalog.create_many([good, good], ME)
    with reports_city.db.session() as s:
        assert s.query(ServiceCategory).filter_by(code="TROTOAR").count() == 0
    assert catalog.create(good, ME).resolve_hours == 168.0


def test_update_and_retire_a_category(reports_city: WarRoom) -> None:
    wr = reports_city
    out = wr.report_catalog.update("PKL", CategoryPatch(agency_code="DISHUB", resolve_hours=48, notice="Terima kasih"), ME)
    assert (out.agency_code, out.resolve_hours, out.notice) == ("DISHUB", 48, "Terima kasih")
    assert new_report(wr, "PKL").agency_code == "DISHUB"
    wr.report_catalog.update("PKL", CategoryPatch(active=False), ME)
    assert "PKL" not in {c.code for c in wr.report_catalog.list()}
    assert "PKL" in {c.code for c in wr.report_catalog.list(active_only=False)}
    with pytest.raises(NotFound, match="PKL"):
        new_report(wr, "PKL")
    with pytest.raises(InvalidInput, match="coordinate_hours"):
        wr.report_catalog.update("SAMPAH", CategoryPatch(coordinate_hours=100), ME)  # after its 72 h to resolve
    with pytest.raises(NotFound):
        wr.report_catalog.update("NOPE", CategoryPatch(name="Apa"), ME)


def test_routing_by_category_then_by_rules(reports_city: WarRoom) -> None:
    wr = reports_city
    catalog = wr.report_catalog
    assert new_report(wr, "DRAINASE", kecamatan_index=0).agency_code == "DISPU"
    # Drains of kecamatan 1 go to BPBD; every report of kecamatan 1 goes to SATPOLPP, less specific.
    by_both = catalog.add_rule(RuleIn(category_code="DRAINASE", kecamatan_code=kecamatan_code(1), agency_code="BPBD"), ME)
    catalog.add_rule(RuleIn(kecamatan_code=kecamatan_code(1), agency_code="SATPOLPP"), ME)
    assert new_report(wr, "DRAINASE", kecamatan_index=1).agency_code == "BPBD"
    assert new_report(wr, "SAMPAH", kecamatan_index=1).agency_code == "SATPOLPP"
    assert new_report(wr, "DRAINASE", kecamatan_index=2).agency_code == "DISPU"  # no rule there
    # A category-only rule loses to the kecamatan rule, wins elsewhere; priority breaks ties.
    catalog.add_rule(RuleIn(category_code="SAMPAH", agency_code="DISPU"), ME)
    catalog.add_rule(RuleIn(category_code="SAMPAH", agency_code="DISPERKIM", priority=5), ME)
    assert new_report(wr, "SAMPAH", kecamatan_index=1).agency_code == "SATPOLPP"
    assert new_report(wr, "SAMPAH", kecamatan_index=3).agency_code == "DISPERKIM"
    with wr.db.session() as s:
        assert catalog.route(s, "DRAINASE", kecamatan_code(1)) == wr.city.agency_id(s, "BPBD")
        assert catalog.route(s, "SAMPAH", None) == wr.city.agency_id(s, "DISPERKIM")
    catalog.delete_rule(by_both.id, ME)
    assert new_report(wr, "DRAINASE", kecamatan_index=1).agency_code == "SATPOLPP"
    assert len(catalog.rules()) == 3
    with pytest.raises(NotFound):
        catalog.delete_rule(by_both.id, ME)


def test_rules_refuse_unknown_places_categories_and_agencies(reports_city: WarRoom) -> None:
    catalog = reports_city.report_catalog
    with pytest.raises(InvalidInput, match="kecamatan"):
        catalog.add_rule(RuleIn(kecamatan_code="12.34", agency_code="DISPU"), ME)
    with pytest.raises(InvalidInput, match="kecamatan"):  # a kelurahan is not a kecamatan
        catalog.add_rule(RuleIn(kecamatan_code=f"{kecamatan_code(0)}.1001", agency_code="DISPU"), ME)
    with pytest.raises(NotFound):
        catalog.add_rule(RuleIn(category_code="NOPE", agency_code="DISPU"), ME)
    with pytest.raises(NotFound):
        catalog.add_rule(RuleIn(category_code="PKL", agency_code="NOPE"), ME)
    with pytest.raises(ValueError, match="needs a category"):
        RuleIn(agency_code="DISPU")
    assert catalog.rules() == []


def test_catalog_api_for_admins_audited(reports_city: WarRoom, client: TestClient, admin_headers: dict[str, str]) -> None:
    wr = reports_city
    add_user(wr, "op", "operator")
    staff = bearer(client, "op")
    listed = client.get("/api/v1/report-categories", headers=staff)
    assert listed.status_code == 200 and len(listed.json()) == 9
    body = {"code": "TROTOAR", "name": "Trotoar rusak", "agency_code": "DISPU", "attributes": [
        {"code": "panjang", "datatype": "number", "description": "Panjang (m)"}]}
    assert client.post("/api/v1/report-categories", json=body, headers=staff).status_code == 403
    made = client.post("/api/v1/report-categories", json=body, headers=admin_headers)
    assert made.status_code == 201, made.text
    assert made.json()["attributes"][0]["datatype"] == "number"
    again = client.post("/api/v1/report-categories", json=body, headers=admin_headers)
    assert again.status_code == 409
    bad = client.post("/api/v1/report-categories", json={**body, "code": "X", "attributes": [
        {"code": "a", "datatype": "singlevaluelist", "description": "Pilih"}]}, headers=admin_headers)
    assert bad.status_code == 422 and "needs values" in bad.text
    patched = client.patch("/api/v1/report-categories/TROTOAR", json={"active": False}, headers=admin_headers)
    assert patched.status_code == 200 and patched.json()["active"] is False
    active = client.get("/api/v1/report-categories", params={"active_only": True}, headers=staff).json()
    assert "TROTOAR" not in {c["code"] for c in active}
    rule = client.post("/api/v1/report-rules", json={"kecamatan_code": kecamatan_code(4), "agency_code": "BPBD"},
                       headers=admin_headers)
    assert rule.status_code == 201, rule.text
    assert [r["id"] for r in client.get("/api/v1/report-rules", headers=admin_headers).json()] == [rule.json()["id"]]
    assert client.get("/api/v1/report-rules", headers=staff).status_code == 403
    assert client.delete(f"/api/v1/report-rules/{rule.json()['id']}", headers=admin_headers).status_code == 204
    assert client.delete(f"/api/v1/report-rules/{rule.json()['id']}", headers=admin_headers).status_code == 404
    actions = [e.action for e in wr.audit.entries(limit=50) if e.action.startswith("report_")]
    assert actions.count("report_category.create") >= 2  # the fixture's demo catalog and TROTOAR
    assert {"report_category.update", "report_rule.create", "report_rule.delete"} <= set(actions)


def test_the_demo_seeds_the_catalog_once(wr: WarRoom) -> None:
    from warroom.demo.seed import seed_demo

    assert any(line.startswith("reports: seeded 9 report categories") for line in seed_demo(wr, None))
    wr.report_catalog.update("PKL", CategoryPatch(active=False), ME)  # an admin's change survives a rerun
    assert not any(line.startswith("reports:") for line in seed_demo(wr, None))
    assert len(wr.report_catalog.list(active_only=False)) == 9 and len(wr.report_catalog.list()) == 8
    assert len(wr.audit.entries(action="report_category.create")) == 1
