"""Agencies from CSV: every bad row named by line number, nothing half-imported."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.auth.principal import cli_principal
from warroom.container import WarRoom
from warroom.errors import InvalidInput


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "agencies.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file_imports_and_reimport_updates(wr: WarRoom, tmp_path: Path) -> None:
    path = write(tmp_path, "code,name,phone\nDISPU,Dinas Pekerjaan Umum,\nDLH,Dinas Lingkungan Hidup,0411-1\n")
    assert wr.city.import_agencies(path, actor=cli_principal()).imported == 2
    write(tmp_path, "code,name,phone\nDLH,Dinas Lingkungan Hidup Kota Makassar,0411-2\n")
    wr.city.import_agencies(path, actor=cli_principal())
    agencies = {a.code: a for a in wr.city.agencies()}
    assert set(agencies) == {"DISPU", "DLH"}
    assert agencies["DLH"].name == "Dinas Lingkungan Hidup Kota Makassar" and agencies["DLH"].phone == "0411-2"
    assert agencies["DISPU"].phone is None


def test_bad_rows_are_listed_by_line_and_nothing_is_imported(wr: WarRoom, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "code,name,email\n"
        "DISPU,Dinas Pekerjaan Umum,\n"
        "bad code,Dinas X,\n"
        "DLH,,\n"
        "DISPU,Again,\n"
        "DAMKAR,Pemadam,not-an-email\n"
        "BPBD,Badan,a@b.id,extra\n",
    )
    with pytest.raises(InvalidInput) as err:
        wr.city.import_agencies(path, actor=cli_principal())
    where = [p["where"] for p in err.value.details]
    assert where == ["line 3", "line 4", "line 5", "line 6", "line 7"]
    reasons = " | ".join(p["reason"] for p in err.value.details)
    assert "code" in reasons and "name" in reasons and "repeats line 2" in reasons and "more fields" in reasons
    assert wr.city.agencies() == []


def test_header_must_name_the_columns(wr: WarRoom, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="missing: name; unknown: nama"):
        wr.city.import_agencies(write(tmp_path, "code,nama\nDISPU,PU\n"), actor=cli_principal())


def test_the_demo_agency_list_is_valid(wr: WarRoom) -> None:
    from importlib import resources

    with resources.as_file(resources.files("warroom.demo") / "agencies.csv") as path:
        result = wr.city.import_agencies(path, actor=cli_principal())
    codes = {a.code for a in wr.city.agencies()}
    assert result.imported == len(codes) >= 20
    assert {"DISKOMINFO", "DISPU", "DLH", "DISHUB", "DINKES", "DAMKAR", "SATPOLPP", "BPBD", "PDAM"} <= codes
