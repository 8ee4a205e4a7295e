"""HTTP routes of the city domain: the city, its areas, point lookup and agencies."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from warroom.auth.deps import Admin, Staff
from warroom.city.schemas import AgencyIn, AgencyOut, AgencyPatch, AreaLevel, CityOut, Location
from warroom.web.deps import Services

router = APIRouter(tags=["city"])


@router.get("/city", response_model=CityOut)
def get_city(wr: Services, _me: Staff) -> CityOut:
    """Name, bounding box and counts of the city this war room serves."""
    return wr.city.city()


@router.get("/city/areas")
def get_areas(
    wr: Services, _me: Staff, level: Annotated[AreaLevel, Query()] = "kecamatan"
) -> dict[str, Any]:
    """The kecamatan or kelurahan boundaries as a GeoJSON FeatureCollection."""
    return wr.city.areas_geojson(level)


@router.get("/city/locate", response_model=Location)
def locate(
    wr: Services,
    _me: Staff,
    lat: Annotated[float, Query(ge=-90, le=90, description="Latitude, e.g. -5.14")],
    lon: Annotated[float, Query(ge=-180, le=180, description="Longitude, e.g. 119.42")],
) -> Location:
    """The kelurahan and kecamatan at a point; 422 `outside_city` when it is not in the city."""
    return wr.city.locate(lat, lon)


@router.get("/agencies", response_model=list[AgencyOut])
def list_agencies(wr: Services, _me: Staff) -> list[AgencyOut]:
    return wr.city.agencies()


@router.get("/agencies/{code}", response_model=AgencyOut)
def get_agency(code: str, wr: Services, _me: Staff) -> AgencyOut:
    return wr.city.agency(code)


@router.post("/agencies", response_model=AgencyOut, status_code=status.HTTP_201_CREATED)
def create_agency(body: AgencyIn, wr: Services, me: Admin) -> AgencyOut:
    return wr.city.create_agency(body, actor=me)


@router.patch("/agencies/{code}", response_model=AgencyOut)
def update_agency(code: str, body: AgencyPatch, wr: Services, me: Admin) -> AgencyOut:
    return wr.city.update_agency(code, body, actor=me)
