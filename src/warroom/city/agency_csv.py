"""Reading the city's agencies (SKPD) from CSV, every bad row reported with its line number."""

from __future__ import annotations

import csv
from pathlib import Path

from pydantic import ValidationError

from warroom.city.schemas import AgencyIn, ImportProblem
from warroom.errors import InvalidInput

COLUMNS = ("code", "name", "contact_name", "phone", "email")
REQUIRED = ("code", "name")


def read_agencies_csv(path: Path) -> list[AgencyIn]:
    """All rows as agencies, or `InvalidInput` listing every bad row (nothing is half-read)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as err:
        raise InvalidInput(f"{path}: file not found") from err
    except UnicodeDecodeError as err:
        raise InvalidInput(f"{path}: not UTF-8 text; save the CSV as UTF-8") from err
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        raise InvalidInput(
            f"{path}: header must have {', '.join(REQUIRED)} (optional: {', '.join(COLUMNS[2:])}); "
            f"missing: {', '.join(missing) or '-'}; unknown: {', '.join(unknown) or '-'}"
        )
    agencies: list[AgencyIn] = []
    problems: list[ImportProblem] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        values = {k.strip(): (v or "").strip() or None for k, v in row.items() if k is not None}
        if None in row:
            problems.append(ImportProblem(where=f"line {line}", reason="more fields than the header has"))
            continue
        try:
            agency = AgencyIn.model_validate(values)
        except ValidationError as err:
            reason = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
            problems.append(ImportProblem(where=f"line {line}", reason=reason))
            continue
        if agency.code in seen:
            problems.append(ImportProblem(where=f"line {line}", reason=f"code {agency.code} repeats line {seen[agency.code]}"))
            continue
        seen[agency.code] = line
        agencies.append(agency)
    if problems:
        raise InvalidInput(
            f"{path}: {len(problems)} bad row(s), nothing was imported "
            f"(first: {problems[0].where}: {problems[0].reason})",
            details=[p.model_dump() for p in problems],
        )
    if not agencies:
        raise InvalidInput(f"{path}: no agencies in the file")
    return agencies
