"""`warroom bench open311` with tiny numbers: the real server in its own process, real posts and
reads, every report stored once. No timing is asserted (the numbers are the benchmark's output)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from warroom.bench.open311 import run
from warroom.cli import app

KEYS = {"requests", "post_per_second", "get_p99_ms", "errors", "stored", "duplicates_linked", "stored_once"}


def test_posts_through_the_real_server_are_stored_once() -> None:
    result = run(40, 4, gets=10)
    assert KEYS <= set(result)
    assert result["errors"] == 0, result["error_kinds"]
    assert result["requests"] == result["posts_accepted"] == result["stored"] == 40
    assert result["stored_once"] is True
    assert result["gets"] == 10 and result["get_p99_ms"] is not None
    assert 0 <= result["duplicates_linked"] < 40
    assert result["post_per_second"] > 0


def test_the_command_prints_one_json_object() -> None:
    answer = CliRunner().invoke(app, ["bench", "open311", "--requests", "12", "--clients", "3", "--gets", "3", "--json"])
    assert answer.exit_code == 0, answer.output
    result = json.loads(answer.stdout)
    assert result["stored"] == result["posts_accepted"] == 12 and result["errors"] == 0
