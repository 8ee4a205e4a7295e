"""`GET /metrics`: the portfolio and the cameras in Prometheus' text format, for cities that already
run Prometheus and Grafana.

Each scrape reads the database once through the services and writes a fresh `CollectorRegistry`
(never the library's global one), so several war rooms in one process, or several processes
behind one address, each report exactly what the database says. Labels are ids, names and agency
codes only: no URL, host or probe error ever becomes a label.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

import warroom
from warroom.apps.schemas import AppOut
from warroom.apps.service import AppFilter
from warroom.auth.deps import Access
from warroom.auth.principal import Principal
from warroom.cameras.health import HEALTH_STATES
from warroom.container import WarRoom
from warroom.db import utcnow
from warroom.web.deps import Services

METRICS_SCOPE = "metrics"
APP_STATES = ("up", "degraded", "down", "maintenance", "unknown")
APP_LABELS = ["app_id", "app", "agency"]
PAGE = 1000
UPTIME_WINDOW = ("24h", timedelta(hours=24))
# The classic text format every Prometheus (2.x and 3.x) reads; our names need nothing newer.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class ScopedAccess(Access):
    """`roles`, or an API key carrying exactly `scope` (a Prometheus server is a machine, not an admin).

    An `Access` (route checks that look for one find it) whose scope test is an exact match.
    """

    def __init__(self, roles: set[str], scope: str) -> None:
        super().__init__(roles)
        self.scope = scope

    def admits_scope(self, principal: Principal) -> bool:
        return principal.via == "apikey" and self.scope in principal.scopes

    def __repr__(self) -> str:
        return f"ScopedAccess({sorted(self.roles or ())}, scope={self.scope!r})"


METRICS_READER = ScopedAccess({"admin"}, METRICS_SCOPE)
MetricsReader = Annotated[Principal, Depends(METRICS_READER)]
router = APIRouter(include_in_schema=False)


@dataclass
class Snapshot:
    """What one scrape reports, read before anything is written out."""

    apps: list[AppOut] = field(default_factory=list)
    uptime: dict[int, float] = field(default_factory=dict)
    cameras: dict[str, int] = field(default_factory=dict)
    version: str = warroom.__version__


def read_snapshot(wr: WarRoom) -> Snapshot:
    now = utcnow()
    apps: list[AppOut] = []
    while True:
        page = wr.apps.list(AppFilter(enabled=True), limit=PAGE, offset=len(apps))
        apps += page.items
        if len(page.items) < PAGE:
            break
    ids = [a.id for a in apps]
    name, span = UPTIME_WINDOW
    sums = wr.app_rollups.collect(ids, [(0, now - span, now + timedelta(microseconds=1))], now) if ids else {}
    uptime = {app_id: agg.uptime for (app_id, _), agg in sums.items() if agg.uptime is not None}
    by_state = wr.cameras.summary().by_state
    return Snapshot(apps=apps, uptime=uptime, cameras={s: by_state.get(s, 0) for s in HEALTH_STATES})


class WarroomCollector(Collector):
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def collect(self) -> Iterator[Metric]:
        snap = self.snapshot
        up = _gauge("warroom_app_up", "1 if the app answers (up or degraded), 0 if down; absent otherwise.")
        state = _gauge("warroom_app_state", "1 for the app's current state, 0 for the others.", "state")
        latency = _gauge("warroom_app_latency_ms", "Latency of the app's last check, in ms.")
        uptime = _gauge("warroom_app_uptime_ratio", "Share of checks that answered over the window.", "window")
        checked = _gauge("warroom_app_last_check_timestamp_seconds", "When the app was last checked (Unix time).")
        for app in snap.apps:
            labels = [str(app.id), app.name, app.agency_code]
            current = app.status.state
            if current in ("up", "degraded", "down"):
                up.add_metric(labels, 0.0 if current == "down" else 1.0)
            for name in APP_STATES:
                state.add_metric([*labels, name], 1.0 if name == current else 0.0)
            if app.status.latency_ms is not None:
                latency.add_metric(labels, app.status.latency_ms)
            if app.id in snap.uptime:
                uptime.add_metric([*labels, UPTIME_WINDOW[0]], snap.uptime[app.id])
            if app.status.last_checked is not None:
                checked.add_metric(labels, app.status.last_checked.timestamp())
        cameras = GaugeMetricFamily("warroom_cameras", "Enabled cameras per health state.", labels=["health"])
        for health, count in snap.cameras.items():
            cameras.add_metric([health], float(count))
        build = GaugeMetricFamily("warroom_build_info", "The running warroom version.", labels=["version"])
        build.add_metric([snap.version], 1.0)
        yield from (up, state, latency, uptime, checked, cameras, build)


def _gauge(name: str, documentation: str, *extra_labels: str) -> GaugeMetricFamily:
    """A per-app gauge: labelled `app_id`, `app`, `agency` (and `extra_labels`)."""
    return GaugeMetricFamily(name, documentation, labels=[*APP_LABELS, *extra_labels])


@router.get("/metrics")
def metrics(wr: Services, _reader: MetricsReader) -> Response:
    """Prometheus text exposition, read from the database at each scrape."""
    registry = CollectorRegistry()
    registry.register(WarroomCollector(read_snapshot(wr)))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})
