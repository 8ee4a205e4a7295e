"""App portfolios in: CSV, JSON or YAML, every bad row named by line (or item), all or nothing.

CSV has one app per row with the columns below; `probes` and `maintenance` hold JSON (a list of
probe objects, a list of {"start", "end"} windows). JSON is a list of app objects (or
{"apps": [...]}) shaped like the API's body. YAML (`.yaml`, `.yml`) is the same shape written as
YAML, read with `safe_load` and bounded in size and in what its aliases expand to
(`warroom.importing.load_yaml`), since portfolios are often kept next to other YAML config.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from warroom.apps.schemas import AppIn
from warroom.errors import InvalidInput
from warroom.importing import (
    ROW_ERROR,
    ImportProblem,
    Row,
    csv_rows,
    load_json,
    load_yaml,
    parse_bool,
    read_text,
    validate_rows,
)

COLUMNS = ("name", "agency_code", "category", "criticality", "public_url", "contact", "probes",
           "interval_s", "retries", "maintenance", "enabled")
REQUIRED = ("name", "agency_code", "probes")
JSON_COLUMNS = ("probes", "maintenance")


def read_apps(path: Path) -> tuple[list[tuple[str, AppIn]], list[ImportProblem]]:
    """(where, app) for every good row, and a problem for every bad one."""
    text = read_text(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        rows = _item_rows(path, load_json(path, text), "JSON")
    elif suffix in (".yaml", ".yml"):
        rows = _item_rows(path, load_yaml(path, text), "YAML")
    else:
        rows = csv_rows(path, text, COLUMNS, REQUIRED)
    apps, problems = validate_rows(rows, AppIn, _clean)
    if not apps and not problems:
        raise InvalidInput(f"{path}: no apps in the file")
    return apps, problems


def _item_rows(path: Path, data: Any, kind: str) -> list[Row]:
    """("item N", values) for a JSON or YAML list of apps, or the list under "apps"."""
    if isinstance(data, dict):
        data = data.get("apps")
    if not isinstance(data, list):
        raise InvalidInput(f'{path}: expected a {kind} list of apps (or {{"apps": [...]}})')
    what = "a JSON object" if kind == "JSON" else "a YAML mapping (name: ..., agency_code: ...)"
    return [
        (f"item {i}", item if isinstance(item, dict) else {ROW_ERROR: f"each app must be {what}"})
        for i, item in enumerate(data)
    ]


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                continue
            if key in JSON_COLUMNS:
                try:
                    value = json.loads(value)
                except json.JSONDecodeError as err:
                    raise ValueError(f"{key} must be JSON, e.g. [{{\"type\": \"http\", \"url\": \"https://...\"}}]: {err.msg}") from err
            elif key == "enabled":
                value = parse_bool(key, value)
            elif key == "criticality":
                value = value.lower()
        out[key] = value
    return out

