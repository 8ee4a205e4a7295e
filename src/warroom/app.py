"""Assembly: settings → war room (db, bus, services) → ASGI app. Kept small on purpose."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

import warroom
from warroom.apps.api import router as apps_router
from warroom.apps.ingest_api import router as ingest_router
from warroom.apps.sla_api import router as sla_router
from warroom.auth.api import router as auth_router
from warroom.cameras.api import router as cameras_router
from warroom.city.api import router as city_router
from warroom.container import WarRoom
from warroom.reports.api import router as reports_router
from warroom.reports.open311_api import OPEN311_PREFIX, open311_app
from warroom.reports.summary_api import router as reports_summary_router
from warroom.web.dashboard import router as dashboard_router
from warroom.web.errors import install_error_handlers
from warroom.web.events_api import router as events_router
from warroom.web.prometheus import router as prometheus_router
from warroom.web.report_pages import FORM_PATH, form_body_limit
from warroom.web.report_pages import router as report_pages_router
from warroom.web.security import BodyLimit, SecurityHeaders, content_security_policy
from warroom.web.status import api_router as status_api_router
from warroom.web.status import router as status_router

API_PREFIX = "/api/v1"
CITY_WATCH_S = 10.0
PRUNE_EVERY_S = 3600.0
_LOG = logging.getLogger(__name__)


def create_app(
    wr: WarRoom,
    *,
    run_sweeps: bool = False,
    demo_apps: bool = False,
    background: Sequence[Callable[[], Coroutine[Any, Any, None]]] = (),
) -> FastAPI:
    """The ASGI app serving `wr`. The caller owns `wr` (and migrates its database first).

    With `run_sweeps`, the server also checks every camera and every app continuously (one
    machine's set-up). With `demo_apps`, it also serves the demo portfolio's fake services under
    `/demo-apps/` (see `demo.apps`). `background` are more jobs to run while serving (the demo's
    apps pushing their figures, `demo.pushes`), cancelled at shutdown like the sweeps.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await wr.bus.start()
        wr.city.poll_areas_version()
        tasks = [asyncio.create_task(_watch_city(wr), name="city-watch")]
        if run_sweeps:
            tasks.append(asyncio.create_task(wr.sweeper.run_forever(), name="camera-sweep"))
            tasks.append(asyncio.create_task(wr.app_sweeper.run_forever(), name="app-sweep"))
            tasks.append(asyncio.create_task(wr.app_rollups.run_forever(), name="app-rollup"))
            tasks.append(asyncio.create_task(_prune_pushed(wr), name="app-ingest-prune"))
            tasks.append(asyncio.create_task(wr.reports.run_forever(), name="report-sla"))
            tasks.append(asyncio.create_task(wr.report_photos.run_forever(), name="report-retention"))
        tasks += [asyncio.create_task(job(), name=f"background-{i}") for i, job in enumerate(background)]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await wr.bus.stop()

    app = FastAPI(
        title="warroom",
        version=warroom.__version__,
        description="Open smart-city command center: cameras, city apps, citizen reports, incidents.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        swagger_ui_oauth2_redirect_url=f"{API_PREFIX}/docs/oauth2-redirect",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.warroom = wr
    app.add_middleware(
        BodyLimit, limit=wr.settings.server.max_request_bytes, paths={FORM_PATH: form_body_limit(wr.settings)}
    )
    app.add_middleware(SecurityHeaders, csp=content_security_policy(wr.settings.map.tile_url))
    install_error_handlers(app)
    # Open311 is its own app so that every answer under its prefix has the spec's error shape.
    # Mounted first: routes are tried in order, and a post would otherwise be checked against
    # every /api/v1 and page route before reaching it (a fifth of a post's CPU, `bench open311`).
    app.mount(OPEN311_PREFIX, open311_app(wr))
    # The wall's /reports/summary and /reports/map come before the reports router's /reports/{ticket}.
    app.include_router(reports_summary_router, prefix=API_PREFIX)
    for router in (events_router, auth_router, city_router, cameras_router, sla_router, apps_router, ingest_router):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(reports_router, prefix=API_PREFIX)
    app.include_router(dashboard_router)
    app.include_router(status_api_router, prefix=API_PREFIX)
    app.include_router(status_router)  # public: /status, /status/{agency}, /status.json
    app.include_router(report_pages_router)  # public: /lapor (form), /lapor/{ticket}, /lapor/peta
    app.include_router(prometheus_router)  # /metrics, for a Prometheus server's API key
    if demo_apps:
        from warroom.demo.apps import router as demo_apps_router  # only the demo serves fake apps

        app.include_router(demo_apps_router)
    app.mount("/static", StaticFiles(directory=str(resources.files("warroom.web") / "static")), name="static")
    return app


async def _watch_city(wr: WarRoom) -> None:
    """Pick up areas imported by another process (e.g. `warroom import areas` while serving)."""
    while True:
        await asyncio.sleep(CITY_WATCH_S)
        try:
            event = await run_in_threadpool(wr.city.poll_areas_version)
        except Exception:  # noqa: BLE001 - a database hiccup must not end the watcher
            _LOG.warning("could not check the city's areas version", exc_info=True)
            continue
        if event is not None:
            _LOG.info("areas changed (version %d); lookup index refreshed", event.payload.areas_version)
            wr.bus.publish(event)



async def _prune_pushed(wr: WarRoom) -> None:
    """Drop pushed metrics, events and push receipts past their retention, once an hour."""
    while True:
        try:
            await run_in_threadpool(wr.app_ingest.prune)
        except Exception:  # noqa: BLE001 - a database hiccup must not end the job
            _LOG.warning("could not prune pushed app metrics and events", exc_info=True)
        await asyncio.sleep(PRUNE_EVERY_S)
