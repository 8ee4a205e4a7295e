"""The demo portfolio: 146 Makassar applications, and the fake services they are probed at.

The fake services are routes of the demo's own server under `/demo-apps/`, so the demo needs no
second port and nothing to start or stop: the app sweep probes the war room itself (146 apps at
20 s are ~7 small requests a second). What a route does is in its path: `ok` answers at once,
`slow` takes longer than the probe's latency budget (degraded), `flap` fails for one minute in
three, `error` always answers 500. One app points its TCP probe at a closed port (refused), and
one is served over HTTPS by `demo.tls` with a certificate about to expire (degraded).
Each `warroom demo` re-points the demo apps at the ports of that run (`repoint_demo_apps`).
"""

from __future__ import annotations

import asyncio
import random
import time
import zlib

from urllib.parse import urlsplit

from fastapi import APIRouter, Response

from warroom.apps.probes import HttpProbe, ProbeConfig, TcpProbe, TlsProbe
from warroom.apps.schemas import AppIn, AppPatch, Criticality
from warroom.apps.service import AppFilter
from warroom.auth.principal import cli_principal
from warroom.container import WarRoom

router = APIRouter(prefix="/demo-apps", include_in_schema=False)
DEMO_APPS = 146
SLOW_S = 1.2
FLAP_PERIOD_S = 180
FLAP_DOWN_S = 60
REFUSED_PORT = 9  # the "discard" port: nothing listens on it on a normal machine
CERT_APP = 8  # the app whose certificate is about to expire
TLS_PREFIX = "/demo-apps/tls/"

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
    if index == CERT_APP:
        return "cert"
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


def demo_apps(codes: list[str], base_url: str, tls_port: int | None = None) -> list[tuple[str, AppIn]]:
    """The demo portfolio, probing `base_url` (the demo server's `/demo-apps` prefix) and, for the
    app with the expiring certificate, the demo's HTTPS service on `tls_port` (when there is one)."""
    apps = []
    for index, (code, name) in enumerate(portfolio(codes)):
        behaviour = _behaviour(index)
        category, criticality = CATEGORIES[index % len(CATEGORIES)]
        slug = _slug(name)
        probes: list[ProbeConfig]
        if behaviour == "refused":
            probes = [TcpProbe(host="127.0.0.1", port=REFUSED_PORT, timeout_s=3)]
        elif behaviour == "cert" and tls_port is not None:
            # verify_tls off: the demo's certificate is self-signed; its date is what this app shows.
            probes = [HttpProbe(url=f"https://127.0.0.1:{tls_port}{TLS_PREFIX}{slug}", verify_tls=False, timeout_s=5,
                                json_path_condition='json.status == "up"'),
                      TlsProbe(host="127.0.0.1", port=tls_port, warn_days=30, critical_days=7, timeout_s=5)]
        else:
            kind = "ok" if behaviour == "cert" else behaviour
            probes = [HttpProbe(url=f"{base_url}/{kind}/{slug}", max_latency_ms=800, timeout_s=5,
                                json_path_condition='json.status == "up"' if kind == "ok" else None)]
        apps.append((f"demo app {index}", AppIn(
            name=name, agency_code=code, category=category, criticality=criticality,
            public_url=f"https://{slug}.makassarkota.go.id", contact=f"Admin {code}", probes=probes,
            status_page=category != "internal",  # staff systems are not the public's business
        )))
    return apps


def repoint_demo_apps(wr: WarRoom, base_url: str, tls_port: int | None) -> int:
    """Point the demo's apps at this run's ports (the server's `--port`, the HTTPS service's).

    Only probes of the demo's own fake services change: HTTP probes of 127.0.0.1 under
    `/demo-apps/`, and the TLS probe of an app that also probes `/demo-apps/tls/`. Apps an
    operator added are left alone. Returns how many apps changed.
    """
    changed = 0
    everyone = [a.id for a in wr.apps.list(AppFilter(), limit=wr.apps.count()).items]  # disabled ones too
    for job in wr.apps.jobs(app_ids=everyone):
        probes = [_repointed(p, job.probes, base_url, tls_port) for p in job.probes]
        if probes != job.probes:
            wr.apps.update(job.app_id, AppPatch(probes=probes), actor=cli_principal())
            changed += 1
    return changed


def _repointed(probe: ProbeConfig, siblings: list[ProbeConfig], base_url: str, tls_port: int | None) -> ProbeConfig:
    if isinstance(probe, HttpProbe):
        parts = urlsplit(probe.url)
        if parts.hostname not in ("127.0.0.1", "localhost") or not parts.path.startswith("/demo-apps/"):
            return probe
        if parts.path.startswith(TLS_PREFIX):
            if tls_port is None:
                return probe
            return probe.model_copy(update={"url": f"https://127.0.0.1:{tls_port}{parts.path}"})
        return probe.model_copy(update={"url": base_url + parts.path.removeprefix("/demo-apps")})
    if isinstance(probe, TlsProbe) and tls_port is not None and probe.host == "127.0.0.1" and any(
        isinstance(p, HttpProbe) and urlsplit(p.url).path.startswith(TLS_PREFIX) for p in siblings
    ):
        return probe.model_copy(update={"port": tls_port})
    return probe


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
