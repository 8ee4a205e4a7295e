"""The SLA report as files: CSV for spreadsheets, PDF (reportlab, built-in Helvetica) for the record.

CSV: one UTF-8 file, the per-app table (header row, one row per app), a blank line, then the
per-agency table (its own header row, one row per agency, last the `*` row for all of them).
Headers are stable English identifiers, so scripts can read them; the PDF is in Indonesian.
"""

from __future__ import annotations

import csv
import io
import math
import re
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from warroom.apps.sla import SlaAgency, SlaReport

APP_COLUMNS = (
    "app_id", "name", "agency_code", "criticality", "checks", "failed", "uptime_pct", "target_pct", "met",
    "outages", "down_minutes", "p95_ms",
)
AGENCY_COLUMNS = ("agency_code", "agency_name", "apps", "checks", "uptime_pct", "apps_met", "outages", "down_minutes")
BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember")
KRITIKALITAS = {"critical": "kritis", "high": "tinggi", "medium": "sedang", "low": "rendah"}
MAX_CHART_BARS = 40


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def to_csv(report: SlaReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(APP_COLUMNS)
    for app in report.apps:
        row = app.model_dump()
        writer.writerow([_cell(row[c]) for c in APP_COLUMNS])
    writer.writerow([])
    writer.writerow(AGENCY_COLUMNS)
    for agency in [*report.agencies, report.total]:
        row = agency.model_dump()
        writer.writerow([_cell(row[c]) for c in AGENCY_COLUMNS])
    return out.getvalue()


def filename(report: SlaReport, ext: str) -> str:
    """`sla-2026-11[-AGENCY].ext`, only letters, digits, - and _ (it goes into a header)."""
    agency = re.sub(r"[^A-Za-z0-9_-]", "", f"-{report.agency}") if report.agency else ""
    return f"sla-{report.month}{agency}.{ext}"


def _num(value: float | None, digits: int = 2) -> str:
    """Indonesian style: 1.234,5."""
    return "-" if value is None else f"{value:,.{digits}f}".translate(str.maketrans(",.", ".,"))


def _month_name(report: SlaReport) -> str:
    year, month = report.month.split("-")
    return f"{BULAN[int(month) - 1]} {year}"


def to_pdf(report: SlaReport) -> bytes:
    """Title, summary, a bar chart of uptime, then the per-agency and per-app tables."""
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=landscape(A4), leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm,
        title=f"Laporan SLA Aplikasi {report.month}", author="warroom",
    )
    where = f" {report.city}" if report.city else ""
    scope = f" \u2014 dinas {report.agency}" if report.agency else ""
    story: list = [
        Paragraph(escape(f"Laporan SLA Aplikasi{where}: {_month_name(report)}{scope}"), styles["Title"]),
        Paragraph(escape(_period(report)), styles["BodyText"]),
        Spacer(1, 4 * mm),
        _table([["Aplikasi", "Pemeriksaan", "Uptime %", "Memenuhi target", "Gangguan", "Menit down"], [
            str(report.total.apps), _num(report.total.checks, 0), _num(report.total.uptime_pct, 3),
            f"{report.total.apps_met} / {report.total.apps}", str(report.total.outages), _num(report.total.down_minutes, 1),
        ]]),
        Spacer(1, 6 * mm),
    ]
    story.append(_chart(report, doc.width))
    story += [Spacer(1, 6 * mm), Paragraph("Per dinas", styles["Heading2"]), _table(
        [["Dinas", "Nama", "Aplikasi", "Pemeriksaan", "Uptime %", "Memenuhi target", "Gangguan", "Menit down"]]
        + [_agency_cells(a, small) for a in report.agencies], widths=[28 * mm, 90 * mm],
    )]
    story += [Spacer(1, 6 * mm), Paragraph("Per aplikasi", styles["Heading2"]), _table(
        [["ID", "Aplikasi", "Dinas", "Kritikalitas", "Pemeriksaan", "Gagal", "Uptime %", "Target %", "Memenuhi",
          "Gangguan", "Menit down", "p95 (ms)"]]
        + [[
            str(a.app_id), Paragraph(escape(a.name), small), a.agency_code, KRITIKALITAS.get(a.criticality, a.criticality),
            _num(a.checks, 0), _num(a.failed, 0), _num(a.uptime_pct, 3), _num(a.target_pct, 1),
            "-" if a.met is None else ("ya" if a.met else "tidak"), str(a.outages), _num(a.down_minutes, 1), _num(a.p95_ms, 0),
        ] for a in report.apps], widths=[12 * mm, 70 * mm],
    )]
    story += [Spacer(1, 4 * mm), Paragraph(escape(
        "Uptime = pemeriksaan berhasil / semua pemeriksaan (jendela pemeliharaan tidak dihitung). Target: kritis 99,9 %, "
        "tinggi 99,5 %, sedang 99,0 %, rendah 98,0 %. Gangguan = perubahan status menjadi down; menit down menurut "
        "riwayat status. p95 dari histogram latensi (presisi satu bin)."
    ), small)]
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buffer.getvalue()


def _footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
    canvas.saveState()
    canvas.setFont("Helvetica", 7)
    canvas.setFillColor(colors.grey)
    canvas.drawRightString(doc.pagesize[0] - doc.rightMargin, 8 * mm, f"warroom \u00b7 halaman {doc.page}")
    canvas.restoreState()


def _period(report: SlaReport) -> str:
    start = report.start.strftime("%Y-%m-%d %H:%M")
    end = report.end.strftime("%Y-%m-%d %H:%M")
    text = f"Periode {start} \u2013 {end} UTC (bulan kalender {report.timezone})."
    if report.partial:
        text += f" Bulan berjalan: data sampai {report.generated_at.strftime('%Y-%m-%d %H:%M')} UTC."
    return text


def _agency_cells(agency: SlaAgency, style: object) -> list[object]:
    return [
        agency.agency_code, Paragraph(escape(agency.agency_name), style), str(agency.apps), _num(agency.checks, 0),
        _num(agency.uptime_pct, 3), f"{agency.apps_met} / {agency.apps}", str(agency.outages), _num(agency.down_minutes, 1),
    ]


def _table(rows: list[list[object]], widths: list[float] | None = None) -> Table:
    columns = len(rows[0])
    col_widths = None if widths is None else [*widths, *([None] * (columns - len(widths)))]
    table = Table(rows, colWidths=col_widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1f3a5f")),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#eef2f7")]),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa8b8")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return table


def _chart(report: SlaReport, width: float) -> Drawing:
    """Uptime per agency (per app when the report is one agency's), the axis zoomed to the data."""
    if report.agency:
        apps = report.apps[:MAX_CHART_BARS]
        room = max(6, int(width / max(1, len(apps)) / 5))  # characters a label has room for
        bars = [(f"{a.app_id} {a.name}"[:room], a.uptime_pct) for a in apps]
        missed = [i for i, a in enumerate(apps) if a.met is False]
        caption = "Uptime per aplikasi (%); merah: di bawah target"
    else:
        bars = [(a.agency_code, a.uptime_pct) for a in report.agencies[:MAX_CHART_BARS]]
        missed = []
        caption = "Uptime per dinas (%)"
    height = 70 * mm
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 10, caption, fontName="Helvetica-Bold", fontSize=10))
    if not bars or all(v is None for _, v in bars):
        drawing.add(String(0, height / 2, "Belum ada pemeriksaan pada bulan ini.", fontName="Helvetica", fontSize=9))
        return drawing
    values = [v if v is not None else 0.0 for _, v in bars]
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 35, 40, width - 50, height - 60
    chart.data = [values]
    chart.categoryAxis.categoryNames = [name for name, _ in bars]
    chart.categoryAxis.labels.fontName = "Helvetica"
    chart.categoryAxis.labels.fontSize = 7
    if len(bars) > 8:
        chart.categoryAxis.labels.angle = 35
        chart.categoryAxis.labels.boxAnchor = "ne"
    low = min(values)
    chart.valueAxis.valueMin = max(0.0, min(95.0, math.floor(low) - (1 if low % 1 == 0 else 0)))
    chart.valueAxis.valueMax = 100.0
    chart.valueAxis.labels.fontName = "Helvetica"
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = colors.HexColor("#2e7d32")
    for i in missed:
        chart.bars[(0, i)].fillColor = colors.HexColor("#c62828")
    chart.barLabelFormat = "%.2f"
    chart.barLabels.fontName = "Helvetica"
    chart.barLabels.fontSize = 6
    chart.barLabels.nudge = 6
    drawing.add(chart)
    return drawing
