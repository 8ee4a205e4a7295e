"""The war-room pages: the wall at `/`, the camera wall at `/cameras`, one camera at `/cameras/{id}`,
the apps at `/apps`, one app at `/apps/{id}`, and the login page. The pages themselves talk to `/api/v1` like any client."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from warroom.auth.deps import authenticate
from warroom.cameras.health import HEALTH_STATES
from warroom.web.deps import Services

templates = Jinja2Templates(directory=str(resources.files("warroom.web") / "templates"))
router = APIRouter(include_in_schema=False)

# The order of the health filters and legends: online first, unknown (never checked) last.
CAMERA_STATES = (*(s for s in HEALTH_STATES if s != "unknown"), "unknown")
APP_STATES = ("down", "degraded", "maintenance", "unknown", "up")
# Roles whose "Check now" the API accepts (POST /api/v1/cameras/{id}/check and /apps/{id}/check).
CHECK_ROLES = frozenset({"admin", "operator"})


def _page(request: Request, wr: Services, template: str, **context: Any) -> Response:
    """A signed-in page, or the login page for a signed-out visitor."""
    principal = authenticate(request)
    if not principal.authenticated:
        return RedirectResponse("/login", status_code=303)
    # The page carries the session's CSRF token: no cache may keep it after a sign-out.
    return templates.TemplateResponse(
        request,
        template,
        {"map": wr.settings.map, "user": principal, "camera_states": CAMERA_STATES, **context},
        headers={"Cache-Control": "no-store"},
    )


@router.get("/", response_class=HTMLResponse)
def wall(request: Request, wr: Services) -> Response:
    return _page(request, wr, "wall.html", page="wall")


@router.get("/cameras", response_class=HTMLResponse)
def camera_wall(request: Request, wr: Services) -> Response:
    """Latest snapshots of many cameras, filtered and paged (static/camera_wall.js)."""
    return _page(request, wr, "cameras.html", page="cameras")


@router.get("/cameras/{camera_id}", response_class=HTMLResponse)
def camera_page(camera_id: int, request: Request, wr: Services) -> Response:
    """One camera: snapshot, details, health, uptime, history, "Check now" (static/camera_page.js).

    An unknown id still gets the page, which shows the API's own "no camera with id" message.
    """
    principal = authenticate(request)
    return _page(
        request, wr, "camera.html", page="camera", camera_id=camera_id, can_check=principal.role in CHECK_ROLES
    )


@router.get("/apps", response_class=HTMLResponse)
def apps_page(request: Request, wr: Services) -> Response:
    """The portfolio grouped by agency, with filters (static/apps_page.js)."""
    return _page(request, wr, "apps.html", page="apps", app_states=APP_STATES)


@router.get("/apps/{app_id}", response_class=HTMLResponse)
def app_page(app_id: int, request: Request, wr: Services) -> Response:
    """One app: state, "Check now", uptime, latency, pushed metrics and events (static/app_page.js)."""
    principal = authenticate(request)
    return _page(request, wr, "app.html", page="app", app_id=app_id, can_check=principal.role in CHECK_ROLES)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, wr: Services) -> Response:
    # Already signed in (a bookmark, the back button): the wall, not a second login.
    if authenticate(request).authenticated:
        return RedirectResponse("/", status_code=303)
    return templates.TemplateResponse(request, "login.html", {"map": wr.settings.map})
