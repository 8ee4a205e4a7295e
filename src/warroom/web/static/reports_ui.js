// What the wall's "Laporan warga" tab, its map layer and the live feed share: the words of the
// citizen-reports feature in both languages, status badges, readable feed lines for `report.*`
// events, and SLA countdowns ("sisa 02:13:05" / "terlambat 00:12:40") that tick on one clock.

import { h } from "./camera_ui.js";
import { registerSummary } from "./feed.js";
import { addEventLabels, addStrings, formatNumber, language, setText, t } from "./i18n.js";

/** The open statuses, in queue order (as the API's `by_status`). */
export const OPEN_STATUSES = ["received", "verified", "dispatched", "in_progress"];
export const STATUSES = [...OPEN_STATUSES, "resolved", "closed_not_fixed", "rejected"];
export const REPORT_EVENTS = new Set([
  "report.filed",
  "report.status_changed",
  "report.sla_breached",
  "report.merged",
  "report.reassigned",
]);

addStrings({
  id: {
    "kpi.reports_hint": "Laporan yang memenuhi SLA: dari laporan yang ditutup 30 hari terakhir ditambah laporan terbuka yang sudah lewat tenggat, bagian yang tidak terlambat; klik untuk panel laporan",
    "kpi.reports_note": "{open} terbuka · {late} terlambat",
    "tabs.label": "Panel samping",
    "reports.title": "Laporan warga",
    "reports.summary": "{open} laporan terbuka · {late} terlambat",
    "reports.none": "Belum ada laporan warga.",
    "reports.none_open": "Tidak ada laporan terbuka.",
    "reports.queue": "Antrean per status",
    "reports.breached": "Terlambat",
    "reports.breached_none": "Tidak ada laporan terlambat.",
    "reports.breached_more": "Menampilkan {shown} dari {total} laporan terlambat",
    "reports.next": "Tenggat terdekat",
    "reports.next_none": "Tidak ada tenggat yang sedang berjalan.",
    "reports.by_agency": "Per dinas",
    "reports.agency_row": "{open} terbuka",
    "reports.agency_late": "{late} terlambat",
    "reports.within_sla": "Sesuai SLA (30 hari)",
    "reports.within_sla_none": "belum ada tenggat yang lewat",
    "reports.deadline.coordinate": "Koordinasi",
    "reports.deadline.resolve": "Penyelesaian",
    "reports.left": "sisa {time}",
    "reports.late": "terlambat",
    "reports.late_for": "terlambat {time}",
    "reports.days": "{d} hari {time}",
    "reports.duplicate": "kemungkinan duplikat",
    "reports.emergency": "darurat",
    "reports.show_on_map": "Klik untuk menampilkan laporan di peta",
    "reports.track": "Halaman pelacakan publik",
    "reports.cluster": "{total} laporan, {late} terlambat",
    "reports.status.received": "Diterima",
    "reports.status.verified": "Diverifikasi",
    "reports.status.dispatched": "Diteruskan ke dinas",
    "reports.status.in_progress": "Dikerjakan",
    "reports.status.resolved": "Selesai",
    "reports.status.closed_not_fixed": "Ditutup, tidak diperbaiki",
    "reports.status.rejected": "Ditolak",
    "reports.field.status": "Status",
    "reports.field.agency": "Dinas",
    "reports.field.kecamatan": "Kecamatan",
    "reports.field.deadline": "Tenggat",
    "reports.feed.filed": "{ticket} · {service} · {place}",
    "reports.feed.changed": "{ticket} · {service}: {from} → {to}",
    "reports.feed.breached": "{ticket} · {service}: terlambat {deadline} ({agency})",
    "reports.feed.merged": "{ticket} · {service}: digabung",
    "reports.feed.merged_into": "{ticket} · {service}: digabung ke {into}",
    "reports.feed.reassigned": "{ticket} · {service} → {agency}",
    "reports.feed.note": "{ticket} · {service}: catatan baru",
  },
  en: {
    "kpi.reports_hint": "Reports within SLA: of the reports closed in the last 30 days plus the open ones already past a deadline, the share not late; click for the reports panel",
    "kpi.reports_note": "{open} open · {late} late",
    "tabs.label": "Side panels",
    "reports.title": "Citizen reports",
    "reports.summary": "{open} open reports · {late} late",
    "reports.none": "No citizen reports yet.",
    "reports.none_open": "No open reports.",
    "reports.queue": "Queue by status",
    "reports.breached": "Late",
    "reports.breached_none": "No late reports.",
    "reports.breached_more": "Showing {shown} of {total} late reports",
    "reports.next": "Next deadlines",
    "reports.next_none": "No deadline is running.",
    "reports.by_agency": "By agency",
    "reports.agency_row": "{open} open",
    "reports.agency_late": "{late} late",
    "reports.within_sla": "Within SLA (30 days)",
    "reports.within_sla_none": "no deadline has passed yet",
    "reports.deadline.coordinate": "Coordinate",
    "reports.deadline.resolve": "Resolve",
    "reports.left": "{time} left",
    "reports.late": "late",
    "reports.late_for": "late {time}",
    "reports.days": "{d} d {time}",
    "reports.duplicate": "probable duplicate",
    "reports.emergency": "emergency",
    "reports.show_on_map": "Click to show the report on the map",
    "reports.track": "Public tracking page",
    "reports.cluster": "{total} reports, {late} late",
    "reports.status.received": "Received",
    "reports.status.verified": "Verified",
    "reports.status.dispatched": "Dispatched",
    "reports.status.in_progress": "In progress",
    "reports.status.resolved": "Resolved",
    "reports.status.closed_not_fixed": "Closed, not fixed",
    "reports.status.rejected": "Rejected",
    "reports.field.status": "Status",
    "reports.field.agency": "Agency",
    "reports.field.kecamatan": "District",
    "reports.field.deadline": "Deadline",
    "reports.feed.filed": "{ticket} · {service} · {place}",
    "reports.feed.changed": "{ticket} · {service}: {from} → {to}",
    "reports.feed.breached": "{ticket} · {service}: {deadline} deadline missed ({agency})",
    "reports.feed.merged": "{ticket} · {service}: merged",
    "reports.feed.merged_into": "{ticket} · {service}: merged into {into}",
    "reports.feed.reassigned": "{ticket} · {service} → {agency}",
    "reports.feed.note": "{ticket} · {service}: new note",
  },
});

addEventLabels({
  id: {
    "report.filed": "Laporan warga baru",
    "report.status_changed": "Status laporan berubah",
    "report.sla_breached": "Laporan melewati tenggat",
    "report.merged": "Laporan digabung",
    "report.reassigned": "Laporan dialihkan",
    "report.note_added": "Catatan pada laporan",
  },
  en: {
    "report.filed": "New citizen report",
    "report.status_changed": "Report status changed",
    "report.sla_breached": "Report missed its deadline",
    "report.merged": "Reports merged",
    "report.reassigned": "Report reassigned",
    "report.note_added": "Note on a report",
  },
});

// Area code -> name, filled by the wall from the city's areas (feed lines name the kecamatan).
let areaNames = new Map();

export function setAreaNames(names) {
  areaNames = names;
}

export function placeName(code) {
  return code ? areaNames.get(code) ?? code : "—";
}

export function statusLabel(status) {
  return t(`reports.status.${status}`);
}

/** A category's name in the current language (the English one when there is one). */
export function serviceName(item) {
  return (language() === "en" && item.service_name_en) || item.service_name;
}

/** A coloured badge with the status's word (colour is never the only sign). */
export function statusBadge(status) {
  const badge = h("span", { class: "report-badge", dataset: { reportStatus: status } });
  setText(badge, `reports.status.${status}`);
  return badge;
}

function mark(li, p) {
  li.dataset.reportStatus = p.status;
  li.dataset.ticket = p.ticket; // the wall shows the report on the map when clicked
  li.dataset.i18nAttr = "title:reports.show_on_map";
  li.title = t("reports.show_on_map");
}

const base = (p) => ({ ticket: p.ticket, service: p.service_name });

registerSummary(
  "report.filed",
  (p) => {
    let text = t("reports.feed.filed", { ...base(p), place: placeName(p.kecamatan_code) });
    if (p.emergency) text += ` · ${t("reports.emergency").toUpperCase()}`;
    if (p.duplicate_of) text += ` · ${t("reports.duplicate")} ${p.duplicate_of}`;
    return text;
  },
  (li, p) => {
    mark(li, p);
    if (p.emergency) li.dataset.severity = "critical";
  },
);
registerSummary(
  "report.status_changed",
  (p) => t("reports.feed.changed", { ...base(p), from: p.from_status ? statusLabel(p.from_status) : "—", to: statusLabel(p.status) }),
  mark,
);
registerSummary(
  "report.sla_breached",
  (p) => t("reports.feed.breached", { ...base(p), deadline: t(`reports.deadline.${p.deadline ?? "resolve"}`).toLowerCase(), agency: p.agency_code }),
  (li, p) => {
    mark(li, p);
    li.dataset.severity = "critical";
  },
);
registerSummary(
  "report.merged",
  (p) => (p.duplicate_of ? t("reports.feed.merged_into", { ...base(p), into: p.duplicate_of }) : t("reports.feed.merged", base(p))),
  mark,
);
registerSummary("report.reassigned", (p) => t("reports.feed.reassigned", { ...base(p), agency: p.agency_code }), mark);
// A note changes no figure (it is not in REPORT_EVENTS): only the feed shows it, with its text when public.
registerSummary("report.note_added", (p) => t("reports.feed.note", base(p)) + (p.note ? ` · ${p.note}` : ""), mark);

function pad(n) {
  return String(n).padStart(2, "0");
}

/** A duration as "02:13:05", or "3 hari 02:13:05" from a day on. */
export function duration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86400);
  const time = `${pad(Math.floor((total % 86400) / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
  return days ? t("reports.days", { d: formatNumber(days), time }) : time;
}

/**
 * The text of a countdown to `dueMs` at `nowMs`: "sisa 02:13:05" before it, "terlambat 00:04:10"
 * after it, plain "terlambat" for a report the SLA job marked late ahead of this clock.
 */
export function countdownText(dueMs, nowMs, breached) {
  const left = dueMs - nowMs;
  if (left > 0 && !breached) return t("reports.left", { time: duration(left) });
  return left > 0 ? t("reports.late") : t("reports.late_for", { time: duration(-left) });
}
