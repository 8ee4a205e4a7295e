"""Latency as counts per fixed bin: what the rollups keep instead of every sample's latency.

Percentiles cannot be averaged, but bin counts can be summed: the p95 of a month is read from the
sum of its hourly histograms. Inside a bin the answer is interpolated linearly, so it is off by at
most that bin's width. The edges grow by at most a third from 15 ms up (by half from 10 to 15 ms,
doubling below 10 ms), so above 15 ms a binned percentile is within 33 % of the exact one, and in
practice much closer. Latencies above the last edge (30 s: only probes with a longer timeout can
see them) report as 30 s.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import case, literal_column

# Upper edges (inclusive) in ms; one more bin past the last edge holds everything slower.
LATENCY_BINS_MS: tuple[float, ...] = (
    5, 10, 15, 20, 25, 30, 40, 50, 60, 75, 100, 125, 150, 200, 250, 300, 400, 500, 600, 750,
    1000, 1250, 1500, 2000, 2500, 3000, 4000, 5000, 6000, 7500, 10000, 12500, 15000, 20000, 25000, 30000,
)
BIN_COUNT = len(LATENCY_BINS_MS) + 1


def bin_of(latency_ms: float) -> int:
    """The bin a latency counts in: the first whose upper edge is at or above it."""
    return bisect_left(LATENCY_BINS_MS, latency_ms)


def bin_case(column: Any) -> Any:
    """The same as `bin_of`, as SQL, so rollups are grouped in the database."""
    return case(
        *[(column <= literal_column(repr(float(edge))), literal_column(str(i))) for i, edge in enumerate(LATENCY_BINS_MS)],
        else_=literal_column(str(len(LATENCY_BINS_MS))),
    )


def empty() -> list[int]:
    return [0] * BIN_COUNT


def add_into(total: list[int], hist: Sequence[int] | None) -> None:
    """Sum `hist` into `total` (a stored histogram may be shorter: missing bins are zero)."""
    for i, count in enumerate(hist or ()):
        total[i] += int(count)


def histogram(latencies: Iterable[float]) -> list[int]:
    hist = empty()
    for value in latencies:
        hist[bin_of(value)] += 1
    return hist


def hist_percentile(hist: Sequence[int], pct: float) -> float | None:
    """Nearest-rank percentile of binned values, interpolated inside its bin.

    The rank is the one `state.percentile` would pick on the raw values; within the bin, the k-th of
    its n values is put at k/n of the way from the lower to the upper edge (so a lone value reads as
    its bin's upper edge: a bound, never an understatement by more than the bin's width).
    """
    total = sum(hist)
    if total <= 0:
        return None
    rank = max(1, -(-total * pct // 100))
    seen = 0
    for i, count in enumerate(hist):
        if count and seen + count >= rank:
            if i >= len(LATENCY_BINS_MS):
                return float(LATENCY_BINS_MS[-1])
            low = 0.0 if i == 0 else float(LATENCY_BINS_MS[i - 1])
            high = float(LATENCY_BINS_MS[i])
            return round(low + (high - low) * (rank - seen) / count, 1)
        seen += count
    return float(LATENCY_BINS_MS[-1])  # unreachable: the ranks add up to `total`
