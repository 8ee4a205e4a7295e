"""Settings: a `warroom.toml` file plus `WARROOM_*` environment variables.

Precedence, highest first: explicit arguments (the CLI's flags), environment variables, the TOML
file, defaults. Nested sections map to env vars with a double underscore
(`[server] port` is `WARROOM_SERVER__PORT`).

A typo in a setting must not silently fall back to a default (a city that thinks it set
`retention_days` and did not is a privacy incident), so unknown keys in the file and unknown
`WARROOM_*` variables are errors naming the key and where it came from.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from warroom.errors import ConfigError

ENV_PREFIX = "WARROOM_"
CONFIG_ENV = "WARROOM_CONFIG"
DEFAULT_CONFIG_FILE = Path("warroom.toml")
# Environment variables with the prefix that are not settings: the config file's own path and the
# test suite's switches.
NON_SETTING_ENV = {CONFIG_ENV}
NON_SETTING_ENV_PREFIXES = ("WARROOM_TEST_",)


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ServerSettings(Section):
    host: str = Field("127.0.0.1", description="Address the HTTP server binds to.")
    port: int = Field(8000, ge=1, le=65535, description="TCP port of the HTTP server.")
    forwarded_allow_ips: str = Field(
        "127.0.0.1",
        description="Comma-separated proxy addresses whose X-Forwarded-For is trusted for the "
        "client address written to the audit log. Set to your reverse proxy's address.",
    )
    max_request_bytes: int = Field(
        1_048_576, ge=1024, description="Largest request body accepted; larger ones get a 413."
    )
    cookie_secure: bool = Field(
        False,
        description="Mark the session cookie Secure (HTTPS only). Turn on behind a TLS proxy.",
    )


class AuthSettings(Section):
    session_ttl_minutes: int = Field(
        720, ge=5, description="How long a dashboard login lasts (one operator shift by default)."
    )
    token_ttl_minutes: int = Field(
        60, ge=1, description="Lifetime of bearer tokens from POST /api/v1/auth/token."
    )
    login_max_failures: int = Field(
        5,
        ge=1,
        description="Failed logins allowed for one user name from one client address per window; "
        "one address is refused after 4 times as many failures across all user names.",
    )
    login_window_minutes: int = Field(
        15, ge=1, description="Window over which failed logins are counted."
    )


class MapSettings(Section):
    tile_url: str | None = Field(
        None,
        description="XYZ tile URL template for the dashboard's base map, e.g. a city-hosted tile "
        "server. Empty: the kecamatan/kelurahan polygons are the base map (works offline).",
    )
    tile_attribution: str = Field("", description="Attribution shown for the tile layer.")
    default_language: Literal["id", "en"] = Field(
        "id", description="Dashboard language before the user picks one."
    )


class CameraSettings(Section):
    credential_key: SecretStr | None = Field(
        None,
        description="Fernet key (urlsafe base64, 32 bytes) that encrypts camera passwords in the "
        "database. Empty: one is generated once into data_dir/camera-credentials.key (mode 0600); "
        "back that file up with the database.",
    )
    check_interval_s: float = Field(
        60.0, ge=5, description="Each enabled camera is checked once per interval, spread with jitter."
    )
    hysteresis_checks: int = Field(
        3, ge=1, le=20, description="Consecutive checks that must agree before a camera changes state."
    )
    concurrency: int = Field(200, ge=1, le=5000, description="Camera connections open at the same time.")
    workers: int = Field(
        0, ge=0, le=64, description="Processes that fetch, decode and check frames; 0 means two per CPU core."
    )
    connect_timeout_s: float = Field(5.0, gt=0, le=60, description="Seconds to connect to a camera.")
    read_timeout_s: float = Field(5.0, gt=0, le=60, description="Seconds to wait for a frame.")
    snapshots_per_camera: int = Field(
        3, ge=1, le=100, description="Latest snapshots kept per camera; older ones are overwritten."
    )
    timezone: str = Field(
        "Asia/Makassar", description="The cameras' local time zone (IANA), for night-aware darkness checks."
    )
    night_hours: tuple[int, int] = Field(
        (18, 6), description="[start, end) local hours of night, when darker frames are normal."
    )
    black_mean_day: float = Field(25.0, ge=0, le=255, description="Mean gray below this by day is `black`.")
    black_mean_night: float = Field(8.0, ge=0, le=255, description="Mean gray below this at night is `black`.")
    covered_std: float = Field(
        5.0, ge=0, description="Gray standard deviation below this (an almost uniform frame) is `covered`."
    )
    blur_ratio: float = Field(
        0.35, gt=0, lt=1, description="Sharpness below this share of the camera's own baseline is `blurred`."
    )
    blur_floor: float = Field(
        12.0, ge=0, description="Sharpness (Laplacian variance) below this is `blurred` whatever the baseline."
    )
    moved_match_share: float = Field(
        0.4,
        ge=0,
        le=1,
        description="Share of the reference view's textured blocks that must still match; below it "
        "the camera is `moved` (turned away or knocked).",
    )

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Asia/Makassar") from err
        return value


class AppSettings(Section):
    probe_concurrency: int = Field(64, ge=1, le=5000, description="App probes in flight at the same time.")
    raw_retention_hours: int = Field(
        48, ge=6, le=24 * 30, description="Hours raw probe samples are kept before only rollups remain."
    )
    rollup_5m_days: int = Field(8, ge=1, le=90, description="Days the 5-minute rollups are kept.")
    rollup_1h_days: int = Field(
        400, ge=31, le=3650, description="Days the hourly rollups are kept (SLA reports, 90-day status bars)."
    )
    metrics_retention_days: int = Field(
        90, ge=1, le=3650, description="Days the metrics apps push about themselves are kept."
    )
    ingest_rate_limit: str = Field(
        "600/minute",
        description="Pushes (metrics or events requests) one app key may make, in the `limits` "
        "notation: `N/second|minute|hour`. More get a 429 with Retry-After.",
    )
    ingest_max_points: int = Field(1000, ge=1, le=100_000, description="Metric points accepted in one push.")
    rate_limit_storage: str = Field(
        "memory://",
        description="Where rate-limit counters live: `memory://` (one server) or `redis://host:6379` "
        "when several servers must share them.",
    )

    @field_validator("ingest_rate_limit")
    @classmethod
    def _rate(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError as err:
            raise ValueError(f"bad rate limit {value!r}: write it like 600/minute or 10/second") from err
        return value


class ReportSettings(Section):
    ticket_prefix: str = Field(
        "LAP", pattern=r"^[A-Z]{2,8}$", description="Ticket numbers read PREFIX-000123 (laporan)."
    )
    jurisdiction_id: str = Field(
        "makassarkota.go.id", description="Open311 jurisdiction_id: the city's domain name."
    )
    public_base_url: str | None = Field(
        None,
        description="Public address of this server (https://lapor.example.go.id), used in Open311 "
        "discovery and for photo links. Empty: taken from each request.",
    )
    coordinate_hours: float = Field(6.0, gt=0, le=24 * 30, description="Default hours to coordinate a new report.")
    resolve_hours: float = Field(168.0, gt=0, le=24 * 365, description="Default hours to resolve a report (7 days).")
    duplicate_radius_m: float = Field(
        50.0, ge=0, le=5000, description="An open report of the same category this near is a probable duplicate."
    )
    sla_check_interval_s: float = Field(60.0, ge=5, le=3600, description="How often SLA deadlines are checked.")
    post_rate_limit: str = Field(
        "20/minute",
        description="Reports one client address may file (Open311 and the web form), `limits` notation; "
        "more get a 429. Open311 clients with an API key are limited per key at ten times this.",
    )
    photo_max_bytes: int = Field(5 * 1024 * 1024, ge=100_000, le=50 * 1024 * 1024, description="Largest photo accepted.")
    photos_per_report: int = Field(3, ge=0, le=10, description="Photos one report may carry.")
    photo_max_side: int = Field(
        2048, ge=320, le=8192, description="Photos are re-encoded no larger than this many pixels per side."
    )
    retention_days: int = Field(
        730, ge=30, le=3650,
        description="Days after closing that a report keeps its reporter's contact details and photos.",
    )

    @field_validator("post_rate_limit")
    @classmethod
    def _rate(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError as err:
            raise ValueError(f"bad rate limit {value!r}: write it like 20/minute or 2/second") from err
        return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    data_dir: Path = Field(
        Path("warroom-data"),
        description="Folder for the SQLite database, snapshots and uploads. Created when missing.",
    )
    database_url: SecretStr | None = Field(
        None,
        description="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db. Empty: SQLite in "
        "data_dir/warroom.db.",
    )
    bus_url: str = Field(
        "memory://",
        description="Event bus. Only `memory://` (the in-process bus of one machine) exists so far.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Log level of the warroom loggers."
    )
    admin_password: SecretStr | None = Field(
        None,
        description="Password `warroom demo` gives a newly created `admin` user (for scripts). "
        "Empty: a random one is generated and printed once.",
    )
    server: ServerSettings = Field(
        default_factory=ServerSettings, description="The HTTP server: address, limits, cookies."
    )
    auth: AuthSettings = Field(
        default_factory=AuthSettings, description="Sign-in: session and token lifetimes, login limits."
    )
    map: MapSettings = Field(default_factory=MapSettings, description="The dashboard's map and language.")
    cameras: CameraSettings = Field(
        default_factory=CameraSettings, description="Camera health checks, snapshots and credentials."
    )
    reports: ReportSettings = Field(
        default_factory=ReportSettings,
        description="Citizen reports (Sombere, Open311): tickets, deadlines, duplicates, photos, limits.",
    )
    apps: AppSettings = Field(
        default_factory=AppSettings,
        description="The app portfolio: probing, how long results and pushed metrics are kept, ingest limits.",
    )

    @field_validator("bus_url")
    @classmethod
    def _known_bus(cls, value: str) -> str:
        if not value.startswith("memory://"):
            raise ValueError(
                f"unsupported bus {value!r}: this version has the in-process bus only; "
                "use 'memory://'"
            )
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if settings_cls.model_config.get("toml_file"):
            sources.append(TomlConfigSettingsSource(settings_cls))
        return tuple(sources)

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "warroom.db"

    def effective_database_url(self) -> str:
        if self.database_url is not None and self.database_url.get_secret_value():
            return self.database_url.get_secret_value()
        return f"sqlite:///{self.sqlite_path}"


def _known_keys(model: type[BaseModel]) -> dict[str, type[BaseModel] | None]:
    keys: dict[str, type[BaseModel] | None] = {}
    for name, field in model.model_fields.items():
        annotation = field.annotation
        nested = annotation if isinstance(annotation, type) and issubclass(annotation, Section) else None
        keys[name] = nested
    return keys


def _unknown(key: str, known: dict[str, Any], where: str) -> ConfigError:
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f" Did you mean '{close[0]}'?" if close else f" Known: {', '.join(sorted(known))}."
    return ConfigError(f"{where}: unknown setting '{key}'.{hint}", details={"key": key})


def check_toml_keys(path: Path) -> None:
    """Reject keys the settings model does not have, naming key and file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from err
    except OSError as err:
        raise ConfigError(f"{path}: cannot read the config file: {err.strerror}") from err
    known = _known_keys(Settings)
    for key, value in data.items():
        if key not in known:
            raise _unknown(key, known, str(path))
        section = known[key]
        if section is not None:
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: '{key}' is a section; write it as [{key}]")
            for sub in value:
                if sub not in section.model_fields:
                    raise _unknown(f"{key}.{sub}", {f"{key}.{k}": None for k in section.model_fields}, str(path))


def check_env_keys(environ: dict[str, str]) -> None:
    """Reject `WARROOM_*` variables that name no setting (a typo would otherwise be ignored)."""
    known = _known_keys(Settings)
    for name in environ:
        if not name.startswith(ENV_PREFIX) or name in NON_SETTING_ENV:
            continue
        if name.startswith(NON_SETTING_ENV_PREFIXES):
            continue
        key = name[len(ENV_PREFIX):].lower()
        top, _, sub = key.partition("__")
        if top not in known or (sub and (known[top] is None or sub not in known[top].model_fields)):
            env_known = {f"{ENV_PREFIX}{k.upper()}": None for k in known}
            raise _unknown(name, env_known, "environment")


def config_file_path(explicit: Path | None = None, environ: dict[str, str] | None = None) -> Path | None:
    """The config file in use: `--config`, else `$WARROOM_CONFIG`, else `./warroom.toml` if present."""
    environ = os.environ if environ is None else environ
    if explicit is not None:
        return explicit
    if environ.get(CONFIG_ENV):
        return Path(environ[CONFIG_ENV])
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.exists() else None


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Load and validate settings; every problem becomes one `ConfigError` with a clear message."""
    path = config_file_path(config_file)
    if path is not None:
        if not path.exists():
            raise ConfigError(f"{path}: config file not found")
        check_toml_keys(path)
    check_env_keys(dict(os.environ))
    settings_cls: type[Settings] = Settings
    if path is not None:
        file_config = SettingsConfigDict(**{**Settings.model_config, "toml_file": path})
        settings_cls = type("Settings", (Settings,), {"model_config": file_config})
    try:
        return settings_cls(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as err:
        where = str(path) if path else "environment"
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors()
        )
        raise ConfigError(f"invalid settings ({where}): {problems}", details=err.errors(include_url=False, include_input=False)) from err


def masked(settings: Settings) -> dict[str, Any]:
    """The effective settings as plain data with secrets replaced, for `warroom config check`."""
    data = settings.model_dump(mode="json")
    data["database_url"] = _mask_url(settings.effective_database_url())
    if settings.admin_password is not None:
        data["admin_password"] = "**********"
    if settings.cameras.credential_key is not None:
        data["cameras"]["credential_key"] = "**********"
    return data


def _mask_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
