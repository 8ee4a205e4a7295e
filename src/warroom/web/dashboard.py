"""The war-room wall at `/` and its login page. The page itself talks to `/api/v1` like any client."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from warroom.auth.deps import authenticate
from warroom.web.deps import Services

templates = Jinja2Templates(directory=str(resources.files("warroom.web") / "templates"))
router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def wall(request: Request, wr: Services) -> Response:
    principal = authenticate(request)
    if not principal.authenticated:
        return RedirectResponse("/login", status_code=303)
    # The page carries the session's CSRF token: no cache may keep it after a sign-out.
    return templates.TemplateResponse(
        request,
        "wall.html",
        {"map": wr.settings.map, "user": principal},
        headers={"Cache-Control": "no-store"},
    )


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, wr: Services) -> Response:
    # Already signed in (a bookmark, the back button): the wall, not a second login.
    if authenticate(request).authenticated:
        return RedirectResponse("/", status_code=303)
    return templates.TemplateResponse(request, "login.html", {"map": wr.settings.map})
