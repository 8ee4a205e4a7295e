"""`warroom bench open311`: reports filed through the real Open311 API by concurrent clients.

A throw-away war room on SQLite in a temp dir (migrated; the sample city, or the city folder
given; the demo's agencies and report catalog; an API key with the open311 scope) is served by
the real uvicorn server, as `warroom serve` runs it, in a process of its own so the clients' CPU
is not the server's. Concurrent aiohttp clients then post form-encoded
`POST /open311/v2/requests.json` at random points inside the city across every category, with
valid answers to each category's attributes; a share of the posts lands within a few metres of
an earlier post of the same category, so the duplicate search finds twins as it would on a
street where several residents report the same hole. A second phase reads reports back with
`GET /open311/v2/requests/{id}.json`.

Posts and reads are timed apart (posts per second over the posting phase, read latency over the
reading phase). Afterwards the database is checked: every accepted post is stored exactly once
(rows in `reports` = accepted posts, no id twice, every returned id present).

The per-address post limit (`reports.post_rate_limit`) is raised for the run: the clients all
come from 127.0.0.1, and the limit is what would otherwise be measured. `profile` writes the
server process's cProfile stats to a file, to see what a post costs.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import os
import platform
import pstats
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
from sqlalchemy import func, select

from warroom.auth.principal import cli_principal
from warroom.auth.schemas import ApiKeyIn
from warroom.bench.app_server import free_port
from warroom.config import ReportSettings, Settings
from warroom.container import WarRoom, build_warroom
from warroom.db import migrate
from warroom.demo.report_catalog import demo_categories
from warroom.demo.sample_city import SAMPLE_CITY_NAME, write_sample_city
from warroom.demo.seed import load_city_folder
from warroom.reports.models import Report
from warroom.reports.schemas import AttributeDef, CategoryOut

SEED = 311
TWIN_SHARE = 0.1  # posts placed near an earlier post of the same category
TWIN_RADIUS_M = 25.0
BENCH_RATE_LIMIT = "1000000/minute"
START_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 60.0
Form = list[tuple[str, str]]


def run(
    requests: int = 3000, clients: int = 32, *, gets: int = 1000, city_dir: Path | None = None,
    profile: Path | None = None,
) -> dict[str, Any]:
    """Set up, serve, post, read, check; one JSON-ready dict (see docs/reports.md, Benchmark)."""
    with tempfile.TemporaryDirectory(prefix="warroom-bench-open311-") as tmp:
        folder = Path(tmp)
        settings = _settings(folder)
        wr = build_warroom(settings)
        try:
            city, key, forms = _prepare(wr, folder, city_dir, requests)
        finally:
            wr.close()
        port = free_port()
        server = _Server(folder, port, profile)
        server.start()
        try:
            base = f"http://127.0.0.1:{port}"
            measured = asyncio.run(_measure(base, key, forms, clients, gets, server))
        finally:
            server.stop()
        server_errors = server.errors()
        wr = build_warroom(settings)
        try:
            stored = _stored(wr, measured["ids"])
        finally:
            wr.close()
    posts = measured["posts"]
    ok = len(measured["ids"])
    errors = posts["errors"] + measured["gets"]["errors"]
    return {
        "benchmark": "open311",
        "requests": requests,
        "clients": clients,
        "post_per_second": round(ok / posts["seconds"], 1) if posts["seconds"] else None,
        "get_p99_ms": measured["gets"]["p99_ms"],
        "errors": errors,
        "stored": stored["rows"],
        "duplicates_linked": stored["duplicates_linked"],
        "stored_once": stored["rows"] == ok == stored["distinct"] and not stored["missing"] and not stored["returned_twice"],
        "posts_accepted": ok,
        "post_seconds": round(posts["seconds"], 2),
        "post_p50_ms": posts["p50_ms"],
        "post_p99_ms": posts["p99_ms"],
        "gets": measured["gets"]["count"],
        "get_per_second": measured["gets"]["per_second"],
        "get_p50_ms": measured["gets"]["p50_ms"],
        "error_kinds": dict(posts["kinds"] + measured["gets"]["kinds"]),
        # 100 = one core busy: the server is one process (one event loop plus its thread pool).
        "server_cpu_percent_while_posting": round(posts["server_cpu_s"] / posts["seconds"] * 100, 1)
        if posts["seconds"] else None,
        # What one post costs the server, whatever else loads the machine.
        "server_cpu_ms_per_post": round(posts["server_cpu_s"] / ok * 1000, 2) if ok else None,
        "twin_share": TWIN_SHARE,
        "city": city,
        "database": "sqlite",
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        **({"profile": str(profile)} if profile else {}),
        # The server's own account of what went wrong (its log lives in the deleted temp dir).
        **({"server_errors": server_errors} if server_errors else {}),
    }


# ---- the war room and what the clients will post ------------------------------------------


def _settings(folder: Path) -> Settings:
    # SQLite in the temp dir whatever WARROOM_DATABASE_URL says: a benchmark never touches real data.
    return Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'warroom.db'}", log_level="WARNING",
                    reports=ReportSettings(post_rate_limit=BENCH_RATE_LIMIT))


def _prepare(wr: WarRoom, folder: Path, city_dir: Path | None, count: int) -> tuple[str, str, list[Form]]:
    migrate(wr.db)
    me = cli_principal()
    if city_dir is not None:
        load_city_folder(wr, city_dir)
    else:
        wr.city.import_areas(write_sample_city(folder / "city"), actor=me, city_name=SAMPLE_CITY_NAME)
    with resources.as_file(resources.files("warroom.demo") / "agencies.csv") as csv_path:
        wr.city.import_agencies(csv_path, actor=me)
    wr.report_catalog.create_many(demo_categories([a.code for a in wr.city.agencies()]), actor=me)
    key = wr.auth.create_apikey(ApiKeyIn(name="bench-open311", scopes=["open311"]), actor=me).key
    return wr.city.city().name, key, _forms(wr, count)


def _forms(wr: WarRoom, count: int) -> list[Form]:
    """`count` posts at random points inside the city, a share of them twins of earlier ones."""
    rng = np.random.default_rng(SEED)
    categories = wr.report_catalog.list()
    bbox = wr.city.city().view_bbox or wr.city.city().bbox
    assert bbox is not None, "the city has no areas"
    min_lon, min_lat, max_lon, max_lat = bbox
    placed: list[tuple[CategoryOut, float, float]] = []
    while len(placed) < count:
        if placed and rng.random() < TWIN_SHARE:
            category, lat, lon = placed[int(rng.integers(len(placed)))]
            bearing, dist = rng.random() * 2 * np.pi, rng.random() * TWIN_RADIUS_M
            lat += float(np.cos(bearing)) * dist / 111_320.0
            lon += float(np.sin(bearing)) * dist / (111_320.0 * np.cos(np.radians(lat)))
        else:
            category = categories[int(rng.integers(len(categories)))]
            lat, lon = float(rng.uniform(min_lat, max_lat)), float(rng.uniform(min_lon, max_lon))
        try:
            wr.city.locate(lat, lon)
        except Exception:  # noqa: BLE001 - OutsideCity (sea, a neighbouring regency): draw again
            continue
        placed.append((category, lat, lon))
    return [_form(c, lat, lon, n, rng) for n, (c, lat, lon) in enumerate(placed)]


def _form(category: CategoryOut, lat: float, lon: float, n: int, rng: np.random.Generator) -> Form:
    form = [("service_code", category.code), ("lat", f"{lat:.7f}"), ("long", f"{lon:.7f}"),
            ("description", f"Laporan uji beban nomor {n}: {category.name.lower()} di dekat rumah warga, mohon dicek.")]
    if n % 4 == 0:
        form += [("email", f"warga{n}@example.com"), ("first_name", "Warga"), ("phone", "0811-4000-000")]
    for attribute in category.attributes:
        form += _answer(attribute, rng)
    return form


def _answer(attribute: AttributeDef, rng: np.random.Generator) -> Form:
    """A valid answer to every question a category asks (required or not), of each datatype."""
    if not attribute.variable:
        return []
    name = f"attribute[{attribute.code}]"
    keys = [v.key for v in attribute.values]
    match attribute.datatype:
        case "number":
            return [(name, f"{rng.uniform(0.1, 80):.1f}")]
        case "datetime":
            return [(name, datetime(2024, 5, 1, 19, 0, tzinfo=UTC).isoformat())]
        case "singlevaluelist":
            return [(name, keys[int(rng.integers(len(keys)))])]
        case "multivaluelist":
            return [(f"{name}[]", k) for k in keys[: 1 + int(rng.integers(len(keys)))]]
        case _:
            return [(name, "PJU-0123" if attribute.datatype == "string" else "Air setinggi lutut, warga aman.")]


# ---- the server, in its own process -----------------------------------------------------------


def _serve(folder: str, port: int, profile: str | None) -> None:
    import uvicorn

    from warroom.app import create_app

    wr = build_warroom(_settings(Path(folder)))
    # As `warroom serve` runs it (sweeps and the SLA job included), without access logs.
    config = uvicorn.Config(create_app(wr, run_sweeps=True), host="127.0.0.1", port=port, log_level="warning",
                            access_log=False, timeout_graceful_shutdown=3)
    # uvicorn re-raises the SIGTERM it handled once it has shut down: let that end `run()` only.
    signal.signal(signal.SIGTERM, lambda *_: None)
    profilers = _profile_every_thread() if profile else []
    try:
        uvicorn.Server(config).run()
    finally:
        if profile:
            stats = None
            for profiler in profilers:
                profiler.create_stats()
                stats = pstats.Stats(profiler) if stats is None else stats.add(profiler)
            if stats is not None:
                stats.dump_stats(profile)
        wr.close()


def _profile_every_thread() -> list[cProfile.Profile]:
    """cProfile follows one thread; requests run in the thread pool: one profiler per thread."""
    profilers: list[cProfile.Profile] = []
    lock = threading.Lock()

    def start(*_: object) -> None:
        profiler = cProfile.Profile(time.thread_time)  # CPU seconds: waits (pool, SQLite lock, GIL) drop out
        with lock:
            profilers.append(profiler)
        profiler.enable()  # replaces this hook for the thread

    threading.setprofile(start)
    start()
    return profilers


class _Server:
    """uvicorn serving the bench's war room in a process of its own (a fresh interpreter)."""

    def __init__(self, folder: Path, port: int, profile: Path | None) -> None:
        self.folder = folder
        self.args = [sys.executable, "-c", "import sys; from warroom.bench.open311 import _serve; "
                     "_serve(sys.argv[1], int(sys.argv[2]), sys.argv[3] or None)",
                     str(folder), str(port), str(profile or "")]
        self.url = f"http://127.0.0.1:{port}/api/v1/health"
        self.log = folder / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._cpu_mark = 0.0

    def start(self) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(self.args, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603 - our own code
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the bench server exited while starting:\n{self.log.read_text()[-2000:]}")
            with contextlib.suppress(OSError), urllib.request.urlopen(self.url, timeout=1) as answer:  # noqa: S310 - loopback
                if answer.status == 200:
                    self._cpu_mark = self._cpu()
                    return
            time.sleep(0.1)
        raise RuntimeError(f"the bench server did not answer within {START_TIMEOUT_S:.0f} s")

    def _cpu(self) -> float:
        """User + system CPU seconds of the server process, from /proc (Linux); 0 elsewhere."""
        try:
            assert self.process is not None
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, AssertionError):
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def mark(self) -> float:
        """CPU seconds since the last mark."""
        now = self._cpu()
        used, self._cpu_mark = now - self._cpu_mark, now
        return used

    def errors(self, most: int = 5) -> dict[str, int]:
        """The last line of each traceback in the server's log, counted (the exception itself)."""
        found: Counter[str] = Counter()
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        for line, after in zip(lines, [*lines[1:], ""]):
            if line and not line[0].isspace() and "Error" in line.split(":", 1)[0] and not after.startswith(" "):
                found[line[:300]] += 1
        return dict(found.most_common(most))

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # SIGTERM: uvicorn shuts down cleanly (and the profile is written)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


# ---- the clients --------------------------------------------------------------------------------


async def _measure(base: str, key: str, forms: list[Form], clients: int, gets: int, server: _Server) -> dict[str, Any]:
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(base_url=base, timeout=timeout, connector=connector) as session:
        server.mark()
        posts = await _posts(session, key, forms, clients)
        posts["server_cpu_s"] = server.mark()
        rng = np.random.default_rng(SEED + 1)
        ids = posts.pop("ids")
        sample = [ids[int(i)] for i in rng.integers(len(ids), size=gets)] if ids and gets else []
        reads = await _gets(session, sample, clients)
    return {"posts": posts, "gets": reads, "ids": ids}


def _percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


async def _posts(session: aiohttp.ClientSession, key: str, forms: list[Form], clients: int) -> dict[str, Any]:
    todo = iter(forms)
    latencies: list[float] = []
    ids: list[str] = []
    kinds: Counter[str] = Counter()

    async def client() -> None:
        for form in todo:
            started = time.perf_counter()
            try:
                async with session.post("/open311/v2/requests.json", data=[("api_key", key), *form]) as answer:
                    body = await answer.json(content_type=None)
                    if answer.status == 200 and isinstance(body, list) and body and body[0].get("service_request_id"):
                        ids.append(str(body[0]["service_request_id"]))
                        latencies.append((time.perf_counter() - started) * 1000)
                    else:
                        kinds[f"post HTTP {answer.status}: {_first_error(body)}"] += 1
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as err:
                kinds[f"post {type(err).__name__}"] += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "ids": ids, "errors": sum(kinds.values()), "kinds": kinds,
            "p50_ms": _percentile(latencies, 50), "p99_ms": _percentile(latencies, 99)}


async def _gets(session: aiohttp.ClientSession, ids: list[str], clients: int) -> dict[str, Any]:
    todo = iter(ids)
    latencies: list[float] = []
    kinds: Counter[str] = Counter()

    async def client() -> None:
        for ticket in todo:
            started = time.perf_counter()
            try:
                async with session.get(f"/open311/v2/requests/{ticket}.json") as answer:
                    body = await answer.json(content_type=None)
                    if answer.status == 200 and isinstance(body, list) and body and body[0].get("service_request_id") == ticket:
                        latencies.append((time.perf_counter() - started) * 1000)
                    else:
                        kinds[f"get HTTP {answer.status}: {_first_error(body)}"] += 1
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as err:
                kinds[f"get {type(err).__name__}"] += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    seconds = time.perf_counter() - started
    return {"count": len(ids), "errors": sum(kinds.values()), "kinds": kinds,
            "per_second": round(len(latencies) / seconds, 1) if seconds and latencies else None,
            "p50_ms": _percentile(latencies, 50), "p99_ms": _percentile(latencies, 99)}


def _first_error(body: Any) -> str:
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return str(body[0].get("description", ""))[:120]
    return str(body)[:120]


# ---- the check ------------------------------------------------------------------------------------


def _stored(wr: WarRoom, ids: list[str]) -> dict[str, int]:
    """Rows in `reports`, distinct tickets, returned ids not found, and probable duplicates linked."""
    with wr.db.session() as s:
        rows = s.scalar(select(func.count()).select_from(Report)) or 0
        tickets = set(s.scalars(select(Report.ticket)))
        linked = s.scalar(select(func.count()).select_from(Report).where(Report.duplicate_of.is_not(None))) or 0
    return {"rows": rows, "distinct": len(tickets), "missing": len(set(ids) - tickets), "duplicates_linked": linked,
            "returned_twice": len(ids) - len(set(ids))}
