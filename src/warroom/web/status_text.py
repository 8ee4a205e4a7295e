"""The status page's words, in Indonesian and English, written on the server.

The public page must read well without JavaScript on a cheap phone, so unlike the wall (whose
static/i18n.js translates in the browser) it is rendered in one language per request
(`?lang=en`), with the city's times, dates, percentages and durations written out here.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from warroom.apps.status_schemas import PublicOutage

LANGUAGES = ("id", "en")
MONTHS = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
# Uptime bands of the daily bars: (lowest uptime, css class); below the last one is `u4`.
BANDS = ((0.999, "u1"), (0.99, "u2"), (0.95, "u3"))

STRINGS: dict[str, dict[str, str]] = {
    "id": {
        "title.city": "Status layanan {city}",
        "title.agency": "Status layanan {agency}",
        "heading.city": "Status layanan digital {city}",
        "title.plain": "Status layanan digital",
        "lang.label": "Bahasa",
        "overall.up": "Semua layanan berjalan normal",
        "overall.degraded": "Sebagian layanan lambat",
        "overall.down": "Sebagian layanan tidak dapat diakses",
        "overall.maintenance": "Sebagian layanan sedang dalam pemeliharaan",
        "overall.unknown": "Status layanan belum diketahui",
        "state.up": "Normal",
        "state.degraded": "Lambat",
        "state.down": "Tidak dapat diakses",
        "state.maintenance": "Pemeliharaan",
        "state.unknown": "Belum diketahui",
        "since": "sejak {time}",
        "counts": "{total} layanan · {up} normal · {degraded} lambat · {down} tidak dapat diakses",
        "uptime.label": "Ketersediaan 90 hari",
        "uptime.bars": "Ketersediaan harian 90 hari terakhir: {percent}",
        "uptime.none": "belum ada data",
        "bars.start": "90 hari lalu",
        "bars.end": "Hari ini",
        "legend": "Keterangan",
        "band.u1": "≥ 99,9%",
        "band.u2": "≥ 99%",
        "band.u3": "≥ 95%",
        "band.u4": "< 95%",
        "band.u0": "tidak ada data",
        "notices.title": "Pengumuman",
        "notice.investigating": "Sedang diselidiki",
        "notice.identified": "Penyebab ditemukan",
        "notice.monitoring": "Dipantau",
        "notice.resolved": "Selesai",
        "notice.updated": "Diperbarui {time}",
        "notice.city": "Seluruh kota",
        "history.title": "Riwayat gangguan 14 hari terakhir",
        "history.none": "Tidak ada gangguan dalam 14 hari terakhir.",
        "history.resolved": "Pengumuman yang sudah selesai",
        "outage.down": "Tidak dapat diakses",
        "outage.degraded": "Lambat",
        "outage.maintenance": "Pemeliharaan",
        "outage.since": "sejak {time}",
        "outage.many": "{count} kali, total {duration}",
        "outage.ongoing": "masih berlangsung",
        "duration.h": "{n} jam",
        "duration.m": "{n} menit",
        "duration.lt1": "kurang dari 1 menit",
        "agency.link": "Halaman {agency}",
        "agency.back": "Semua layanan kota",
        "empty": "Belum ada layanan yang ditampilkan.",
        "updated": "Diperbarui {time}. Halaman ini dimuat ulang tiap menit; waktu dalam {zone}.",
        "json": "Data dalam JSON",
        "missing.title": "Dinas tidak ditemukan",
        "missing.text": "Tidak ada dinas dengan kode “{code}”.",
    },
    "en": {
        "title.city": "{city} service status",
        "title.agency": "{agency} service status",
        "heading.city": "{city} digital service status",
        "title.plain": "Digital service status",
        "lang.label": "Language",
        "overall.up": "All services are operating normally",
        "overall.degraded": "Some services are slow",
        "overall.down": "Some services are unavailable",
        "overall.maintenance": "Some services are under maintenance",
        "overall.unknown": "Service status not known yet",
        "state.up": "Operational",
        "state.degraded": "Slow",
        "state.down": "Unavailable",
        "state.maintenance": "Maintenance",
        "state.unknown": "Not known yet",
        "since": "since {time}",
        "counts": "{total} services · {up} operational · {degraded} slow · {down} unavailable",
        "uptime.label": "90-day uptime",
        "uptime.bars": "Daily uptime over the last 90 days: {percent}",
        "uptime.none": "no data yet",
        "bars.start": "90 days ago",
        "bars.end": "Today",
        "legend": "Legend",
        "band.u1": "≥ 99.9%",
        "band.u2": "≥ 99%",
        "band.u3": "≥ 95%",
        "band.u4": "< 95%",
        "band.u0": "no data",
        "notices.title": "Notices",
        "notice.investigating": "Investigating",
        "notice.identified": "Identified",
        "notice.monitoring": "Monitoring",
        "notice.resolved": "Resolved",
        "notice.updated": "Updated {time}",
        "notice.city": "Whole city",
        "history.title": "Incidents in the last 14 days",
        "history.none": "No incidents in the last 14 days.",
        "history.resolved": "Resolved notices",
        "outage.down": "Unavailable",
        "outage.degraded": "Slow",
        "outage.maintenance": "Maintenance",
        "outage.since": "since {time}",
        "outage.many": "{count} times, {duration} in total",
        "outage.ongoing": "still going on",
        "duration.h": "{n} h",
        "duration.m": "{n} min",
        "duration.lt1": "under 1 min",
        "agency.link": "{agency} page",
        "agency.back": "All city services",
        "empty": "No services are listed yet.",
        "updated": "Updated {time}. This page reloads every minute; times are {zone}.",
        "json": "Data as JSON",
        "missing.title": "Agency not found",
        "missing.text": "There is no agency with the code “{code}”.",
    },
}


def pick_language(asked: str | None, default: str) -> str:
    return asked if asked in LANGUAGES else default if default in LANGUAGES else "id"


def band(uptime: float | None) -> str:
    """The css class of a day's bar: u1 (best) .. u4, u0 without data."""
    if uptime is None:
        return "u0"
    for lowest, name in BANDS:
        if uptime >= lowest:
            return name
    return "u4"


class Words:
    """`t()` and the formatting of one language and zone, handed to the templates."""

    def __init__(self, lang: str, zone: ZoneInfo, zone_label: str) -> None:
        self.lang = lang
        self.zone = zone
        self.zone_label = zone_label
        self._strings = STRINGS[lang]

    def t(self, key: str, **values: object) -> str:
        text = self._strings.get(key) or STRINGS["en"].get(key, key)
        return text.format(**values) if values else text

    def day(self, d: date) -> str:
        return f"{d.day} {MONTHS[self.lang][d.month - 1]}"

    def clock(self, at: datetime) -> str:
        local = at.astimezone(self.zone)
        return f"{local:%H}{'.' if self.lang == 'id' else ':'}{local:%M}"

    def moment(self, at: datetime) -> str:
        """"12 Mar 10.02 WITA": a day and time in the city's zone."""
        return f"{self.day(at.astimezone(self.zone).date())} {self.clock(at)} {self.zone_label}"

    def percent(self, share: float | None) -> str:
        if share is None:
            return self.t("uptime.none")
        if share >= 0.99995:
            return "100%"
        text = f"{share * 100:.2f}%"
        return text.replace(".", ",") if self.lang == "id" else text

    def duration(self, seconds: float) -> str:
        minutes = int(seconds // 60)
        if minutes < 1:
            return self.t("duration.lt1")
        hours, minutes = divmod(minutes, 60)
        parts = [self.t("duration.h", n=hours)] if hours else []
        if minutes or not hours:
            parts.append(self.t("duration.m", n=minutes))
        return " ".join(parts)

    def bar_title(self, d: date, uptime: float | None) -> str:
        return f"{self.day(d)}: {self.percent(uptime) if uptime is not None else self.t('band.u0')}"

    def outage(self, outage: PublicOutage) -> str:
        """"Tidak dapat diakses 10.02–10.17 WITA", or a count and total for a flapping app."""
        what = self.t(f"outage.{outage.kind}")
        if outage.count > len(outage.periods):
            text = f"{what} {self.t('outage.many', count=outage.count, duration=self.duration(outage.total_s))}"
            return f"{text} ({self.t('outage.ongoing')})" if outage.ongoing else text
        spans = []
        for p in outage.periods:
            if p.end is None:
                spans.append(self.t("outage.since", time=self.clock(p.start)))
                continue
            end_day = p.end.astimezone(self.zone).date()
            end = self.clock(p.end)
            if end_day != p.start.astimezone(self.zone).date():  # past midnight: "23.50–13 Mar 00.20"
                end = f"{self.day(end_day)} {end}"
            spans.append(f"{self.clock(p.start)}–{end}")
        return f"{what} {', '.join(spans)} {self.zone_label}"
