"""Health and the live event stream (Server-Sent Events) the wall listens to."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent

import warroom
from warroom.auth.deps import Caller, Staff
from warroom.web.deps import Services

router = APIRouter(tags=["system"])


@router.get("/health")
def health(wr: Services, _caller: Caller) -> JSONResponse:
    """Liveness for load balancers and monitors; 503 when the database does not answer."""
    db_ok = wr.db.ping()
    body = {"status": "ok" if db_ok else "degraded", "version": warroom.__version__, "database": "ok" if db_ok else "down"}
    return JSONResponse(body, status_code=200 if db_ok else 503)


@router.get("/events/stream", response_class=EventSourceResponse)
async def event_stream(wr: Services, me: Staff) -> AsyncIterator[ServerSentEvent]:
    """Bus events the caller's role may see, as they happen.

    Each is a plain `message` whose data is the event as JSON (`id`, `type`, `time`, `source`,
    `agency_code`, `payload`), so one `EventSource.onmessage` handler sees every type.
    """
    async for event in wr.bus.stream():
        if event.visible_to(me.role or "", me.agency_code):
            yield ServerSentEvent(raw_data=event.model_dump_json(), id=event.id)
