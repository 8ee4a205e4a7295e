"""`warroom bench probes` on a small scale: it runs end to end and its counts add up (no timings)."""

from __future__ import annotations

import json
import subprocess
import sys

from warroom.bench.probes import run

KEYS = {"targets", "sweep_seconds", "probes_per_second", "cpu_percent_at_146x20s", "peak_rss_mb"}


def test_the_probe_benchmark_counts_add_up() -> None:
    result = run(50, slow_share=0.1, refused_share=0.06, timeout=1.0, duration=5, concurrency=20)
    assert KEYS <= result.keys() and result["targets"] == 50
    assert (result["slow_targets"], result["refused_targets"]) == (5, 3)
    assert len(result["sweeps"]) == 2
    for sweep in result["sweeps"]:
        # Slow targets are bounded by their timeout and count as down, like refused ones; none errs.
        assert sweep["down"] == 5 + 3 and sweep["up"] + sweep["degraded"] == 42 and sweep["errors"] == 0
        assert sweep["seconds"] >= 1.0  # the slow ones were waited for, up to their timeout
    assert result["sweep_seconds"] == max(s["seconds"] for s in result["sweeps"])
    assert result["probes_per_second"] == round(50 / result["sweep_seconds"], 1)
    assert result["samples_written"] == 2 * 50  # every check of both sweeps was recorded
    idle = result["idle"]
    assert (idle["apps"], idle["interval_s"]) == (146, 20) and idle["span_s"] >= 5
    assert 0 < idle["checks"] <= 146  # in 5 s only some of the 146 have had their turn
    assert result["cpu_percent_at_146x20s"] == idle["cpu_percent"] > 0
    assert result["peak_rss_mb"] > 0 and result["errors"] == 0
    assert result["target_servers"]["cpu_seconds"] > 0


def test_the_cli_prints_one_json_object() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "warroom", "bench", "probes", "--targets", "10", "--duration", "1", "--timeout", "0.5",
         "--slow-share", "0", "--refused-share", "0.1", "--json"], capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["targets"] == 10 and result["down"] == 1 and result["up"] + result["degraded"] == 9
