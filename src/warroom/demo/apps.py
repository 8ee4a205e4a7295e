"""The demo portfolio: 146 Makassar applications, and the fake services they are probed at.

The fake services are routes of the demo's own server under `/demo-apps/`, so the demo needs no
second port and nothing to start or stop: the app sweep probes the war room itself (146 apps at
20 s are ~7 small requests a second). What a route does is in its path: `ok` answers at once,
`slow` takes longer than the probe's latency budget (degraded), `flap` fails for one minute in
three, `error` always answers 500. One app points its TCP probe at a closed port (refused).
The URLs carry the port of the first `warroom demo` run; another `--port` later leaves them stale.
"""

from __future__ import annotations

import asyncio
import random
import time
import zlib

from fastapi import APIRouter, Response

from warroom.apps.probes import HttpProbe, TcpProbe
from warroom.apps.schemas import AppIn, Criticality

router = APIRouter(prefix="/demo-apps", include_in_schema=False)
DEMO_APPS = 146
SLOW_S = 1.2
FLAP_PERIOD_S = 180
FLAP_DOWN_S = 60
REFUSED_PORT = 9  # the "discard" port: nothing listens on it on a normal machine

# Real-sounding names per agency; the rest of the 146 are filled from FILLERS below.
NAMED: dict[str, list[str]] = {
    "DISKOMINFO": ["Lontara+", "SIAP Makassar", "Portal Makassarkota.go.id", "Sombere Pengaduan", "Makassar Satu Data",
                   "e-Office Pemkot", "Command Center Dashboard", "Mail Pemkot", "SSO Pemkot Makassar", "Open Data Makassar"],
    "DISPU": ["SIMJALAN", "e-Drainase", "Laporan Jalan Rusak"],
    "DLH": ["e-Retribusi Sampah", "Bank Sampah Online", "SIPSN Makassar", "Pantau Udara"],
    "DISHUB": ["Smart Parking Makassar", "e-Uji KIR", "Info Trayek Pete-pete", "ATCS Makassar"],
    "DINKES": ["Dottoro'ta Home Care", "SIMPUS Puskesmas", "e-Posyandu", "Makassar Sehat", "SIKDA Generik"],
    "DAMKAR": ["Lapor Kebakaran 113", "SIDAMKAR"],
    "SATPOLPP": ["e-Penertiban", "Patroli Online"],
    "BPBD": ["SIAGA Bencana Makassar", "Peta Rawan Banjir"],
    "PDAM": ["PDAM Billing", "Info Tagihan Air", "Pengaduan Pelanggan PDAM", "e-Pasang Baru PDAM"],
    "DISDUKCAPIL": ["Lontara Dukcapil", "e-KTP Antrian Online", "Akta Online", "SIAK Terpusat"],
    "DISDIK": ["PPDB Makassar", "Dapodik Kota", "e-Rapor", "Sekolah Digital"],
    "DINSOS": ["SIKS-NG Makassar", "Bansos Tepat", "e-Rehsos"],
    "DPMPTSP": ["e-Perizinan DPMPTSP", "OSS Daerah", "SiCantik Cloud", "Tracking Izin"],
    "BAPENDA": ["e-PBB Makassar", "e-BPHTB", "Pajak Restoran Online", "e-SPTPD", "Tapping Box Monitor"],
    "BAPPEDA": ["SIPD Perencanaan", "e-Musrenbang", "SIMONEV"],
    "DISPERKIM": ["SIRUMAH", "PSU Online"],
    "DISTARU": ["SIMBG PBG", "e-KRK", "GIS Tata Ruang"],
    "DISPAR": ["Makassar Tourism", "Event Kota"],
    "DISPERDAG": ["SIMPASAR", "Harga Pangan Makassar", "e-Tera"],
    "PD_PASAR": ["e-Retribusi Pasar", "Kios Online"],
    "RSUD_DAYA": ["SIMRS RSUD Daya", "Antrian Online RSUD Daya", "e-Rekam Medis"],
}
FILLERS = ["SIMPEG {code}", "e-Kinerja {code}", "SIMDA Keuangan {code}", "Website {code}", "Arsip Digital {code}",
           "e-Surat {code}", "Dashboard {code}", "Helpdesk {code}"]
CATEGORIES: list[tuple[str, Criticality]] = [
    ("layanan publik", "high"), ("internal", "medium"), ("data", "low"), ("layanan publik", "critical"),
]


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")


def _behaviour(index: int) -> str:
    if index in (50, 120):
        return "error"
    if index == 90:
        return "refused"
    if index % 30 == 7:
        return "slow"
    if index % 35 == 11:
        return "flap"
    return "ok"


def portfolio(codes: list[str]) -> list[tuple[str, str]]:
    """(agency code, app name) for the 146 demo apps, over the agencies the city has."""
    names = [(code, name) for code in codes for name in NAMED.get(code, [])]
    filler = 0
    while len(names) < DEMO_APPS:
        template = FILLERS[filler // len(codes) % len(FILLERS)]
        code = codes[filler % len(codes)]
        names.append((code, template.format(code=code)))
        filler += 1
    return names[:DEMO_APPS]


def demo_apps(codes: list[str], base_url: str) -> list[tuple[str, AppIn]]:
    """The demo portfolio, probing `base_url` (the demo server's `/demo-apps` prefix)."""
    apps = []
    for index, (code, name) in enumerate(portfolio(codes)):
        behaviour = _behaviour(index)
        category, criticality = CATEGORIES[index % len(CATEGORIES)]
        slug = _slug(name)
        if behaviour == "refused":
            probe: HttpProbe | TcpProbe = TcpProbe(host="127.0.0.1", port=REFUSED_PORT, timeout_s=3)
        else:
            probe = HttpProbe(url=f"{base_url}/{behaviour}/{slug}", max_latency_ms=800, timeout_s=5,
                              json_path_condition='json.status == "up"' if behaviour == "ok" else None)
        apps.append((f"demo app {index}", AppIn(
            name=name, agency_code=code, category=category, criticality=criticality,
            public_url=f"https://{slug}.makassarkota.go.id", contact=f"Admin {code}", probes=[probe],
        )))
    return apps


@router.get("/ok/{slug}")
async def ok(slug: str) -> dict[str, str]:
    await asyncio.sleep(random.uniform(0.005, 0.05))
    return {"status": "up", "app": slug}


@router.get("/slow/{slug}")
async def slow(slug: str) -> dict[str, str]:
    await asyncio.sleep(SLOW_S)
    return {"status": "up", "app": slug}


@router.get("/flap/{slug}")
async def flap(slug: str) -> Response:
    phase = (time.time() + zlib.crc32(slug.encode())) % FLAP_PERIOD_S
    if phase < FLAP_DOWN_S:
        return Response('{"status": "down"}', status_code=503, media_type="application/json")
    return Response(f'{{"status": "up", "app": "{slug}"}}', media_type="application/json")


@router.get("/error/{slug}")
async def error(slug: str) -> Response:
    return Response("internal server error", status_code=500, media_type="text/plain")
