"""The public report pages ("Sombere"): the form at `/lapor`, tracking at `/lapor/{ticket}` (and
the look-up at `/lapor/lacak`), the map of open reports at `/lapor/peta` with its
`/lapor/peta.json`, the base map `/lapor/wilayah.json`, and the photos.

No login, no framework: plain HTML rendered on the server in one language (`?lang=en`), one small
stylesheet, and two small script modules that only add the map pin, "use my location" and the map
of open reports. The form works without JavaScript (latitude and longitude fields), and every page
is usable on a cheap phone over a slow link.

Cross-site posting: the form is anonymous, so there is no session to protect, but another site
must not make its visitors' browsers file reports (spam from thousands of addresses, past the
per-address rate limit). The form carries a random token twice, in a `SameSite=Lax` cookie and a
hidden field ("double submit"); a post whose two copies differ is refused and the form comes back
with its input kept. Another site can neither read the cookie nor make the browser send it with
a cross-site POST. Chosen over checking `Origin` because it needs no knowledge of the public
host name behind a proxy and works the same in browsers that omit the header.
"""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, status
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from warroom.apps.status_page import zone_label
from warroom.auth.deps import authenticate, client_ip
from warroom.config import Settings
from warroom.container import WarRoom
from warroom.db import utcnow
from warroom.errors import NotFound, RateLimited
from warroom.reports.photos import PhotoUpload
from warroom.reports.schemas import CategoryOut
from warroom.web.dashboard import templates
from warroom.web.deps import Services
from warroom.web.report_form import CSRF_FIELD, FormInput, file_report, form_groups
from warroom.web.report_text import ReportWords
from warroom.web.status_text import pick_language

router = APIRouter(include_in_schema=False)
FORM_PATH = "/lapor"
CSRF_COOKIE = "warroom_lapor"
FORM_OVERHEAD = 256 * 1024  # the text fields and multipart framing around the photos
TRACK_CACHE = "public, max-age=15"
MAP_CACHE = "public, max-age=30"
PHOTO_CACHE = "public, max-age=3600"
LIST_LIMIT = 100
_TICKET = re.compile(r"^[A-Z]{2,8}-\d{1,12}$")
Lang = Annotated[str | None, Query(max_length=8, description="id (default) or en")]


def form_body_limit(settings: Settings) -> int:
    """The largest form post accepted: every photo at its limit, plus the text around them."""
    r = settings.reports
    return max(settings.server.max_request_bytes, r.photos_per_report * r.photo_max_bytes + FORM_OVERHEAD)


# ---- rendering ---------------------------------------------------------------------------------


def _words(wr: WarRoom, lang: str) -> ReportWords:
    zone = wr.settings.cameras.timezone
    return ReportWords(lang, wr.reports_public.zone, zone_label(zone))


def _render(
    request: Request, wr: WarRoom, template: str, lang: str, *, status_code: int = 200,
    headers: dict[str, str] | None = None, **context: Any,
) -> HTMLResponse:
    words = _words(wr, lang)
    city = wr.city.city()
    box = city.view_bbox or city.bbox  # where the pages' maps open
    body = templates.get_template(template).render(
        request=request, lang=lang, w=words, t=words.t, city=city.name if city.bbox else None,
        map=wr.settings.map, view_bbox=",".join(f"{v:.5f}" for v in box) if box else "", **context,
    )
    return HTMLResponse(body, status_code=status_code, headers=headers)


def _lang(asked: str | None, wr: WarRoom) -> str:
    return pick_language(asked, wr.settings.map.default_language)


def _example(wr: WarRoom) -> str:
    return f"{wr.settings.reports.ticket_prefix}-000123"


# ---- the form ----------------------------------------------------------------------------------


def _csrf(request: Request) -> str:
    token = request.cookies.get(CSRF_COOKIE, "")
    return token if re.fullmatch(r"[A-Za-z0-9_-]{20,64}", token) else secrets.token_urlsafe(24)


def _form_page(
    request: Request, wr: WarRoom, lang: str, filled: FormInput, *, errors: dict[str, str] | None = None,
    status_code: int = 200, top: str | None = None,
) -> HTMLResponse:
    token = _csrf(request)
    categories = wr.reports_public.categories()
    limits = wr.settings.reports
    response = _render(
        request, wr, "report_form.html", lang, status_code=status_code,
        headers={"Cache-Control": "no-store"},  # it carries this visitor's form token
        page="form", groups=form_groups(categories, lang), emergencies=[c for c in categories if c.emergency],
        filled=filled, errors=errors or {}, top=top, csrf=token, csrf_field=CSRF_FIELD,
        photo_count=limits.photos_per_report, photo_max_bytes=limits.photo_max_bytes,
        photo_size=_megabytes(limits.photo_max_bytes), zone=zone_label(wr.settings.cameras.timezone),
    )
    response.set_cookie(
        CSRF_COOKIE, token, path=FORM_PATH, httponly=True, samesite="lax", secure=wr.settings.server.cookie_secure,
    )
    return response


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


@router.get(FORM_PATH, response_class=HTMLResponse)
def form(request: Request, wr: Services, lang: Lang = None) -> Response:
    """The report form: works as plain HTML; the map pin and "use my location" need script."""
    return _form_page(request, wr, _lang(lang, wr), FormInput())


@router.post(FORM_PATH, response_class=HTMLResponse)
async def submit(request: Request, wr: Services) -> Response:
    """File the form's report, then send the browser to its tracking page (303).

    Errors come back as the form with every field kept (photos must be chosen again), 422;
    over the per-address rate limit a 429 page; a wrong form token the form again, 403. Only
    reading the post is async; the rest (database, photos) runs in the thread pool.
    """
    lang = _lang(request.query_params.get("lang"), wr)
    refused = await run_in_threadpool(_over_rate, request, wr, lang)
    if refused is not None:
        return refused
    limits = wr.settings.reports
    try:
        form_data = await request.form(max_files=limits.photos_per_report + 2, max_fields=200, max_part_size=64 * 1024)
    except HTTPException as err:  # over the body limit while reading (413), or not multipart (400)
        status = err.status_code
        key = "err.upload_too_large" if status == 413 else "err.upload_bad"
        top = _words(wr, lang).t(key, size=_megabytes(form_body_limit(wr.settings)))
        return await run_in_threadpool(
            lambda: _form_page(request, wr, lang, FormInput(), status_code=status, top=top)
        )
    try:
        return await run_in_threadpool(_file, request, wr, form_data)
    finally:
        await form_data.close()  # the spooled photo files


def _over_rate(request: Request, wr: WarRoom, lang: str) -> Response | None:
    """The 429 page when this address posted too often (every post counts, refused ones too)."""
    try:
        wr.reports_public.check_rate(client_ip(request))
    except RateLimited as err:
        words = _words(wr, lang)
        return _render(
            request, wr, "report_message.html", lang, status_code=429,
            headers={"Retry-After": str(err.retry_after_s), "Cache-Control": "no-store"},
            page="rate", title=words.t("rate.title"), text=words.t("rate.text", seconds=err.retry_after_s), back=True,
        )
    return None


def _file(request: Request, wr: WarRoom, form_data: FormData) -> Response:
    lang = _lang(str(form_data.get("lang") or request.query_params.get("lang") or ""), wr)
    words = _words(wr, lang)
    filled = FormInput.read(form_data)
    sent = str(form_data.get(CSRF_FIELD) or "")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not sent or not cookie or not hmac.compare_digest(sent.encode(), cookie.encode()):
        return _form_page(request, wr, lang, filled, status_code=status.HTTP_403_FORBIDDEN, top=words.t("err.csrf"))
    uploads = [
        PhotoUpload(stream=item.file, filename=item.filename)
        for item in form_data.getlist("photo")
        if isinstance(item, UploadFile) and (item.filename or item.size)
    ]
    outcome = file_report(wr, filled, uploads, words=words, actor=authenticate(request))
    if outcome.errors or outcome.top:
        return _form_page(request, wr, lang, filled, errors=outcome.errors, top=outcome.top, status_code=422)
    assert outcome.ticket is not None
    suffix = "&lang=en" if lang == "en" else ""
    return RedirectResponse(f"{FORM_PATH}/{outcome.ticket}?baru=1{suffix}", status_code=status.HTTP_303_SEE_OTHER)


# ---- tracking ----------------------------------------------------------------------------------


@router.get(f"{FORM_PATH}/lacak", response_class=HTMLResponse)
def lookup(request: Request, wr: Services, tiket: Annotated[str | None, Query(max_length=64)] = None,
           lang: Lang = None) -> Response:
    """A ticket number typed in (any case, with spaces) goes to its tracking page."""
    lang = _lang(lang, wr)
    if tiket and tiket.strip():
        ticket = re.sub(r"\s+", "", tiket).upper()
        suffix = "?lang=en" if lang == "en" else ""
        return RedirectResponse(f"{FORM_PATH}/{ticket}{suffix}", status_code=status.HTTP_303_SEE_OTHER)
    return _render(request, wr, "report_lookup.html", lang, page="track", example=_example(wr), missing=None)


# ---- the public map ----------------------------------------------------------------------------


def _gzip_ok(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "").lower()


def _json(request: Request, plain: bytes, packed: bytes, cache: str) -> Response:
    headers = {"Cache-Control": cache, "Vary": "Accept-Encoding"}
    if _gzip_ok(request):
        headers["Content-Encoding"] = "gzip"
        return Response(packed, media_type="application/geo+json", headers=headers)
    return Response(plain, media_type="application/geo+json", headers=headers)


@router.get(f"{FORM_PATH}/peta.json")
def map_json(request: Request, wr: Services) -> Response:
    """Open reports as GeoJSON points: ticket, category, status, kecamatan, date. Nothing else."""
    data = wr.reports_public.open_map()
    return _json(request, data.geojson, data.geojson_gz, MAP_CACHE)


@router.get(f"{FORM_PATH}/wilayah.json")
def areas_json(request: Request, wr: Services) -> Response:
    """The kecamatan boundaries: the pages' base map when no tile server is configured."""
    plain, packed = wr.reports_public.areas()
    return _json(request, plain, packed, "public, max-age=3600")


@router.get(f"{FORM_PATH}/peta", response_class=HTMLResponse)
def map_page(
    request: Request, wr: Services, lang: Lang = None,
    kecamatan: Annotated[str | None, Query(max_length=64)] = None,
    kategori: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The map of open reports, with the same reports as a plain list (all there is without script)."""
    lang = _lang(lang, wr)
    data = wr.reports_public.open_map()
    rows = [
        r for r in data.reports
        if (not kecamatan or (r.kecamatan and r.kecamatan.code == kecamatan))
        and (not kategori or r.service_code == kategori)
    ]
    areas = sorted({(r.kecamatan.code, r.kecamatan.name) for r in data.reports if r.kecamatan}, key=lambda a: a[1])
    words = _words(wr, lang)
    statuses = {s: words.t(f"status.{s}") for s in ("received", "verified", "dispatched", "in_progress")}
    return _render(
        request, wr, "report_map.html", lang, headers={"Cache-Control": MAP_CACHE},
        page="map", rows=rows[:LIST_LIMIT], matching=len(rows), total=len(data.reports), capped=data.capped,
        areas=areas, categories=form_groups(wr.reports_public.categories(), lang),
        chosen_kecamatan=kecamatan or "", chosen_category=kategori or "", statuses=statuses,
    )


# ---- photos and tracking (after the fixed paths above: these have a variable part) -------------

# The address `reports.reading.photo_url` gives photos in `PublicReport.photos`.
@router.get(f"{FORM_PATH}/{{ticket}}/foto/{{photo_id}}", response_class=FileResponse)
def photo(ticket: str, photo_id: int, wr: Services) -> Response:
    """A report's photo as re-encoded on arrival (JPEG, no metadata); not for reports rejected as spam."""
    path = wr.report_photos.public_file(photo_id, ticket=ticket)
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": PHOTO_CACHE})


@router.get(f"{FORM_PATH}/{{ticket}}", response_class=HTMLResponse)
def track(
    request: Request, wr: Services,
    ticket: Annotated[str, Path(max_length=64)],
    lang: Lang = None,
    baru: Annotated[int, Query(ge=0, le=1, description="1 right after filing: a thank-you line")] = 0,
) -> Response:
    """Where a report stands, in words; an unknown ticket gets a friendly 404 with the look-up."""
    lang = _lang(lang, wr)
    try:
        if not _TICKET.fullmatch(ticket):
            raise NotFound(ticket)
        found = wr.reports_public.track(ticket)
    except NotFound:
        return _render(
            request, wr, "report_lookup.html", lang, status_code=404, page="track", example=_example(wr),
            missing=ticket[:32],
        )
    return _render(
        request, wr, "report_track.html", lang, headers={"Cache-Control": "no-store" if baru else TRACK_CACHE},
        page="track", r=found.report, master=found.master, category=_category_text(found.category, lang),
        emergency=found.category.emergency if found.category else False,
        notice=found.category.notice if found.category else None, new=bool(baru), now=utcnow(),
    )


def _category_text(category: CategoryOut | None, lang: str) -> str | None:
    if category is None:
        return None
    return category.name_en if lang == "en" and category.name_en else category.name
