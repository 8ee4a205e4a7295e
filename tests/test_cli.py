"""The `warroom` command, run as a real process: clear errors, no tracebacks, secrets shown once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PASSWORD


@pytest.fixture
def run(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_") or k.startswith("WARROOM_TEST_")}
    env.update(WARROOM_DATA_DIR=str(tmp_path / "data"), WARROOM_DATABASE_URL=database_url)

    def invoke(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "warroom", *args], input=stdin, capture_output=True, text=True,
            env=env, cwd=tmp_path, timeout=120,
        )

    return invoke


def test_db_upgrade(run) -> None:  # type: ignore[no-untyped-def]
    from alembic.script import ScriptDirectory

    from warroom.db import Database, _alembic_config

    head = ScriptDirectory.from_config(_alembic_config(Database("sqlite://"))).get_current_head()
    result = run("db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"database at revision {head}"


def test_import_areas_reports_bad_features_without_a_traceback(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "1", "name": "A", "level": "kecamatan"},
         "geometry": {"type": "Point", "coordinates": [119.4, -5.1]}},
    ]}))
    result = run("import", "areas", str(bad))
    assert result.returncode == 1
    assert "error:" in result.stderr and "feature 0: geometry is 'Point'" in result.stderr
    assert "Traceback" not in result.stderr


def test_import_makassar_then_agencies(run, makassar_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("import", "areas", str(makassar_dir / "makassar_kelurahan.geojson"))
    assert result.returncode == 0, result.stderr
    assert "imported 153 areas (kecamatan: 15, kelurahan: 153)" in result.stdout
    csv = tmp_path / "agencies.csv"
    csv.write_text("code,name\nDISPU,Dinas Pekerjaan Umum\nbad!,X\n")
    failed = run("import", "agencies", str(csv))
    assert failed.returncode == 1 and "line 3" in failed.stderr


def test_user_add_with_password_stdin_then_login_works(run) -> None:  # type: ignore[no-untyped-def]
    result = run("user", "add", "siti", "--role", "operator", "--password-stdin", stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    assert "created siti (operator)" in result.stdout
    assert PASSWORD not in result.stdout + result.stderr
    weak = run("user", "add", "budi", "--role", "viewer", "--password-stdin", stdin="short\n")
    assert weak.returncode == 1 and "at least 10 characters" in weak.stderr
    listed = run("user", "list")
    assert "siti\toperator" in listed.stdout and "budi" not in listed.stdout


def test_apikey_add_prints_the_key_alone_on_the_last_line(run) -> None:  # type: ignore[no-untyped-def]
    result = run("apikey", "add", "open311-gateway", "--scope", "open311")
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("wrk_") and len(key) > 40 and " " not in key
    listed = run("apikey", "list")
    assert "open311-gateway" in listed.stdout and key not in listed.stdout
    assert run("apikey", "revoke", "1").returncode == 0
    assert "revoked" in run("apikey", "list").stdout


def test_config_check_masks_secrets_and_rejects_typos(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "warroom.toml").write_text('admin_password = "super-secret-pw"\n[server]\nport = 9000\n')
    result = run("config", "check")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["server"]["port"] == 9000 and shown["admin_password"] == "**********"
    assert "super-secret-pw" not in result.stdout
    (tmp_path / "warroom.toml").write_text("[server]\nprot = 9000\n")
    typo = run("config", "check")
    assert typo.returncode == 1 and "unknown setting 'server.prot'" in typo.stderr and "warroom.toml" in typo.stderr


def test_bench_locate_prints_json(run) -> None:  # type: ignore[no-untyped-def]
    result = run("bench", "locate", "--json", "--points", "2000")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["benchmark"] == "locate" and report["points"] == 2000
    assert report["single_lookups_per_s"] > 0 and report["areas_indexed"] == 36
