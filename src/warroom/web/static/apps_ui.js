// What the wall's "Aplikasi" panel, the apps page and one app's page share: the apps' words in
// both languages, state badges, latency sparklines and uptime figures.

import { h } from "./camera_ui.js";
import { addEventLabels, addStrings, formatNumber, formatPercent, setText, t } from "./i18n.js";
import { registerQuiet, registerSummary } from "./feed.js";

export const APP_STATES = ["down", "degraded", "maintenance", "unknown", "up"]; // most urgent first
export const PROBLEMS = new Set(["down", "degraded"]);
const SVG = "http://www.w3.org/2000/svg";

addStrings({
  id: {
    "kpi.apps_hint": "Aplikasi yang menjawab (normal atau lambat) dari aplikasi aktif; klik untuk semua aplikasi",
    "kpi.apps_note": "{down} mati · {degraded} lambat",
    "app.state.up": "Normal",
    "app.state.degraded": "Lambat",
    "app.state.down": "Mati",
    "app.state.maintenance": "Pemeliharaan",
    "app.state.unknown": "Belum diperiksa",
    "apps.title": "Aplikasi",
    "apps.page_title": "Aplikasi kota",
    "apps.all": "Semua aplikasi",
    "apps.status_page": "Halaman status publik",
    "apps.filter.problems": "Hanya gangguan",
    "apps.filter.all": "Semua",
    "apps.none_problems": "Semua aplikasi menjawab.",
    "apps.none": "Belum ada aplikasi terdaftar.",
    "apps.none_match": "Tidak ada aplikasi yang cocok dengan saringan.",
    "apps.count": "{shown} dari {total} aplikasi",
    "apps.group_problems": "{n} gangguan",
    "apps.uptime_24h": "Uptime 24 jam",
    "apps.latency_24h": "Latensi per jam, 24 jam terakhir",
    "apps.no_data": "belum ada data",
    "apps.filter.state": "Status",
    "apps.filter.all_states": "Semua status",
    "apps.filter.agency": "Dinas",
    "apps.filter.all_agencies": "Semua dinas",
    "apps.search_placeholder": "Nama aplikasi",
    "tiles.title": "Angka layanan",
    "tiles.today": "hari ini",
    "tiles.no_value": "belum ada data",
    "app.status": "Status",
    "app.latency": "Latensi",
    "app.probe": "Probe",
    "app.result": "Hasil",
    "app.reason": "Keterangan",
    "app.result_ok": "Berhasil",
    "app.result_failed": "Gagal",
    "app.uptime": "Uptime dan latensi",
    "app.uptime_share": "Uptime",
    "app.checks": "Cek",
    "app.metrics": "Metrik dari aplikasi",
    "app.metrics_none": "Aplikasi ini belum mengirim metrik.",
    "app.events": "Peristiwa dari aplikasi",
    "app.events_none": "Aplikasi ini belum mengirim peristiwa.",
    "app.history": "Riwayat status",
    "app.history_empty": "Belum ada perubahan status.",
    "app.check_failed": "Pengecekan gagal: {message}",
    "app.window.24h": "24 jam",
    "app.window.7d": "7 hari",
    "app.window.30d": "30 hari",
    "app.detail.agency": "Dinas pemilik",
    "app.detail.category": "Kategori",
    "app.detail.criticality": "Kekritisan",
    "app.detail.public_url": "Alamat publik",
    "app.detail.contact": "Kontak",
    "app.detail.probes": "Probe",
    "app.detail.interval": "Interval cek",
    "app.detail.retries": "Gagal berturut sebelum mati",
    "app.detail.maintenance": "Jadwal pemeliharaan",
    "app.detail.status_page": "Di halaman status publik",
    "app.detail.enabled": "Aktif",
  },
  en: {
    "kpi.apps_hint": "Apps answering (normally or slowly) of the enabled ones; click for all apps",
    "kpi.apps_note": "{down} down · {degraded} slow",
    "app.state.up": "Up",
    "app.state.degraded": "Slow",
    "app.state.down": "Down",
    "app.state.maintenance": "Maintenance",
    "app.state.unknown": "Not checked yet",
    "apps.title": "Apps",
    "apps.page_title": "City apps",
    "apps.all": "All apps",
    "apps.status_page": "Public status page",
    "apps.filter.problems": "Problems only",
    "apps.filter.all": "All",
    "apps.none_problems": "Every app is answering.",
    "apps.none": "No apps registered yet.",
    "apps.none_match": "No app matches the filters.",
    "apps.count": "{shown} of {total} apps",
    "apps.group_problems": "{n} with problems",
    "apps.uptime_24h": "Uptime 24 h",
    "apps.latency_24h": "Latency per hour, last 24 hours",
    "apps.no_data": "no data yet",
    "apps.filter.state": "Status",
    "apps.filter.all_states": "All states",
    "apps.filter.agency": "Agency",
    "apps.filter.all_agencies": "All agencies",
    "apps.search_placeholder": "App name",
    "tiles.title": "Service figures",
    "tiles.today": "today",
    "tiles.no_value": "no data yet",
    "app.status": "Status",
    "app.latency": "Latency",
    "app.probe": "Probe",
    "app.result": "Result",
    "app.reason": "Reason",
    "app.result_ok": "Passed",
    "app.result_failed": "Failed",
    "app.uptime": "Uptime and latency",
    "app.uptime_share": "Uptime",
    "app.checks": "Checks",
    "app.metrics": "Metrics from the app",
    "app.metrics_none": "This app has not pushed any metrics yet.",
    "app.events": "Events from the app",
    "app.events_none": "This app has not pushed any events yet.",
    "app.history": "Status history",
    "app.history_empty": "No state changes yet.",
    "app.check_failed": "The check failed: {message}",
    "app.window.24h": "24 hours",
    "app.window.7d": "7 days",
    "app.window.30d": "30 days",
    "app.detail.agency": "Owner agency",
    "app.detail.category": "Category",
    "app.detail.criticality": "Criticality",
    "app.detail.public_url": "Public address",
    "app.detail.contact": "Contact",
    "app.detail.probes": "Probes",
    "app.detail.interval": "Check interval",
    "app.detail.retries": "Failures in a row before down",
    "app.detail.maintenance": "Maintenance windows",
    "app.detail.status_page": "On the public status page",
    "app.detail.enabled": "Enabled",
  },
});

addEventLabels({
  id: { "app.status_changed": "Status aplikasi berubah", "app.event": "Peristiwa aplikasi" },
  en: { "app.status_changed": "App status changed", "app.event": "App event" },
});
registerQuiet("app.metrics"); // a signal for the metric tiles, one per push: not for reading
registerSummary(
  "app.event",
  (p) => `${p.app_name ?? p.app_id}: ${p.message}`,
  (li, p) => {
    li.dataset.severity = p.severity;
  },
);
registerSummary(
  "app.status_changed",
  (p) => `${p.name} (${p.agency_code}): ${t(`app.state.${p.from_state}`)} → ${t(`app.state.${p.to_state}`)}`,
  (li, p) => {
    li.dataset.appState = p.to_state;
  },
);

/** A coloured badge with the app state's word (colour is never the only sign). */
export function appBadge(state) {
  const badge = h("span", { class: "app-badge", dataset: { appState: state } });
  setText(badge, `app.state.${state}`);
  return badge;
}

/** Uptime share as "99,2%" in the current language, or "—". */
export function uptimeText(share) {
  return share === null || share === undefined ? "—" : formatPercent(share, share >= 0.999 || share < 0.9 ? 1 : 2);
}

export function latencyText(ms) {
  return ms === null || ms === undefined ? "—" : `${formatNumber(Math.round(ms))} ms`;
}

/**
 * A small SVG line of hourly latencies (oldest left); hours without checks leave a gap. The
 * scale is the app's own (its slowest hour at the top): the shape tells "getting slower".
 */
export function sparkline(values, { width = 64, height = 20 } = {}) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  svg.setAttribute("aria-hidden", "true");
  const known = values.filter((v) => v !== null && v !== undefined);
  if (!known.length) return svg;
  const top = Math.max(...known) || 1;
  const step = values.length > 1 ? width / (values.length - 1) : width;
  // One run of path per stretch of hours with data; a lone hour is a dot (a round-capped stub).
  const runs = [];
  let run = null;
  values.forEach((v, i) => {
    if (v === null || v === undefined) {
      run = null;
      return;
    }
    if (!run) runs.push((run = []));
    run.push([(i * step).toFixed(1), (height - 2 - (v / top) * (height - 4)).toFixed(1)]);
  });
  const path = runs
    .map((r) => r.map(([x, y], j) => `${j ? "L" : "M"}${x} ${y}`).join(" ") + (r.length === 1 ? " l0.1 0" : ""))
    .join(" ");
  const line = document.createElementNS(SVG, "path");
  line.setAttribute("d", path);
  svg.append(line);
  return svg;
}

/**
 * A line chart of `[iso time, value]` points (or nulls for gaps) with its lowest and highest
 * value written at the left: enough to read a trend from across the room, no chart library.
 */
export function lineChart(points, { unit = "" } = {}) {
  const width = 320;
  const height = 100;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "chart");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("role", "img");
  const values = points.map((p) => p[1]).filter((v) => v !== null && v !== undefined);
  const axis = document.createElementNS(SVG, "line");
  axis.setAttribute("class", "axis");
  axis.setAttribute("x1", 0);
  axis.setAttribute("x2", width);
  axis.setAttribute("y1", height - 1);
  axis.setAttribute("y2", height - 1);
  svg.append(axis);
  if (!values.length) return svg;
  const lo = Math.min(0, ...values);
  const hi = Math.max(...values) || 1;
  const times = points.map((p) => new Date(p[0]).getTime());
  const t0 = Math.min(...times);
  const span = Math.max(...times) - t0 || 1;
  let d = "";
  let pen = false;
  points.forEach(([at, v], i) => {
    if (v === null || v === undefined) {
      pen = false;
      return;
    }
    const x = (((times[i] - t0) / span) * width).toFixed(1);
    const y = (height - 4 - ((v - lo) / (hi - lo || 1)) * (height - 16)).toFixed(1);
    d += `${pen ? "L" : "M"}${x} ${y} `;
    pen = true;
  });
  const line = document.createElementNS(SVG, "path");
  line.setAttribute("class", "line");
  line.setAttribute("d", d.trim());
  // The latest value as a dot: a lone point (a metric pushed once) is still seen.
  const [lx, ly] = d.trim().split(" ").slice(-2);
  // (A round-capped zero-length stroke: stays round although the chart stretches to its box.)
  const dot = document.createElementNS(SVG, "path");
  dot.setAttribute("class", "dot");
  dot.setAttribute("d", `M${lx.slice(1)} ${ly} l0.01 0`);
  const label = document.createElementNS(SVG, "text");
  label.setAttribute("x", 2);
  label.setAttribute("y", 10);
  label.textContent = `${formatNumber(hi, { maximumFractionDigits: 2 })}${unit}`;
  svg.setAttribute("aria-label", `${formatNumber(Math.min(...values), { maximumFractionDigits: 2 })}–${label.textContent}`);
  svg.append(line, dot, label);
  return svg;
}
