"""What every import of the city's own lists shares: reading the file, CSV rows, all-or-nothing.

Agencies, cameras and apps arrive as spreadsheets or JSON from the city's offices. Each domain says
which columns it has and how to clean a row; this module reads the file, names every bad row by
line (or item), and refuses the whole file while any row is bad, so a list is never half imported.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from warroom.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)
Row = tuple[str, dict[str, Any]]
# A row that was bad before it could be validated carries its reason under this key.
ROW_ERROR = "__error__"
MAX_YAML_BYTES = 16 << 20
MAX_YAML_VALUES = 1_000_000  # ~100 per app for 10,000 apps; a bomb stands for billions


class ImportProblem(BaseModel):
    """One bad feature or row: where it is (feature index or CSV line) and what is wrong."""

    where: str
    reason: str


class ImportResult(BaseModel):
    imported: int
    skipped: list[ImportProblem] = []
    details: dict[str, Any] = {}


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as err:
        raise InvalidInput(f"{path}: file not found") from err
    except UnicodeDecodeError as err:
        raise InvalidInput(f"{path}: not UTF-8 text; save it as UTF-8") from err


def load_json(path: Path, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise InvalidInput(f"{path}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})") from err


def load_yaml(path: Path, text: str) -> Any:
    """YAML as plain lists, dicts and scalars (`safe_load`: no tags that build Python objects).

    Bounded, because a few lines of anchors and aliases can stand for billions of values (the
    "billion laughs"): PyYAML shares the aliased parts, but anything walking them later would
    not. A file over MAX_YAML_BYTES, or one that expands to over MAX_YAML_VALUES values, is refused
    before anything else reads it.
    """
    import yaml

    if len(text) > MAX_YAML_BYTES:
        raise InvalidInput(f"{path}: over {MAX_YAML_BYTES // (1 << 20)} MiB; split the file")
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise InvalidInput(f"{path}: not valid YAML ({where}{err.problem or err.context})") from err
    except yaml.YAMLError as err:
        raise InvalidInput(f"{path}: not valid YAML ({err})") from err
    if _expands_beyond(data, MAX_YAML_VALUES):
        raise InvalidInput(
            f"{path}: expands to over {MAX_YAML_VALUES:,} values (anchors and aliases repeating each other?); refused"
        )
    return data


def _expands_beyond(data: Any, limit: int) -> bool:
    """Whether walking `data` as a tree (aliases counted each time they are used) visits over `limit` values.

    Stops as soon as it knows, so a bomb costs `limit` steps, and a self-referencing alias ends too.
    """
    seen, stack = 0, [data]
    while stack:
        item = stack.pop()
        seen += 1
        if seen > limit:
            return True
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def csv_rows(path: Path, text: str, columns: Sequence[str], required: Sequence[str]) -> list[Row]:
    """("line N", values) for each data row, after checking the header names only known columns."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in columns]
    if missing or unknown:
        raise InvalidInput(
            f"{path}: the header needs {', '.join(required)} (optional: "
            f"{', '.join(c for c in columns if c not in required)}); missing: {', '.join(missing) or '-'}; "
            f"unknown: {', '.join(unknown) or '-'}"
        )
    rows: list[Row] = []
    for row in reader:
        where = f"line {reader.line_num}"
        if None in row:
            rows.append((where, {ROW_ERROR: "more fields than the header has"}))
            continue
        rows.append((where, {k.strip(): v for k, v in row.items() if k is not None}))
    return rows


def validate_rows(
    rows: list[Row], model: type[M], clean: Callable[[dict[str, Any]], dict[str, Any]]
) -> tuple[list[tuple[str, M]], list[ImportProblem]]:
    """(where, item) for every good row, and a problem for every bad one."""
    good: list[tuple[str, M]] = []
    problems: list[ImportProblem] = []
    for where, values in rows:
        try:
            if ROW_ERROR in values:
                raise ValueError(values[ROW_ERROR])
            good.append((where, model.model_validate(clean(values))))
        except (ValidationError, ValueError) as err:
            problems.append(ImportProblem(where=where, reason=reason(err)))
    return good, problems


def reason(err: Exception) -> str:
    if isinstance(err, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in err.errors())
    return str(err)


def parse_bool(key: str, value: str) -> bool:
    if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
        raise ValueError(f"{key} must be true or false, not {value!r}")
    return value.lower() in ("true", "1", "yes")


def fail_if_problems(path: Path, problems: list[ImportProblem]) -> None:
    """All of a file's problems at once, in file order, so one round of fixes is enough."""
    if problems:
        problems = sorted(problems, key=lambda p: int(p.where.rsplit(" ", 1)[-1]))
        raise InvalidInput(
            f"{path}: {len(problems)} bad row(s), nothing was imported "
            f"(first: {problems[0].where}: {problems[0].reason})",
            details=[p.model_dump() for p in problems],
        )
