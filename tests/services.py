"""Is a service the tests need reachable? Used by the Makefile before the PostgreSQL pass.

Exit 0: reachable. Exit 3: unreachable but listed in WARROOM_TEST_OPTIONAL (skip, saying why).
Exit 1: unreachable and required (CI has every service; a missing one is a failure, not a skip).
"""

from __future__ import annotations

import os
import sys


def optional(service: str) -> bool:
    return service in {s.strip() for s in os.environ.get("WARROOM_TEST_OPTIONAL", "").split(",")}


def postgres_error(url: str) -> str | None:
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(url, connect_args={"connect_timeout": 5})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as err:  # noqa: BLE001 - any failure means "not reachable"
        return str(err).splitlines()[0]
    return None


def main(argv: list[str]) -> int:
    service, url = argv[1], argv[2]
    if service != "postgres":
        print(f"unknown service {service!r}", file=sys.stderr)
        return 2
    error = postgres_error(url)
    if error is None:
        print(f"PostgreSQL at {url}: reachable; running the suite again on it")
        return 0
    if optional(service):
        print(f"SKIPPED the PostgreSQL pass: {url} unreachable ({error}); WARROOM_TEST_OPTIONAL lists postgres")
        return 3
    print(
        f"FAILED: PostgreSQL at {url} is unreachable ({error}). Start it, set TEST_PG_URL, or set "
        "WARROOM_TEST_OPTIONAL=postgres to skip the PostgreSQL pass on a machine without it.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
