"""The wall's routes for citizen reports: the panel's figures and the map layer's points.

Included before the reports router, whose `/reports/{ticket}` would otherwise take "summary" and
"map" for ticket numbers. Agency officers get their agency's reports only, as everywhere else.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from warroom.auth.deps import Staff
from warroom.auth.principal import Principal
from warroom.reports.summary import ReportsSummary, ReportSummaries
from warroom.web.deps import Services

router = APIRouter(tags=["reports"])


def _scope(me: Principal) -> str | None:
    # An officer without an agency sees nothing rather than everything (`_agency_id` maps "" to none).
    return (me.agency_code or "-") if me.role == "agency_officer" else None


@router.get("/reports/summary", response_model=ReportsSummary)
def reports_summary(wr: Services, me: Staff) -> ReportsSummary:
    """Open reports by status and agency, breaches, within-SLA share and the next deadlines (docs/reports.md)."""
    return ReportSummaries(wr.db).summary(agency_code=_scope(me))


@router.get("/reports/map", response_class=JSONResponse)
def reports_map(wr: Services, me: Staff) -> JSONResponse:
    """Every open report as a GeoJSON point (status, category, deadline, late): the wall's map layer.

    Already plain JSON types: answered as is, without FastAPI's encoder walking thousands of points.
    """
    return JSONResponse(ReportSummaries(wr.db).open_geojson(agency_code=_scope(me)))
