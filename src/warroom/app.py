"""Assembly: settings → war room (db, bus, services) → ASGI app. Kept small on purpose."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

import warroom
from warroom.auth.api import router as auth_router
from warroom.city.api import router as city_router
from warroom.city.schemas import AreasImported
from warroom.container import WarRoom
from warroom.web.dashboard import router as dashboard_router
from warroom.web.errors import install_error_handlers
from warroom.web.events_api import router as events_router
from warroom.web.security import BodyLimit, SecurityHeaders, content_security_policy

API_PREFIX = "/api/v1"
_LOG = logging.getLogger(__name__)


def create_app(wr: WarRoom) -> FastAPI:
    """The ASGI app serving `wr`. The caller owns `wr` (and migrates its database first)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await wr.bus.start()
        subscription = wr.bus.subscribe(
            wr.city.on_areas_imported, types=[AreasImported.type_name()], name="city-index"  # type: ignore[arg-type]
        )
        try:
            yield
        finally:
            subscription.close()
            await wr.bus.stop()

    app = FastAPI(
        title="warroom",
        version=warroom.__version__,
        description="Open smart-city command center: cameras, city apps, citizen reports, incidents.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.warroom = wr
    app.add_middleware(BodyLimit, limit=wr.settings.server.max_request_bytes)
    app.add_middleware(SecurityHeaders, csp=content_security_policy(wr.settings.map.tile_url))
    install_error_handlers(app)
    for router in (events_router, auth_router, city_router):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(dashboard_router)
    app.mount("/static", StaticFiles(directory=str(resources.files("warroom.web") / "static")), name="static")
    return app

