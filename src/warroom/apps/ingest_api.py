"""HTTP routes of the ingest API: app keys, pushes of metrics and events, reading them back, and
the wall's KPI tiles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from pydantic import AwareDatetime

from warroom.apps.ingest_schemas import (
    METRIC_NAME,
    AppEventOut,
    EventIn,
    MetricsIn,
    MetricSummary,
    PushOut,
    SeriesOut,
    TileIn,
    TileOut,
)
from warroom.apps.metric_queries import MIN_STEP_S
from warroom.auth.appkeys import app_scope, scoped_apps
from warroom.auth.deps import Admin, AppPush, Staff
from warroom.auth.principal import Principal
from warroom.auth.schemas import AppKeyCreated, AppKeyIn, AppKeyOut
from warroom.container import WarRoom
from warroom.errors import Forbidden
from warroom.web.deps import Services

router = APIRouter(tags=["apps ingest"])


def pusher(app_id: int, wr: Services, me: AppPush) -> Principal:
    """An admin, or this app's own key; then one push off the caller's rate budget."""
    if me.role != "admin" and app_scope(app_id) not in me.scopes:
        owners = ", ".join(str(a) for a in scoped_apps(me.scopes)) or "none"
        raise Forbidden(
            f"this key belongs to another app (app {owners}); it may push only to its own app, not to app {app_id}"
        )
    wr.app_ingest.check_rate(me)
    return me


Pusher = Annotated[Principal, Depends(pusher)]


async def point_cap(request: Request, wr: Services) -> None:
    """Refuse a push over the point cap before its points are checked one by one: a 1 MiB body of
    tiny bad points would otherwise earn an error listing several megabytes long."""
    try:
        data = await request.json()  # parsed once already for the body; this is the cached copy
    except ValueError:  # not JSON: the body's own validation says so
        return
    points = data.get("points") if isinstance(data, dict) else None
    if isinstance(points, list):
        wr.app_ingest.check_point_count(len(points))


def _may_read(wr: WarRoom, me: Principal, app_id: int) -> None:
    """An agency officer reads only their own agency's apps' metrics and events."""
    app = wr.app_ingest.app(app_id)
    if me.role == "agency_officer" and app.agency_code != me.agency_code:
        raise Forbidden("agency officers may read only their own agency's apps' metrics and events")


# ---- keys ---------------------------------------------------------------------------------


@router.post("/apps/{app_id}/keys", response_model=AppKeyCreated, status_code=status.HTTP_201_CREATED)
def create_app_key(app_id: int, wr: Services, me: Admin, body: AppKeyIn | None = None) -> AppKeyCreated:
    """A key the app pushes with; the key is in this response only (only its hash is stored)."""
    return wr.app_ingest.create_key(app_id, body or AppKeyIn(), actor=me)


@router.get("/apps/{app_id}/keys", response_model=list[AppKeyOut])
def list_app_keys(app_id: int, wr: Services, me: Admin) -> list[AppKeyOut]:
    keys = wr.app_ingest.keys(app_id)
    wr.audit.record_now(me, "appkey.list", target=str(app_id))
    return keys


@router.delete("/apps/{app_id}/keys/{key_id}", response_model=AppKeyOut)
def revoke_app_key(app_id: int, key_id: int, wr: Services, me: Admin) -> AppKeyOut:
    """Revoke at once: the next push with the key gets 401."""
    return wr.app_ingest.revoke_key(key_id, actor=me, app_id=app_id)


# ---- pushes -------------------------------------------------------------------------------


@router.post("/apps/{app_id}/metrics", response_model=PushOut, status_code=status.HTTP_202_ACCEPTED)
def push_metrics(
    app_id: int, body: MetricsIn, response: Response, wr: Services, _me: Pusher, _cap: Annotated[None, Depends(point_cap)]
) -> PushOut:
    """Named numeric values, all or nothing: 202 when stored; 200 with `duplicate` for a repeated `batch_id`."""
    out = wr.app_ingest.push_metrics(app_id, body)
    if out.duplicate:
        response.status_code = status.HTTP_200_OK
    return out


@router.post("/apps/{app_id}/events", response_model=PushOut, status_code=status.HTTP_202_ACCEPTED)
def push_event(app_id: int, body: EventIn, response: Response, wr: Services, _me: Pusher) -> PushOut:
    """One typed event: stored, and sent on the bus as `app.event`; 200 with `duplicate` for a repeated `id`."""
    out = wr.app_ingest.push_event(app_id, body)
    if out.duplicate:
        response.status_code = status.HTTP_200_OK
    return out


# ---- reading ------------------------------------------------------------------------------


@router.get("/apps/{app_id}/metrics", response_model=list[MetricSummary])
def list_metrics(app_id: int, wr: Services, me: Staff) -> list[MetricSummary]:
    """Each metric the app pushed, with its latest value and time and its number of points."""
    _may_read(wr, me, app_id)
    return wr.app_ingest.metrics(app_id)


@router.get("/apps/{app_id}/metrics/{name}", response_model=SeriesOut)
def metric_series(
    app_id: int,
    name: Annotated[str, Path(pattern=METRIC_NAME)],
    wr: Services,
    me: Staff,
    since: Annotated[AwareDatetime | None, Query(description="Default: 24 h before `until`.")] = None,
    until: Annotated[AwareDatetime | None, Query(description="Default: now.")] = None,
    step: Annotated[
        int | None, Query(ge=MIN_STEP_S, le=366 * 86400, description="Seconds per averaged bucket.")
    ] = None,
) -> SeriesOut:
    """A chartable series: raw points, or with `step` one average per bucket (at most 2,000 points)."""
    _may_read(wr, me, app_id)
    return wr.app_ingest.series(app_id, name, since=since, until=until, step=step)


@router.get("/apps/{app_id}/events", response_model=list[AppEventOut])
def list_events(
    app_id: int, wr: Services, me: Staff, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[AppEventOut]:
    """Events the app pushed, newest first."""
    _may_read(wr, me, app_id)
    return wr.app_ingest.events(app_id, limit)


# ---- wall tiles ---------------------------------------------------------------------------


@router.get("/wall/tiles", response_model=list[TileOut])
def list_tiles(wr: Services, me: Staff) -> list[TileOut]:
    """KPI tiles with their current values; an agency officer sees their own agency's tiles."""
    agency = me.agency_code if me.role == "agency_officer" else None
    return wr.wall_tiles.list(agency_code=agency)


@router.post("/wall/tiles", response_model=TileOut, status_code=status.HTTP_201_CREATED)
def create_tile(body: TileIn, wr: Services, me: Admin) -> TileOut:
    return wr.wall_tiles.create(body, actor=me)


@router.delete("/wall/tiles/{tile_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_tile(tile_id: int, wr: Services, me: Admin) -> Response:
    wr.wall_tiles.delete(tile_id, actor=me)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
