"""FastAPI dependencies shared by every router."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from warroom.container import WarRoom


def get_warroom(request: Request) -> WarRoom:
    return request.app.state.warroom


Services = Annotated[WarRoom, Depends(get_warroom)]
