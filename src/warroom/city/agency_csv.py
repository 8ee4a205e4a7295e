"""Reading the city's agencies (SKPD) from CSV, every bad row reported with its line number."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from warroom.city.schemas import AgencyIn
from warroom.errors import InvalidInput
from warroom.importing import ImportProblem, csv_rows, fail_if_problems, read_text, validate_rows

COLUMNS = ("code", "name", "contact_name", "phone", "email")
REQUIRED = ("code", "name")


def read_agencies_csv(path: Path) -> list[AgencyIn]:
    """All rows as agencies, or `InvalidInput` listing every bad row (nothing is half-read)."""
    rows = csv_rows(path, read_text(path), COLUMNS, REQUIRED)
    good, problems = validate_rows(rows, AgencyIn, _blank_is_none)
    agencies: list[AgencyIn] = []
    seen: dict[str, str] = {}
    for where, agency in good:
        if agency.code in seen:
            problems.append(ImportProblem(where=where, reason=f"code {agency.code} repeats {seen[agency.code]}"))
            continue
        seen[agency.code] = where
        agencies.append(agency)
    fail_if_problems(path, problems)
    if not agencies:
        raise InvalidInput(f"{path}: no agencies in the file")
    return agencies


def _blank_is_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: (value or "").strip() or None for key, value in values.items()}
