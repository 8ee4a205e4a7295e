"""Answers to a category's Open311 attributes, checked against its definition.

Every client (Open311, the web form, staff) sends answers as text or lists of text; this turns
them into typed values for storage, or says which attribute is wrong and why, all at once.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from warroom.errors import InvalidInput
from warroom.reports.schemas import AttributeDef

STRING_MAX = 255
TEXT_MAX = 4000


def check_attributes(defs: list[AttributeDef], given: dict[str, str | list[str]]) -> dict[str, Any]:
    """Typed answers by attribute code; `InvalidInput` naming every wrong attribute.

    Unknown codes are refused (a typo would otherwise be silently lost); answers to
    informational attributes (`variable: false`) are dropped, there is nothing to answer.
    """
    by_code = {d.code: d for d in defs}
    problems: list[dict[str, str]] = []
    answers: dict[str, Any] = {}
    for code in given:
        if code not in by_code:
            known = ", ".join(sorted(d.code for d in defs if d.variable)) or "none"
            problems.append({"attribute": code, "problem": f"unknown attribute (this category has: {known})"})
    for attr in sorted(defs, key=lambda d: d.order):
        if not attr.variable:
            continue
        raw = given.get(attr.code)
        if raw is None or raw == "" or raw == []:
            if attr.required:
                problems.append({"attribute": attr.code, "problem": f"required: {attr.description}"})
            continue
        try:
            answers[attr.code] = _value(attr, raw)
        except ValueError as err:
            problems.append({"attribute": attr.code, "problem": str(err)})
    if problems:
        message = "; ".join(f"attribute {p['attribute']}: {p['problem']}" for p in problems)
        raise InvalidInput(message, details=problems, code="invalid_attribute")
    return answers


def _value(attr: AttributeDef, raw: str | list[str]) -> Any:
    if attr.datatype == "multivaluelist":
        items = [raw] if isinstance(raw, str) else list(raw)
        keys = {v.key for v in attr.values}
        wrong = [item for item in items if item not in keys]
        if wrong:
            raise ValueError(f"{', '.join(map(repr, wrong))} not among the values ({', '.join(sorted(keys))})")
        return list(dict.fromkeys(items))
    if not isinstance(raw, str):
        if len(raw) != 1:
            raise ValueError(f"one value expected for a {attr.datatype}, got {len(raw)}")
        raw = raw[0]
    text = raw.strip()
    if attr.datatype == "number":
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"{text[:40]!r} is not a number") from None
        if not math.isfinite(number):
            raise ValueError("must be a finite number")
        return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    if attr.datatype == "datetime":
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text[:40]!r} is not an ISO 8601 date and time (e.g. 2024-05-01T19:00:00+08:00)") from None
        if when.tzinfo is None:
            raise ValueError("needs a time zone (e.g. +08:00 for Makassar, or Z)")
        return when.isoformat()
    if attr.datatype == "singlevaluelist":
        keys = {v.key for v in attr.values}
        if text not in keys:
            raise ValueError(f"{text[:40]!r} is not among the values ({', '.join(sorted(keys))})")
        return text
    cap = STRING_MAX if attr.datatype == "string" else TEXT_MAX
    if len(text) > cap:
        raise ValueError(f"too long: {len(text)} characters, at most {cap}")
    return text
