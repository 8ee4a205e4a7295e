"""HTTP route of the monthly SLA report (JSON, CSV or PDF).

Its own router, included before `apps.api`'s, so `/apps/sla` is matched before `/apps/{app_id}`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from warroom.apps.sla import SlaReport
from warroom.apps.sla_render import filename, to_csv, to_pdf
from warroom.auth.deps import Staff
from warroom.auth.principal import Principal
from warroom.errors import Forbidden
from warroom.web.deps import Services

router = APIRouter(tags=["apps"])
MEDIA = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


@router.get(
    "/apps/sla",
    response_model=SlaReport,
    responses={200: {
        "content": {"text/csv": {}, "application/pdf": {}}, "description": "The report, in the format asked for."
    }},
)
def sla_report(
    wr: Services,
    me: Staff,
    month: Annotated[str, Query(description="Local calendar month, YYYY-MM, e.g. 2026-11")],
    agency: Annotated[str | None, Query(max_length=32, description="Only this agency's apps, e.g. DISKOMINFO")] = None,
    format: Annotated[Literal["json", "csv", "pdf"], Query(description="json, csv or pdf")] = "json",  # noqa: A002
) -> SlaReport | Response:
    """Uptime, outages and minutes down per app and per agency for one month, against the targets
    by criticality. Agency officers get their own agency's report only."""
    report = wr.app_sla.report(month, _scope(me, agency))
    if format == "json":
        return report
    body = to_csv(report).encode("utf-8") if format == "csv" else to_pdf(report)
    return Response(
        body, media_type=MEDIA[format],
        headers={
            "Content-Disposition": f'attachment; filename="{filename(report, format)}"',
            "Cache-Control": "private, no-store",
        },
    )


def _scope(me: Principal, agency: str | None) -> str | None:
    """An agency officer's report is their agency's, whatever they ask for."""
    if me.role != "agency_officer":
        return agency
    if not me.agency_code:
        raise Forbidden("this agency officer is bound to no agency")
    if agency and agency.strip().upper() != (me.agency_code or "").upper():
        raise Forbidden("agency officers may see only their own agency's SLA report")
    return me.agency_code
