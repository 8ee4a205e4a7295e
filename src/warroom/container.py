"""The running war room: settings, database, bus and domain services, built once per process.

Passed explicitly (the ASGI app keeps it in `app.state.warroom`, the CLI builds its own), never a
module global: tests build as many independent war rooms as they like.
"""

from __future__ import annotations

from dataclasses import dataclass

from warroom.apps.ingest import IngestService
from warroom.apps.rollup import RollupService
from warroom.apps.sla import SlaReports
from warroom.apps.service import AppService
from warroom.apps.status_page import StatusPageService
from warroom.apps.sweep import AppSweeper
from warroom.apps.tiles import TileService
from warroom.auth.appkeys import AppKeys
from warroom.auth.audit import AuditLog
from warroom.auth.service import AuthService
from warroom.bus import EventBus, create_bus
from warroom.cameras.service import CameraService
from warroom.cameras.sweep import CameraSweeper
from warroom.city.service import CityService
from warroom.config import Settings
from warroom.db import Database
from warroom.reports.catalog import CatalogService
from warroom.reports.photos import PhotoStore
from warroom.reports.public import PublicReports
from warroom.reports.service import ReportService


@dataclass
class WarRoom:
    settings: Settings
    db: Database
    bus: EventBus
    audit: AuditLog
    city: CityService
    auth: AuthService
    cameras: CameraService
    sweeper: CameraSweeper
    apps: AppService
    app_sweeper: AppSweeper
    app_rollups: RollupService
    app_sla: SlaReports
    status_page: StatusPageService
    app_ingest: IngestService
    wall_tiles: TileService
    report_catalog: CatalogService
    reports: ReportService
    report_photos: PhotoStore
    reports_public: PublicReports

    def close(self) -> None:
        self.sweeper.close()
        self.db.dispose()


def build_warroom(settings: Settings) -> WarRoom:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.effective_database_url())
    bus = create_bus(settings.bus_url)
    audit = AuditLog(db)
    city = CityService(db, bus, audit)
    auth = AuthService(db, settings.auth, audit, city)
    cameras = CameraService(db, bus, audit, city, settings)
    sweeper = CameraSweeper(cameras, bus, settings.cameras)
    app_rollups = RollupService(db, settings.apps, timezone=settings.cameras.timezone)
    apps = AppService(db, bus, audit, city, rollups=app_rollups)
    report_catalog = CatalogService(db, audit, city, settings.reports)
    reports = ReportService(db, bus, audit, city, report_catalog, settings.reports)
    report_photos = PhotoStore(db, audit, settings)
    return WarRoom(
        settings=settings, db=db, bus=bus, audit=audit, city=city, auth=auth, cameras=cameras, sweeper=sweeper,
        apps=apps, app_sweeper=AppSweeper(apps, bus, concurrency=settings.apps.probe_concurrency),
        app_rollups=app_rollups,
        app_sla=SlaReports(db, app_rollups, city),
        status_page=StatusPageService(db, audit, city, app_rollups, settings.cameras.timezone),
        app_ingest=IngestService(db, bus, city, AppKeys(db, audit), settings.apps),
        wall_tiles=TileService(db, audit, city, settings.cameras.timezone),
        report_catalog=report_catalog,
        reports=reports,
        report_photos=report_photos,
        reports_public=PublicReports(reports, report_catalog, report_photos, city, settings),
    )
