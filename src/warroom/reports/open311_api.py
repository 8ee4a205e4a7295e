"""Open311 GeoReport v2 at `/open311/v2/`: discovery, services, service definitions, filing and
reading requests, tokens; every resource as `.json` and `.xml`.

It is its own small ASGI app mounted by `app.py` (not a router under `/api/v1`) because every
answer under this prefix, including 404 for an unknown path, 405, a malformed form and a crash,
must come in the spec's error shape `[{"code", "description"}]` rather than the product's
`{"error": ...}`; a mounted app has its own exception handlers, so neither shape leaks into
the other. Thin on purpose: filing and reading go through `wr.reports` and `wr.report_catalog`;
the wire format is `reports.open311`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from limits import parse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from warroom.auth.principal import Principal
from warroom.container import WarRoom
from warroom.db import utcnow
from warroom.errors import WarroomError
from warroom.ratelimit import RateLimiter
from warroom.reports.open311 import (
    MAX_RESULTS,
    MEDIA_TYPES,
    Open311Error,
    WireCreated,
    WireDiscovery,
    WireEndpoint,
    WireToken,
    render,
    render_error,
    w3,
    wire_created,
    wire_definition,
    wire_request,
    wire_service,
)
from warroom.reports.open311_forms import PostForm, read_form, report_in, request_query
from warroom.reports.schemas import PublicReport

OPEN311_PREFIX = "/open311/v2"
OPEN311_SCOPE = "open311"
# Keys are for servers relaying many residents (an app's backend, FixMyStreet): they get this
# many times the per-address budget, counted per key rather than per address.
KEY_RATE_FACTOR = 10
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
_LOG = logging.getLogger(__name__)

router = APIRouter()


@dataclass(frozen=True)
class Open311Context:
    """Per server: the post budgets, the city's zone and when this configuration took effect."""

    per_address: RateLimiter
    per_key: RateLimiter
    zone: ZoneInfo
    changeset: str


def open311_app(wr: WarRoom) -> FastAPI:
    """The Open311 app for `wr`, to mount at `OPEN311_PREFIX`."""
    cfg = wr.settings.reports
    storage = wr.settings.apps.rate_limit_storage
    item = parse(cfg.post_rate_limit)  # checked by the settings already
    key_rate = f"{item.amount * KEY_RATE_FACTOR} per {item.multiples} {item.GRANULARITY.name}"
    zone = ZoneInfo(wr.settings.cameras.timezone)
    app = FastAPI(title="warroom Open311 GeoReport v2", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.warroom = wr
    app.state.open311 = Open311Context(
        per_address=RateLimiter(cfg.post_rate_limit, storage, what="reports from this address",
                                setting="apps.rate_limit_storage"),
        per_key=RateLimiter(key_rate, storage, what="reports with this api_key", setting="apps.rate_limit_storage"),
        zone=zone,
        changeset=w3(utcnow(), zone),
    )
    app.include_router(router)
    _install_error_handlers(app)
    return app


def _wr(request: Request) -> WarRoom:
    return request.app.state.warroom


def _ctx(request: Request) -> Open311Context:
    return request.app.state.open311


def _fmt(fmt: str) -> str:
    if fmt not in MEDIA_TYPES:
        raise Open311Error(404, f"no format {fmt[:20]!r}: ask for .json or .xml")
    return fmt


def _jurisdiction(wr: WarRoom, given: str | None) -> None:
    """One jurisdiction is served, so the parameter is optional; a wrong one is a 404 (spec)."""
    served = wr.settings.reports.jurisdiction_id
    if given and given.strip() and given.strip().lower() != served.lower():
        raise Open311Error(404, f"jurisdiction_id {given[:100]!r} not found; this server serves {served!r}")


def _base_url(wr: WarRoom, request: Request) -> str:
    configured = wr.settings.reports.public_base_url
    if configured:
        return configured.rstrip("/")
    return f"{request.url.scheme}://{request.url.netloc}"


def _query_jurisdiction(request: Request) -> None:
    _jurisdiction(_wr(request), request.query_params.get("jurisdiction_id"))


# ---- discovery and services ------------------------------------------------------------------


@router.get("/discovery.{fmt}")
def discovery(fmt: str, request: Request) -> Response:
    """Where the API is, which spec and formats it speaks, and where keys come from."""
    fmt = _fmt(fmt)
    wr, ctx = _wr(request), _ctx(request)
    jurisdiction = wr.settings.reports.jurisdiction_id
    doc = WireDiscovery(
        changeset=ctx.changeset,
        contact=f"Open311 GeoReport v2 for {jurisdiction}, served by the city's war room (warroom).",
        key_service="Reading needs no key. To file reports, ask the city's war room administrators for an "
        "API key with the open311 scope.",
        endpoints=[WireEndpoint(url=_base_url(wr, request) + OPEN311_PREFIX, changeset=ctx.changeset)],
    )
    return render(fmt, doc, root="discovery")


@router.get("/services.{fmt}")
def services(fmt: str, request: Request) -> Response:
    """Every active category: what residents can report (metadata true: it has attributes)."""
    fmt = _fmt(fmt)
    _query_jurisdiction(request)
    listed = [wire_service(c) for c in _wr(request).report_catalog.list(active_only=True)]
    return render(fmt, listed, root="services", item="service")


@router.get("/services/{service_code}.{fmt}")
def service_definition(service_code: str, fmt: str, request: Request) -> Response:
    """A category's attributes (the extra questions), with their datatypes and allowed values."""
    fmt = _fmt(fmt)
    _query_jurisdiction(request)
    category = _wr(request).report_catalog.get(service_code)
    if not category.active:
        raise Open311Error(404, f"service_code {service_code!r} is no longer offered")
    return render(fmt, wire_definition(category), root="service_definition")


# ---- filing a request ----------------------------------------------------------------------


@router.post("/requests.{fmt}")
async def post_request(fmt: str, request: Request) -> Response:
    """File one report: form-encoded (or multipart), `api_key` with the open311 scope required.

    The answer carries the service_request_id at once (every service is `realtime`)."""
    fmt = _fmt(fmt)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in FORM_TYPES:
        raise Open311Error(
            400, "send the request as application/x-www-form-urlencoded (or multipart/form-data), "
            f"not {content_type[:60] or 'an untyped body'!r}"
        )
    async with request.form() as form:
        post = read_form(form.multi_items())
    ip = request.client.host if request.client else None
    created = await run_in_threadpool(_file, _wr(request), _ctx(request), post, ip)
    return render(fmt, [created], root="service_requests", item="request")


def _caller(wr: WarRoom, ctx: Open311Context, api_key: str | None, ip: str | None) -> Principal:
    """The key's principal, after one post off its budget. A post without a usable key counts
    against its address instead, so guessing keys from one address soon meets a 429."""
    principal = wr.auth.resolve(api_key, ip) if api_key else None
    usable = principal is not None and principal.via == "apikey" and OPEN311_SCOPE in principal.scopes
    if principal is None or not usable:
        ctx.per_address.hit(ip or "unknown")
        if api_key is None:
            raise Open311Error(403, "api_key was not provided; ask the city's war room for an Open311 API key")
        if principal is None:
            raise Open311Error(403, "Invalid api_key received: it is unknown, expired or revoked")
        raise Open311Error(403, f"this api_key may not file reports: it lacks the {OPEN311_SCOPE} scope")
    ctx.per_key.hit(f"key:{principal.credential_id}")
    return principal


def _file(wr: WarRoom, ctx: Open311Context, post: PostForm, ip: str | None) -> WireCreated:
    principal = _caller(wr, ctx, post.api_key, ip)
    _jurisdiction(wr, post.fields.get("jurisdiction_id"))
    data = report_in(post)
    client = principal.name.removeprefix("apikey:")
    created = wr.reports.create(data, source="open311", client=client, actor=principal)
    return wire_created(created, data.reporter.account_id, ctx.zone)


# ---- reading requests ----------------------------------------------------------------------


def _notices(wr: WarRoom) -> dict[str, str | None]:
    return {c.code: c.notice for c in wr.report_catalog.list(active_only=False)}


def _listing(fmt: str, request: Request, reports: list[PublicReport]) -> Response:
    wr = _wr(request)
    notices, base, zone = _notices(wr), _base_url(wr, request), _ctx(request).zone
    wired = [wire_request(r, notice=notices.get(r.service_code), base_url=base, zone=zone) for r in reports]
    return render(fmt, wired, root="service_requests", item="request")


@router.get("/requests.{fmt}")
def get_requests(fmt: str, request: Request) -> Response:
    """Reports newest first: by id list (overrides the rest), or by service_code, status and a
    window of at most 90 days (default: the last 90 days); at most 1,000."""
    fmt = _fmt(fmt)
    _query_jurisdiction(request)
    wr = _wr(request)
    params = {key: request.query_params.getlist(key) for key in request.query_params}
    query = request_query(params, utcnow())
    if query.tickets is not None:
        reports = wr.reports.public_list(
            tickets=query.tickets, service_code=None, start=None, end=None, open311_status=None, limit=MAX_RESULTS
        )
        return _listing(fmt, request, reports)
    codes: list[str | None] = [None]
    if query.service_codes:
        known = {c.code for c in wr.report_catalog.list(active_only=False)}
        codes = [c for c in query.service_codes if c in known]  # an unknown code matches nothing
    reports = []
    for code in codes:
        reports += wr.reports.public_list(
            tickets=None, service_code=code, start=query.start, end=query.end, open311_status=query.status,
            limit=MAX_RESULTS,
        )
    if len(codes) > 1:
        reports.sort(key=lambda r: (r.requested_at, r.ticket), reverse=True)
    return _listing(fmt, request, reports[:MAX_RESULTS])


@router.get("/requests/{service_request_id}.{fmt}")
def get_request(service_request_id: str, fmt: str, request: Request) -> Response:
    """One report, as a list of one (the spec's shape)."""
    fmt = _fmt(fmt)
    _query_jurisdiction(request)
    return _listing(fmt, request, [_wr(request).reports.get_public(service_request_id)])


@router.get("/tokens/{token}.{fmt}")
def get_token(token: str, fmt: str, request: Request) -> Response:
    """The service_request_id for a token. Posts return the id at once, so this is only for
    clients written for `batch` servers."""
    fmt = _fmt(fmt)
    _query_jurisdiction(request)
    ticket = _wr(request).reports.ticket_for_token(token)
    if ticket is None:
        raise Open311Error(404, "token not found")
    return render(fmt, [WireToken(service_request_id=ticket, token=token)], root="service_requests", item="request")


# ---- errors, all in the spec's shape -------------------------------------------------------


def _error_format(request: Request) -> str:
    return "xml" if request.url.path.endswith(".xml") else "json"


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Open311Error)
    async def _open311(request: Request, exc: Open311Error) -> Response:
        return render_error(_error_format(request), exc)

    @app.exception_handler(WarroomError)
    async def _warroom(request: Request, exc: WarroomError) -> Response:
        return render_error(_error_format(request), Open311Error.from_warroom(exc))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            message = f"no such Open311 resource: {request.method} {request.url.path[:200]}"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path[:200]}"
        else:
            message = exc.detail if isinstance(exc.detail, str) else "the request could not be read"
        return render_error(_error_format(request), Open311Error(exc.status_code, message))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()][:10]
        return render_error(_error_format(request), Open311Error(400, *problems))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        _LOG.exception("unhandled error on %s %s", request.method, request.url.path)
        return render_error(_error_format(request), Open311Error(500, "the server failed on this request; the error is in its log"))

