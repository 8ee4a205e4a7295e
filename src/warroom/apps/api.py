"""HTTP routes of the apps domain: the portfolio, checks, history and uptime."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from starlette.concurrency import run_in_threadpool

from warroom.apps.schemas import (
    AppIn,
    AppOut,
    AppPage,
    AppPatch,
    AppState,
    AppUptime,
    CheckOut,
    StatusChangeOut,
)
from warroom.apps.overview import AppOverview, LatencyHour, hourly_latency, portfolio_overview
from warroom.apps.service import AppFilter
from warroom.auth.deps import Admin, Operator, Staff
from warroom.web.deps import Services

router = APIRouter(tags=["apps"])


def app_filter(
    agency: Annotated[str | None, Query(max_length=32, description="Owner agency code, e.g. DISKOMINFO")] = None,
    state: AppState | None = None,
    q: Annotated[str | None, Query(max_length=100, description="Text in the name or category")] = None,
    enabled: bool | None = None,
) -> AppFilter:
    return AppFilter(agency=agency, state=state, q=q, enabled=enabled)


Filter = Annotated[AppFilter, Depends(app_filter)]


@router.get("/apps", response_model=AppPage)
def list_apps(
    wr: Services,
    _me: Staff,
    flt: Filter,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AppPage:
    """Apps with their status, filtered and paged (`total` counts all matches)."""
    return wr.apps.list(flt, limit=limit, offset=offset)


@router.get("/apps/overview", response_model=AppOverview)
def apps_overview(
    wr: Services,
    _me: Staff,
    agency: Annotated[str | None, Query(max_length=32, description="Only this agency's apps")] = None,
) -> AppOverview:
    """Every enabled app with state, 24-hour uptime and hourly latency: the wall's "Aplikasi" panel."""
    return portfolio_overview(wr.db, wr.app_rollups, agency=agency)


@router.post("/apps", response_model=AppOut, status_code=status.HTTP_201_CREATED)
def register_app(body: AppIn, wr: Services, me: Admin) -> AppOut:
    """Register an app of an agency with its probes; its status starts as `unknown`."""
    return wr.apps.create(body, actor=me)


@router.get("/apps/{app_id}", response_model=AppOut)
def get_app(app_id: int, wr: Services, _me: Staff) -> AppOut:
    return wr.apps.get(app_id)


@router.patch("/apps/{app_id}", response_model=AppOut)
def update_app(app_id: int, body: AppPatch, wr: Services, me: Admin) -> AppOut:
    return wr.apps.update(app_id, body, actor=me)


@router.delete("/apps/{app_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_app(app_id: int, wr: Services, me: Admin) -> Response:
    wr.apps.delete(app_id, actor=me)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/apps/{app_id}/check", response_model=CheckOut)
async def check_app(app_id: int, wr: Services, me: Operator) -> CheckOut:
    """Check now: this check's verdict (`observed`), the state after retries, and each probe's result."""
    await run_in_threadpool(wr.apps.get, app_id)  # 404 before any work
    await run_in_threadpool(wr.audit.record_now, me, "app.check", target=str(app_id))
    return await wr.app_sweeper.check_now(app_id)


@router.get("/apps/{app_id}/history", response_model=list[StatusChangeOut])
def app_history(
    app_id: int, wr: Services, _me: Staff, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[StatusChangeOut]:
    """State changes, newest first."""
    return wr.apps.history(app_id, limit)


@router.get("/apps/{app_id}/uptime", response_model=AppUptime, response_model_by_alias=True)
def app_uptime(app_id: int, wr: Services, _me: Staff) -> AppUptime:
    """Uptime and latency p50/p95 over the last 24 h / 7 d / 30 d."""
    return wr.apps.uptime(app_id)


@router.get("/apps/{app_id}/latency", response_model=list[LatencyHour])
def app_latency(
    app_id: int, wr: Services, _me: Staff, hours: Annotated[int, Query(ge=1, le=24 * 7)] = 24
) -> list[LatencyHour]:
    """Median latency per clock hour over the last `hours`, oldest first (the app page's chart)."""
    wr.apps.get(app_id)  # 404 for an unknown app
    return hourly_latency(wr.app_rollups, app_id, hours)
