"""`warroom import apps FILE.yaml`: the JSON shape written as YAML, every bad item named, nothing
half imported, syntax errors placed by line and column, and no "billion laughs" walked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from apps_support import agencies  # noqa: F401 - fixture

from warroom.apps.service import AppFilter
from warroom.auth.principal import cli_principal
from warroom.container import WarRoom
from warroom.errors import InvalidInput

ME = cli_principal()
GOOD = """\
# The portfolio of two SKPD, kept next to the rest of the city's YAML.
defaults: &http
  type: http
  timeout_s: 5
apps:
  - name: Lontara+
    agency_code: DISKOMINFO
    criticality: critical
    probes:
      - <<: *http
        url: https://lontara.example.go.id/health
        json_path_condition: json.status == "up"
      - {type: tls, host: lontara.example.go.id, warn_days: 30}
    maintenance:
      - {start: 2030-01-05T22:00:00+08:00, end: 2030-01-06T02:00:00+08:00}
  - name: e-PBB Makassar
    agency_code: bapenda
    category: layanan publik
    interval_s: 60
    retries: 3
    enabled: no
    probes: [{<<: *http, url: "https://pbb.example.go.id/"}]
"""


def write(tmp_path: Path, text: str, name: str = "apps.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_yaml_portfolio_imports_like_json(agencies: WarRoom, tmp_path: Path) -> None:
    assert agencies.apps.import_file(write(tmp_path, GOOD), actor=ME).imported == 2
    apps = {a.name: a for a in agencies.apps.list(AppFilter()).items}
    lontara, pbb = apps["Lontara+"], apps["e-PBB Makassar"]
    assert lontara.criticality == "critical" and [p["type"] for p in lontara.probes] == ["http", "tls"]
    assert lontara.probes[0]["timeout_s"] == 5 and lontara.probes[0]["json_path_condition"] == 'json.status == "up"'
    assert lontara.maintenance[0].start.isoformat() == "2030-01-05T22:00:00+08:00"
    assert (pbb.agency_code, pbb.interval_s, pbb.retries, pbb.enabled) == ("BAPENDA", 60, 3, False)
    # A bare list works too, and .yml is YAML as well.
    bare = "- {name: SIMPEG, agency_code: DISKOMINFO, probes: [{type: dns, name: localhost}]}\n"
    assert agencies.apps.import_file(write(tmp_path, bare, "more.yml"), actor=ME).imported == 1


def test_bad_items_are_all_named_and_nothing_is_imported(agencies: WarRoom, tmp_path: Path) -> None:
    text = GOOD + """\
  - name: Bad probe
    agency_code: DISKOMINFO
    probes: [{type: ftp, url: "ftp://x"}]
  - just a string
  - name: Naive window
    agency_code: DISKOMINFO
    probes: [{type: dns, name: localhost}]
    maintenance: [{start: 2030-01-05 22:00:00, end: 2030-01-06 02:00:00}]
  - {name: Unknown agency, agency_code: NOPE, probes: [{type: dns, name: localhost}]}
"""
    with pytest.raises(InvalidInput) as err:
        agencies.apps.import_file(write(tmp_path, text), actor=ME)
    problems = [(p["where"], p["reason"]) for p in err.value.details]
    assert [where for where, _ in problems] == ["item 2", "item 3", "item 4", "item 5"]
    assert "ftp" in problems[0][1] and "must be a YAML mapping" in problems[1][1]
    assert "timezone" in problems[2][1] and "unknown agency 'NOPE'" in problems[3][1]
    assert "4 bad row(s), nothing was imported" in err.value.message
    assert agencies.apps.count() == 0


@pytest.mark.parametrize(("text", "where"), [
    ("apps:\n  - name: Lontara+\n    probes: [{type: http\n", "line 4, column 1"),
    ("apps:\n  - name: x\n   agency_code: y\n", "line 3, column 4"),
    ("apps:\n  - name: *nowhere\n", "line 2, column 11"),
])
def test_syntax_errors_say_where(agencies: WarRoom, tmp_path: Path, text: str, where: str) -> None:
    with pytest.raises(InvalidInput, match=f"not valid YAML \\({where}: ") as err:
        agencies.apps.import_file(write(tmp_path, text), actor=ME)
    assert err.value.details is None or err.value.details == []


def test_python_tags_are_not_run(agencies: WarRoom, tmp_path: Path) -> None:
    text = "- !!python/object/apply:os.system ['touch pwned']\n"
    with pytest.raises(InvalidInput, match="not valid YAML"):
        agencies.apps.import_file(write(tmp_path, text), actor=ME)
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


@pytest.mark.timeout(60)  # walked, it would never end: refusing it must not take long
def test_a_billion_laughs_is_refused(agencies: WarRoom, tmp_path: Path) -> None:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]
    lines += ["apps:", "  - name: Lontara+", "    agency_code: DISKOMINFO",
              "    probes: [{type: dns, name: localhost, conditions: *l9}]"]
    with pytest.raises(InvalidInput, match="expands to over 1,000,000 values"):
        agencies.apps.import_file(write(tmp_path, "\n".join(lines) + "\n"), actor=ME)
    loop = "apps: &a\n  - name: x\n    probes: *a\n"  # an alias inside itself
    with pytest.raises(InvalidInput, match="expands to over"):
        agencies.apps.import_file(write(tmp_path, loop), actor=ME)
    assert agencies.apps.count() == 0


def test_the_cli_imports_yaml(tmp_path: Path, database_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_") or k.startswith("WARROOM_TEST_")}
    env.update(WARROOM_DATA_DIR=str(tmp_path / "data"), WARROOM_DATABASE_URL=database_url)
    agencies_csv = write(tmp_path, "code,name\nDISKOMINFO,Dinas Kominfo\nBAPENDA,Badan Pendapatan Daerah\n", "a.csv")

    def warroom(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "warroom", *args], capture_output=True, text=True, env=env,
                              timeout=120)

    assert warroom("import", "agencies", str(agencies_csv)).returncode == 0
    done = warroom("import", "apps", str(write(tmp_path, GOOD)))
    assert done.returncode == 0 and "imported 2 apps" in done.stdout, done.stderr
    bad = warroom("import", "apps", str(write(tmp_path, "apps: [name: x\n", "bad.yaml")))
    said = " ".join((bad.stderr + bad.stdout).split())  # the console wraps long lines
    assert bad.returncode != 0 and "bad.yaml: not valid YAML (line 2, column 1: expected ',' or ']'" in said
    assert "Traceback" not in bad.stderr
