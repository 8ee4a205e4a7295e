"""Health and the live event stream (Server-Sent Events) the wall listens to."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

import warroom
from warroom.auth.deps import Caller, Staff
from warroom.web.deps import Services

router = APIRouter(tags=["system"])
RECHECK_S = 30.0


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
    The first message is a named `ready` event, sent once the subscription exists. The caller's
    credential is checked again every `RECHECK_S` seconds: a wall signed out elsewhere, disabled
    or expired stops receiving events within that time.
    """
    stream = wr.bus.stream()
    try:
        yield ServerSentEvent(event="ready", data={"recheck_s": RECHECK_S})
        checked = time.monotonic()
        while True:
            event = await stream.next(timeout=RECHECK_S)
            if time.monotonic() - checked >= RECHECK_S:
                if not await run_in_threadpool(wr.auth.still_valid, me):
                    return
                checked = time.monotonic()
            if event is not None and event.visible_to(me.role or "", me.agency_code):
                yield ServerSentEvent(raw_data=event.model_dump_json(), id=event.id)
    finally:
        stream.close()
