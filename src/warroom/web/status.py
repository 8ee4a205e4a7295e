"""The public status page (`/status`, `/status/{agency}`, `/status.json`) and its notices API.

No login: these pages are for residents and the agencies' own users. They show only what
`apps.status_page` builds (names, states, uptime, outages in plain words, operator notices),
rendered on the server in one language (`?lang=en`), without JavaScript, and kept rendered and
compressed in the status page's 15-second cache, so a crowd refreshing during an outage is
served from memory.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, status
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from warroom.apps.status_schemas import NoticeIn, NoticeOut, NoticePatch, PublicStatus
from warroom.auth.deps import Operator, Staff
from warroom.container import WarRoom
from warroom.errors import NotFound
from warroom.web.dashboard import templates
from warroom.web.deps import Services
from warroom.web.status_text import Words, band, pick_language

router = APIRouter(tags=["status page"])
api_router = APIRouter(tags=["status page"])
AgencyCode = Annotated[str, Path(description="e.g. BAPENDA; any other text gets the friendly 404 page")]
Lang = Annotated[str | None, Query(max_length=8, description="id (default) or en")]
# Shared caches (a city's proxy, the browser) may keep the page as long as we do.
CACHE_CONTROL = "public, max-age=15"


def _accepts_gzip(request: Request) -> bool:
    for part in request.headers.get("accept-encoding", "").lower().split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0")
    return False


def _send(
    request: Request, wr: WarRoom, key: tuple[Any, ...], media: str, render: Callable[[], bytes]
) -> Response:
    """The rendered body from the cache, gzipped for clients that accept it (a phone on 3G)."""
    packed = _accepts_gzip(request)

    def make() -> bytes:
        body = render()
        return gzip.compress(body, 6) if packed else body

    body = wr.status_page.cached((*key, packed), make)
    headers = {"Cache-Control": CACHE_CONTROL, "Vary": "Accept-Encoding"}
    if packed:
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=media, headers=headers)


def _render(wr: WarRoom, template: str, lang: str, zone_label: str, **context: Any) -> bytes:
    words = Words(lang, wr.status_page.zone, zone_label)
    return templates.get_template(template).render(lang=lang, w=words, t=words.t, band=band, **context).encode()


def _page(request: Request, wr: WarRoom, code: str | None, asked: str | None) -> Response:
    lang = pick_language(asked, wr.settings.map.default_language)
    try:
        content = wr.status_page.public(code)
    except NotFound:
        # Not cached: made-up codes must not fill the cache.
        body = _render(wr, "status_missing.html", lang, "", code=(code or "")[:64])
        return Response(body, status_code=status.HTTP_404_NOT_FOUND, media_type="text/html")
    key = ("html", content.agency_code, lang, content.generated_at)
    return _send(
        request, wr, key, "text/html",
        lambda: _render(wr, "status.html", lang, content.zone_label, s=content),
    )


@router.get("/status", response_class=HTMLResponse, include_in_schema=False)
async def city_status(request: Request, wr: Services, lang: Lang = None) -> Response:
    """Every listed app of the city, grouped by agency."""
    return await run_in_threadpool(_page, request, wr, None, lang)


@router.get("/status.json", response_model=PublicStatus)
async def status_json(
    request: Request,
    wr: Services,
    agency: Annotated[str | None, Query(max_length=64, description="One agency's code")] = None,
) -> Response:
    """The public status page as JSON, for other sites: the same content, nothing internal."""
    content = await run_in_threadpool(wr.status_page.public, agency)
    key = ("json", content.agency_code, content.generated_at)
    return await run_in_threadpool(
        _send, request, wr, key, "application/json", lambda: content.model_dump_json().encode()
    )


@router.get("/status/{agency_code}", response_class=HTMLResponse, include_in_schema=False)
async def agency_status(agency_code: AgencyCode, request: Request, wr: Services, lang: Lang = None) -> Response:
    """One agency's listed apps; an unknown code gets a friendly 404 page."""
    return await run_in_threadpool(_page, request, wr, agency_code, lang)


# ---- notices: written by operators, read by staff (the public sees them on the page) ---------


@api_router.get("/status/notices", response_model=list[NoticeOut])
def list_notices(
    wr: Services,
    _me: Staff,
    active: Annotated[bool | None, Query(description="true: not resolved; false: resolved only")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[NoticeOut]:
    """Notices newest first, with who wrote them."""
    return wr.status_page.notices.list(active=active, limit=limit)


@api_router.post("/status/notices", response_model=NoticeOut, status_code=status.HTTP_201_CREATED)
def create_notice(body: NoticeIn, wr: Services, me: Operator) -> NoticeOut:
    """Publish a notice on the status page, about an app, an agency or (neither) the whole city."""
    return wr.status_page.notices.create(body, actor=me)


@api_router.patch("/status/notices/{notice_id}", response_model=NoticeOut)
def update_notice(notice_id: int, body: NoticePatch, wr: Services, me: Operator) -> NoticeOut:
    """Change its text or state; `resolved` moves it to the page's history."""
    return wr.status_page.notices.update(notice_id, body, actor=me)
