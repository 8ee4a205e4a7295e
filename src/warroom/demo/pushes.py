"""Three demo apps push their own figures through the real ingest API, bound to wall tiles.

Leadership wants each app's own numbers on the wall ("Izin terbit hari ini"); in the demo nobody
runs those apps, so the demo plays them: each gets an app key at every `warroom demo` start (the
previous run's demo keys are revoked: a key is shown once and this process is its only holder)
and pushes over HTTP to the demo's own server every few seconds, exactly as a real app would,
so keys, validation, idempotency, rate limits, `app.metrics` events and tiles all run for real.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from dataclasses import dataclass, field

import aiohttp

from warroom.apps.ingest_schemas import TileIn
from warroom.apps.service import AppFilter
from warroom.auth.principal import cli_principal
from warroom.auth.schemas import AppKeyIn
from warroom.container import WarRoom

_LOG = logging.getLogger(__name__)
KEY_NAME = "demo pusher"
PUSH_EVERY_S = 10.0
QUEUE_ALERT = 45  # people waiting: the demo's queue app then sends a warning event


@dataclass(frozen=True)
class Figure:
    """One figure an app reports, and the wall tile that shows it."""

    app_name: str
    metric: str
    tile_title: str
    aggregate: str
    unit: str | None
    kind: str  # "count": events since the last push (summed per day), "gauge": a level now


FIGURES = (
    Figure("e-Perizinan DPMPTSP", "permits_issued", "Izin terbit hari ini", "sum_today", None, "count"),
    Figure("e-PBB Makassar", "pbb_payments", "Pembayaran PBB hari ini", "sum_today", None, "count"),
    Figure("e-KTP Antrian Online", "queue_length", "Antrian e-KTP", "last", "orang", "gauge"),
)


@dataclass
class Pusher:
    app_id: int
    key: str
    figure: Figure
    level: float = field(default=12.0)
    alerted: bool = False  # a long queue is reported once when it starts, not at every push

    def next_value(self, rng: random.Random) -> float:
        if self.figure.kind == "count":
            return float(rng.randint(0, 4))
        self.level = max(0.0, min(80.0, self.level + rng.uniform(-6, 6)))
        return round(self.level)


def prepare_demo_pushes(wr: WarRoom) -> list[Pusher]:
    """Fresh keys for the demo's pushing apps, and their tiles (once). Apps not in the portfolio
    (an operator removed them, or the city has other agencies) are skipped."""
    pushers = []
    tiles = {(t.app_id, t.metric) for t in wr.wall_tiles.list()}
    for position, figure in enumerate(FIGURES):
        found = [a for a in wr.apps.list(AppFilter(q=figure.app_name), limit=10).items if a.name == figure.app_name]
        if not found:
            continue
        app_id = found[0].id
        for old in wr.app_ingest.keys(app_id):
            if old.name == KEY_NAME and old.revoked_at is None:
                wr.app_ingest.revoke_key(old.id, actor=cli_principal(), app_id=app_id)
        key = wr.app_ingest.create_key(app_id, AppKeyIn(name=KEY_NAME), actor=cli_principal()).key
        if (app_id, figure.metric) not in tiles:
            wr.wall_tiles.create(TileIn(
                title=figure.tile_title, app_id=app_id, metric=figure.metric, aggregate=figure.aggregate,  # type: ignore[arg-type]
                unit=figure.unit, position=position,
            ), actor=cli_principal())
        pushers.append(Pusher(app_id=app_id, key=key, figure=figure))
    return pushers


async def push_forever(base_url: str, pushers: list[Pusher], every_s: float = PUSH_EVERY_S) -> None:
    """Push each figure every `every_s` seconds until cancelled; a failed push is logged and retried."""
    rng = random.Random()
    await asyncio.sleep(2.0)  # let the server finish starting
    async with aiohttp.ClientSession(base_url=base_url, timeout=aiohttp.ClientTimeout(total=10)) as session:
        while True:
            for pusher in pushers:
                try:
                    await _push(session, pusher, rng)
                except (aiohttp.ClientError, TimeoutError) as err:
                    _LOG.warning("demo push for app %d failed: %s", pusher.app_id, err)
            await asyncio.sleep(every_s)


async def _push(session: aiohttp.ClientSession, pusher: Pusher, rng: random.Random) -> None:
    headers = {"Authorization": f"Bearer {pusher.key}"}
    value = pusher.next_value(rng)
    body = {"batch_id": uuid.uuid4().hex, "points": [{"name": pusher.figure.metric, "value": value}]}
    async with session.post(f"/api/v1/apps/{pusher.app_id}/metrics", json=body, headers=headers) as response:
        if response.status >= 400:
            _LOG.warning("demo push for app %d refused (%d): %s", pusher.app_id, response.status, await response.text())
            return
    if pusher.figure.kind != "gauge":
        return
    if value < QUEUE_ALERT:
        pusher.alerted = False
    elif not pusher.alerted:
        pusher.alerted = True
        event = {"id": uuid.uuid4().hex, "type": "queue.long", "severity": "warning",
                 "message": f"Antrian panjang: {value:.0f} orang menunggu", "data": {"queue_length": value}}
        async with session.post(f"/api/v1/apps/{pusher.app_id}/events", json=event, headers=headers) as response:
            if response.status >= 400:
                _LOG.warning("demo event for app %d refused (%d)", pusher.app_id, response.status)
