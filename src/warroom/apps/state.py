"""From one check's probe results to the app's state: retries before `down`, maintenance silences.

Kept apart from the service so the rules are read (and tested) as plain functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from warroom.apps.probes import ProbeResult

HEALTHY = frozenset({"up", "degraded"})


@dataclass(frozen=True)
class Decision:
    observed: str
    state: str
    streak: int

    def changed_from(self, previous: str) -> bool:
        return self.state != previous


def observe(results: Sequence[ProbeResult]) -> str:
    """This check's own verdict: any failure is down, else any degraded probe is degraded, else up."""
    if any(not r.ok for r in results):
        return "down"
    if any(r.degraded for r in results):
        return "degraded"
    return "up"


def decide(previous: str, streak: int, observed: str, retries: int, *, in_maintenance: bool) -> Decision:
    """The state after this check.

    `streak` counts consecutive failing checks. A failure turns the app `down` only at the
    `retries`-th in a row; until then the previous state stands, so one lost packet (or a flapping
    server failing every other check) raises no alarm. Success counts at once. Inside a
    maintenance window the app is `maintenance` whatever it answers, and failures are not counted.
    """
    if in_maintenance:
        return Decision(observed="maintenance", state="maintenance", streak=0)
    if observed != "down":
        return Decision(observed=observed, state=observed, streak=0)
    streak += 1
    if streak >= retries:
        return Decision(observed=observed, state="down", streak=streak)
    # Not yet down: keep what it was (leaving maintenance, that is "unknown" until proven).
    kept = previous if previous != "maintenance" else "unknown"
    return Decision(observed=observed, state=kept, streak=streak)


def first_error(results: Sequence[ProbeResult]) -> str | None:
    """The reason operators read in the event and the history."""
    for r in results:
        if not r.ok or r.degraded:
            reason = r.error or "; ".join(r.failed_conditions)
            if reason:
                return reason[:500]
    return None


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile (the smallest value with at least `pct` % of values at or below it)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil without floats drifting
    return ordered[int(rank) - 1]
