"""App portfolios in: CSV or JSON, every bad row named by line (or item), all or nothing.

CSV has one app per row with the columns below; `probes` and `maintenance` hold JSON (a list of
probe objects, a list of {"start", "end"} windows). JSON is a list of app objects (or
{"apps": [...]}) shaped like the API's body. YAML is not read: save it as JSON.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from warroom.apps.schemas import AppIn
from warroom.city.schemas import ImportProblem
from warroom.errors import InvalidInput

COLUMNS = ("name", "agency_code", "category", "criticality", "public_url", "contact", "probes",
           "interval_s", "retries", "maintenance", "enabled")
REQUIRED = ("name", "agency_code", "probes")
JSON_COLUMNS = ("probes", "maintenance")


def read_apps(path: Path) -> tuple[list[tuple[str, AppIn]], list[ImportProblem]]:
    """(where, app) for every good row, and a problem for every bad one."""
    if path.suffix.lower() in (".yaml", ".yml"):
        raise InvalidInput(f"{path}: YAML is not supported; use CSV or JSON")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as err:
        raise InvalidInput(f"{path}: file not found") from err
    except UnicodeDecodeError as err:
        raise InvalidInput(f"{path}: not UTF-8 text; save it as UTF-8") from err
    rows = _json_rows(path, text) if path.suffix.lower() == ".json" else _csv_rows(path, text)
    apps: list[tuple[str, AppIn]] = []
    problems: list[ImportProblem] = []
    for where, values in rows:
        try:
            apps.append((where, AppIn.model_validate(_clean(values))))
        except (ValidationError, ValueError) as err:
            problems.append(ImportProblem(where=where, reason=_reason(err)))
    if not apps and not problems:
        raise InvalidInput(f"{path}: no apps in the file")
    return apps, problems


def fail_if_problems(path: Path, problems: list[ImportProblem]) -> None:
    """All of a file's problems at once, in file order, so one round of fixes is enough."""
    if problems:
        problems = sorted(problems, key=lambda p: int(p.where.rsplit(" ", 1)[-1]))
        raise InvalidInput(
            f"{path}: {len(problems)} bad row(s), nothing was imported "
            f"(first: {problems[0].where}: {problems[0].reason})",
            details=[p.model_dump() for p in problems],
        )


def _csv_rows(path: Path, text: str) -> list[tuple[str, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        raise InvalidInput(
            f"{path}: the header needs {', '.join(REQUIRED)} (optional: "
            f"{', '.join(c for c in COLUMNS if c not in REQUIRED)}); missing: {', '.join(missing) or '-'}; "
            f"unknown: {', '.join(unknown) or '-'}"
        )
    rows = []
    for row in reader:
        where = f"line {reader.line_num}"
        if None in row:
            rows.append((where, {"__error__": "more fields than the header has"}))
            continue
        rows.append((where, {k.strip(): v for k, v in row.items()}))
    return rows


def _json_rows(path: Path, text: str) -> list[tuple[str, dict[str, Any]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InvalidInput(f"{path}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})") from err
    if isinstance(data, dict):
        data = data.get("apps")
    if not isinstance(data, list):
        raise InvalidInput(f'{path}: expected a JSON list of apps (or {{"apps": [...]}})')
    return [
        (f"item {i}", item if isinstance(item, dict) else {"__error__": "each app must be a JSON object"})
        for i, item in enumerate(data)
    ]


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    if "__error__" in values:
        raise ValueError(values["__error__"])
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
                if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError(f"enabled must be true or false, not {value!r}")
                value = value.lower() in ("true", "1", "yes")
            elif key == "criticality":
                value = value.lower()
        out[key] = value
    return out


def _reason(err: Exception) -> str:
    if isinstance(err, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in err.errors())
    return str(err)
