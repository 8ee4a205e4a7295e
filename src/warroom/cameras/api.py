"""HTTP routes of the cameras domain: registry, health, checks, snapshots."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from warroom.auth.deps import Admin, Operator, Staff
from warroom.auth.principal import Principal
from warroom.cameras.schemas import (
    CameraIn,
    CameraKind,
    CameraOut,
    CameraPage,
    CameraPatch,
    CameraSummary,
    CheckOut,
    HealthChangeOut,
    Uptime,
)
from warroom.cameras.service import CameraFilter
from warroom.errors import Forbidden, InvalidInput
from warroom.web.deps import Services

router = APIRouter(tags=["cameras"])
# A camera wall refreshes each snapshot every ~30 s: one audit row per viewer and camera per window.
SNAPSHOT_VIEW_WINDOW = timedelta(minutes=10)

HealthFilter = Annotated[
    str | None,
    Query(pattern="^(unknown|online|offline|frozen|black|blurred|covered|moved|broken)$",
          description="A health state, or `broken` for any state but online/unknown."),
]


def camera_filter(
    kind: CameraKind | None = None,
    kecamatan: Annotated[str | None, Query(description="Kecamatan code, e.g. 73.71.04")] = None,
    kelurahan: Annotated[str | None, Query(description="Kelurahan code")] = None,
    health: HealthFilter = None,
    q: Annotated[str | None, Query(max_length=100, description="Text in the name or URL")] = None,
    bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat")] = None,
    enabled: bool | None = None,
) -> CameraFilter:
    box = None
    if bbox:
        try:
            min_lon, min_lat, max_lon, max_lat = (float(v) for v in bbox.split(","))
        except ValueError as err:
            raise InvalidInput("bbox must be four numbers: min_lon,min_lat,max_lon,max_lat") from err
        if min_lon > max_lon or min_lat > max_lat:
            raise InvalidInput("bbox must be min_lon,min_lat,max_lon,max_lat with min before max")
        box = (min_lon, min_lat, max_lon, max_lat)
    return CameraFilter(kind=kind, kecamatan=kecamatan, kelurahan=kelurahan, health=health, q=q, bbox=box, enabled=enabled)


Filter = Annotated[CameraFilter, Depends(camera_filter)]


@router.get("/cameras", response_model=CameraPage)
def list_cameras(
    wr: Services,
    _me: Staff,
    flt: Filter,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> CameraPage:
    """Cameras with their health, filtered and paged (`total` counts all matches)."""
    return wr.cameras.list(flt, limit=limit, offset=offset)


@router.get("/cameras.geojson")
def cameras_geojson(wr: Services, _me: Staff, flt: Filter) -> dict[str, Any]:
    """Every matching camera as a GeoJSON point with its health, for the map layer."""
    return wr.cameras.geojson(flt)


@router.get("/cameras/summary", response_model=CameraSummary)
def cameras_summary(wr: Services, _me: Staff) -> CameraSummary:
    """Counts by health state and, worst first, by kecamatan (the wall's KPI tiles)."""
    return wr.cameras.summary()


@router.get("/cameras/sweep")
def sweep_status(wr: Services, _me: Staff) -> dict[str, Any]:
    """The last completed sweep over all cameras: how long it took and how late checks started."""
    last = wr.sweeper.last
    return {"last": None if last is None else asdict(last), "interval_s": wr.settings.cameras.check_interval_s}


@router.post("/cameras", response_model=CameraOut, status_code=status.HTTP_201_CREATED)
def create_camera(body: CameraIn, wr: Services, me: Admin) -> CameraOut:
    """Register a camera; its location must be inside the city (kelurahan/kecamatan are filled in)."""
    return wr.cameras.create(body, actor=me)


@router.get("/cameras/{camera_id}", response_model=CameraOut)
def get_camera(camera_id: int, wr: Services, _me: Staff) -> CameraOut:
    return wr.cameras.get(camera_id)


@router.patch("/cameras/{camera_id}", response_model=CameraOut)
def update_camera(camera_id: int, body: CameraPatch, wr: Services, me: Admin) -> CameraOut:
    return wr.cameras.update(camera_id, body, actor=me)


@router.delete("/cameras/{camera_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_camera(camera_id: int, wr: Services, me: Admin) -> Response:
    wr.cameras.delete(camera_id, actor=me)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/cameras/{camera_id}/check", response_model=CheckOut)
async def check_camera(camera_id: int, wr: Services, me: Operator) -> CheckOut:
    """Check now: this check's verdict (`observed`), the state after hysteresis, and the metrics."""
    await run_in_threadpool(wr.cameras.get, camera_id)  # 404 before any work
    await run_in_threadpool(wr.audit.record_now, me, "camera.check", target=str(camera_id))
    return await wr.sweeper.check_now(camera_id)


@router.get("/cameras/{camera_id}/history", response_model=list[HealthChangeOut])
def camera_history(
    camera_id: int, wr: Services, _me: Staff, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[HealthChangeOut]:
    """Health changes, newest first."""
    return wr.cameras.history(camera_id, limit)


@router.get("/cameras/{camera_id}/uptime", response_model=Uptime, response_model_by_alias=True)
def camera_uptime(camera_id: int, wr: Services, _me: Staff) -> Uptime:
    """Share of the last 24 h / 7 d / 30 d the camera was online."""
    return wr.cameras.uptime(camera_id)


@router.get("/cameras/{camera_id}/snapshot.jpg", response_class=FileResponse)
def camera_snapshot(camera_id: int, wr: Services, me: Staff) -> FileResponse:
    """The latest frame, privacy masks already applied. Views are audited (once per viewer and
    camera every 10 minutes, however often a wall refreshes)."""
    camera = wr.cameras.get(camera_id)
    _may_view(me, camera.agency_code)
    path = wr.cameras.snapshot_file(camera_id)
    wr.audit.record_view(me, "camera.snapshot_view", str(camera_id), within=SNAPSHOT_VIEW_WINDOW)
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})


def _may_view(me: Principal, agency_code: str | None) -> None:
    """Residents are filmed in their alleys: an agency officer sees only their agency's cameras."""
    if me.role == "agency_officer" and agency_code != me.agency_code:
        raise Forbidden("agency officers may view only their own agency's cameras")
