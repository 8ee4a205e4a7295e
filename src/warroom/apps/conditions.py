"""Probe conditions in the style of Gatus: `status == 200`, `body contains "OK"`, `json.status == "up"`.

A condition is one line an operator can read and write in a config file: a subject, an operator,
a literal. It is parsed when the config is loaded, so a typo fails the import with the condition
quoted and the problem named, rather than silently marking an app down at 3 a.m. Evaluation is a
small hand-written comparison, never `eval`: the text comes from imported files.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

Operator = Literal["==", "!=", "<", "<=", ">", ">=", "contains", "not contains"]
Value = str | int | float | bool | None

NUMERIC_SUBJECTS = frozenset({"status", "latency_ms", "cert_days"})
ALL_SUBJECTS = frozenset({"status", "latency_ms", "cert_days", "body", "json"})
# Longest operators first, so `<=` is not read as `<` followed by `= 5`.
_PATTERN = re.compile(
    r"^\s*(?P<subject>[A-Za-z_][\w.\-]*)\s*"
    r"(?P<op>not\s+contains\b|contains\b|==|!=|<=|>=|<|>)\s*(?P<value>.*?)\s*$"
)
_ORDERING = {"<", "<=", ">", ">="}
_MISSING = object()


class ConditionError(ValueError):
    """A condition that cannot be parsed; the message quotes it and says what is wrong."""


@dataclass(frozen=True)
class Condition:
    """One parsed condition. `path` is the dotted path after `json.` (empty for other subjects)."""

    text: str
    subject: str
    path: tuple[str, ...]
    op: Operator
    value: Value

    def check(self, values: Mapping[str, Any]) -> str | None:
        """None when the condition holds, else why not in plain words (the actual value)."""
        actual = self._actual(values)
        if actual is _MISSING:
            what = "json." + ".".join(self.path) if self.subject == "json" else self.subject
            return f"{self.text} ({what} not available)"
        if _holds(actual, self.op, self.value):
            return None
        if self.subject == "body":  # quoting a page back at the operator helps no one
            return f"{self.text} (body of {len(actual)} characters)"
        return f"{self.text} (got {_show(actual)})"

    def _actual(self, values: Mapping[str, Any]) -> Any:
        if self.subject != "json":
            value = values.get(self.subject)
            return _MISSING if value is None else value
        node = values.get("json", _MISSING)
        for key in self.path:
            if isinstance(node, Mapping) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                return _MISSING
        return node


@lru_cache(maxsize=4096)
def parse_condition(text: str, allowed: Collection[str] = ALL_SUBJECTS) -> Condition:
    """Parse one condition, or raise ConditionError naming the problem. Cached: probes reuse them."""
    match = _PATTERN.match(text)
    if match is None:
        raise ConditionError(
            f"condition {text!r}: expected `<subject> <operator> <value>`, with an operator among "
            "== != < <= > >= contains, not contains"
        )
    subject, _, rest = match["subject"].partition(".")
    path = tuple(rest.split(".")) if rest else ()
    op: Operator = "not contains" if match["op"].startswith("not") else match["op"]  # type: ignore[assignment]
    if subject not in ALL_SUBJECTS:
        raise ConditionError(f"condition {text!r}: unknown subject {subject!r}; use one of {_names(allowed)}")
    if subject not in allowed:
        raise ConditionError(f"condition {text!r}: {subject!r} is not measured by this probe; use {_names(allowed)}")
    if subject == "json" and (not path or "" in path):
        raise ConditionError(f"condition {text!r}: give a dotted path after json, e.g. json.status")
    if subject != "json" and path:
        raise ConditionError(f"condition {text!r}: {subject!r} has no fields; only json takes a dotted path")
    value = _literal(text, match["value"])
    if subject in NUMERIC_SUBJECTS and not _is_number(value):
        raise ConditionError(f"condition {text!r}: {subject} is a number, so compare it with a number")
    if op in _ORDERING and not _is_number(value):
        raise ConditionError(f"condition {text!r}: {op} compares numbers, not {_show(value)}")
    if op in {"contains", "not contains"}:
        if subject in NUMERIC_SUBJECTS:
            raise ConditionError(f"condition {text!r}: {op} works on body or json values, not on {subject}")
        if not isinstance(value, str):
            raise ConditionError(f'condition {text!r}: {op} needs a quoted string, e.g. body contains "OK"')
    if subject == "body" and op in _ORDERING:
        raise ConditionError(f"condition {text!r}: body is text; use contains, not contains, == or !=")
    return Condition(text=text, subject=subject, path=path, op=op, value=value)


def parse_all(texts: list[str], allowed: Collection[str] = ALL_SUBJECTS) -> list[Condition]:
    """Parse every condition; one ConditionError naming all the bad ones, so one fix round suffices."""
    parsed: list[Condition] = []
    problems: list[str] = []
    for text in texts:
        try:
            parsed.append(parse_condition(text, frozenset(allowed)))
        except ConditionError as err:
            problems.append(str(err))
    if problems:
        raise ConditionError("; ".join(problems))
    return parsed


def judge(conditions: list[Condition], values: Mapping[str, Any], problems: list[str]) -> tuple[list[str], str | None]:
    """The texts of the failed conditions, and one error naming the earlier problems and each failure."""
    checked = [(condition, condition.check(values)) for condition in conditions]
    failed = [condition.text for condition, why in checked if why is not None]
    reasons = problems + [f"condition failed: {why}" for _, why in checked if why is not None]
    return failed, "; ".join(reasons) if reasons else None


def evaluate(conditions: list[Condition], values: Mapping[str, Any]) -> list[str]:
    """The conditions that do not hold, each with the value seen: empty means all passed."""
    return [why for condition in conditions if (why := condition.check(values)) is not None]


def _literal(text: str, raw: str) -> Value:
    """A JSON literal (number, "string", true, false, null): the one grammar people already know."""
    if not raw:
        raise ConditionError(f"condition {text!r}: the value after the operator is missing")
    if raw[0] in "=<>!":
        raise ConditionError(f"condition {text!r}: unknown operator; use == != < <= > >= contains, not contains")
    try:
        value = json.loads(raw)
    except ValueError:
        raise ConditionError(
            f"condition {text!r}: cannot read the value {raw!r}; write a number, true, false, null "
            'or a "quoted string"'
        ) from None
    if isinstance(value, (list, dict)):
        raise ConditionError(f"condition {text!r}: compare with a single value, not {raw!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ConditionError(f"condition {text!r}: {raw!r} is not a finite number")
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _holds(actual: Any, op: Operator, expected: Value) -> bool:
    if op in {"contains", "not contains"}:
        haystack = actual if isinstance(actual, (str, list)) else json.dumps(actual)
        found = expected in haystack
        return found if op == "contains" else not found
    if op in {"==", "!="}:
        # True must not equal 1, nor "200" equal 200: a JSON API that changes types has changed.
        same = type(actual) is type(expected) or (_is_number(actual) and _is_number(expected))
        equal = same and actual == expected
        return equal if op == "==" else not equal
    if not (_is_number(actual) and _is_number(expected)):
        return False
    return {"<": actual < expected, "<=": actual <= expected,
            ">": actual > expected, ">=": actual >= expected}[op]


def _show(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, float) else f"{value:g}"
    return text if len(text) <= 60 else text[:57] + "..."


def _names(subjects: Collection[str]) -> str:
    return ", ".join(sorted(s if s != "json" else "json.<path>" for s in subjects))
