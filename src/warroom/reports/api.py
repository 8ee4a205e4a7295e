"""Staff routes of citizen reports: the queue, one report, changes and merges, the catalog, rules.

Residents and Open311 clients use `/open311/v2` and the public pages, never these. Agency
officers reach the queue and changes too, but the service narrows them to their own agency.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response, status

from warroom.auth.deps import Access, Admin, Operator, Staff
from warroom.auth.principal import Principal
from warroom.errors import InvalidInput
from warroom.reports.reading import ReportFilter
from warroom.reports.schemas import (
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    MergeIn,
    ReportChange,
    ReportOut,
    ReportPage,
    ReportStatus,
    RuleIn,
    RuleOut,
)
from warroom.web.deps import Services

router = APIRouter(tags=["reports"])

# Who may act on a report: operators on any, agency officers on their own agency's (the service checks).
REPORT_ACTORS = Access({"admin", "operator", "agency_officer"})
ReportActor = Annotated[Principal, Depends(REPORT_ACTORS)]


def report_filter(
    status: Annotated[ReportStatus | Literal["open", "closed"] | None, Query(description="A status, or open/closed")] = None,
    agency: Annotated[str | None, Query(max_length=32, description="Agency code, e.g. DISPU")] = None,
    kecamatan: Annotated[str | None, Query(max_length=32, description="Kecamatan code")] = None,
    category: Annotated[str | None, Query(max_length=32, description="Category (service) code")] = None,
    breached: Annotated[bool | None, Query(description="true: missed a deadline; false: none missed")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Text in the ticket, description or address")] = None,
    bbox: Annotated[str | None, Query(max_length=100, description="min_lon,min_lat,max_lon,max_lat")] = None,
) -> ReportFilter:
    box = None
    if bbox:
        try:
            box = tuple(float(x) for x in bbox.split(","))
        except ValueError:
            box = ()
        if len(box) != 4 or box[0] > box[2] or box[1] > box[3]:
            raise InvalidInput("bbox is min_lon,min_lat,max_lon,max_lat: four numbers, minimums first")
    return ReportFilter(status=status, agency=agency, kecamatan=kecamatan, category=category, breached=breached,
                        q=q, bbox=box)  # type: ignore[arg-type]


Filter = Annotated[ReportFilter, Depends(report_filter)]


@router.get("/reports", response_model=ReportPage)
def list_reports(
    wr: Services,
    me: Staff,
    flt: Filter,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ReportPage:
    """Reports newest first, filtered and paged; an agency officer sees only their agency's."""
    return wr.reports.list(flt, principal=me, limit=limit, offset=offset)


@router.get("/reports/{ticket}", response_model=ReportOut)
def get_report(ticket: str, wr: Services, me: Staff) -> ReportOut:
    """One report with its reporter, every note and its deadlines (officers: their agency's only, else 404)."""
    return wr.reports.get(ticket, principal=me)


@router.patch("/reports/{ticket}", response_model=ReportOut)
def change_report(ticket: str, body: ReportChange, wr: Services, me: ReportActor) -> ReportOut:
    """Move a report on (status), hand it to another agency (operators only), and/or add a note."""
    return wr.reports.change(ticket, body, actor=me)


@router.post("/reports/{ticket}/merge", response_model=ReportOut)
def merge_report(ticket: str, body: MergeIn, wr: Services, me: Operator) -> ReportOut:
    """Fold a duplicate into another report: its reporter then follows that one."""
    return wr.reports.merge(ticket, body.into, actor=me)


@router.get("/report-categories", response_model=list[CategoryOut])
def list_categories(
    wr: Services, _me: Staff, active_only: Annotated[bool, Query(description="Leave out retired ones")] = False
) -> list[CategoryOut]:
    return wr.report_catalog.list(active_only=active_only)


@router.post("/report-categories", response_model=CategoryOut, status_code=status.HTTP_201_CREATED)
def create_category(body: CategoryIn, wr: Services, me: Admin) -> CategoryOut:
    """A new kind of report (an Open311 service), bound to an agency and its deadlines."""
    return wr.report_catalog.create(body, me)


@router.patch("/report-categories/{code}", response_model=CategoryOut)
def update_category(code: str, body: CategoryPatch, wr: Services, me: Admin) -> CategoryOut:
    """Change a category; `"active": false` retires it (its reports stay)."""
    return wr.report_catalog.update(code, body, me)


@router.get("/report-rules", response_model=list[RuleOut])
def list_rules(wr: Services, _me: Admin) -> list[RuleOut]:
    return wr.report_catalog.rules()


@router.post("/report-rules", response_model=RuleOut, status_code=status.HTTP_201_CREATED)
def add_rule(body: RuleIn, wr: Services, me: Admin) -> RuleOut:
    """Send a category's (or every) report from a kecamatan to another agency than the category's."""
    return wr.report_catalog.add_rule(body, me)


@router.delete("/report-rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_rule(rule_id: int, wr: Services, me: Admin) -> Response:
    wr.report_catalog.delete_rule(rule_id, me)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
