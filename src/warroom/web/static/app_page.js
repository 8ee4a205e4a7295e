// One app (/apps/{id}): state and (for operators and admins, whose button the server renders)
// "Check now" with each probe's result, uptime and latency over 24 h / 7 d / 30 d, the hourly
// latency of the last day, the metrics and events the app pushes itself, details and history.

import { api } from "./api.js";
import { appBadge, latencyText, lineChart, uptimeText } from "./apps_ui.js";
import { h } from "./camera_ui.js";
import { formatDateTime, formatNumber, formatRelative, setText, t } from "./i18n.js";
import { bootPage, csrfToken } from "./page.js";

const REFRESH_MS = 30_000;
const MAX_CHARTS = 6;
const DAY_MS = 24 * 3600 * 1000;
const id = Number(document.body.dataset.appId);
const field = (name) => document.querySelector(`[data-field="${name}"]`);
const checkButton = document.getElementById("check-now");
let app = null;
let uptime = null;
let latency = [];
let history = [];
let metrics = [];
let series = new Map();
let events = [];
let lastCheck = null;

function when(iso) {
  return iso ? `${formatDateTime(iso)} (${formatRelative(iso)})` : "—";
}

function row(key, value) {
  return [h("dt", { i18n: key }), h("dd", { dataset: { key } }, value ?? "—")];
}

function probeTarget(probe) {
  return probe.url ?? (probe.host ? `${probe.host}${probe.port ? `:${probe.port}` : ""}` : probe.name ?? "");
}

function renderApp() {
  if (!app) return;
  const name = document.getElementById("app-name");
  delete name.dataset.i18n;
  name.textContent = app.name;
  name.title = app.name;
  document.title = `warroom — ${app.name}`;
  document.getElementById("app-badge").replaceChildren(appBadge(app.status.state));
  document.getElementById("app-sub").textContent = `#${app.id} · ${app.agency_code} · ${app.category}`;
  field("since").textContent = when(app.status.since);
  field("last_checked").textContent = when(app.status.last_checked);
  field("latency").textContent = latencyText(app.status.latency_ms);
  const yes = (v) => t(v ? "common.yes" : "common.no");
  document.getElementById("app-details").replaceChildren(
    ...row("app.detail.agency", app.agency_code),
    ...row("app.detail.category", app.category),
    ...row("app.detail.criticality", app.criticality),
    ...row("app.detail.public_url", app.public_url),
    ...row("app.detail.contact", app.contact),
    ...row("app.detail.probes", app.probes.map((p) => `${p.type} ${probeTarget(p)}`).join("\n")),
    ...row("app.detail.interval", `${formatNumber(app.interval_s)} s`),
    ...row("app.detail.retries", formatNumber(app.retries)),
    ...row("app.detail.maintenance", app.maintenance.map((w) => `${formatDateTime(w.start)} – ${formatDateTime(w.end)}`).join("\n") || "—"),
    ...row("app.detail.status_page", yes(app.status_page)),
    ...row("app.detail.enabled", yes(app.enabled)),
  );
}

function renderUptime() {
  if (!uptime) return;
  document.getElementById("uptime-rows").replaceChildren(
    ...["24h", "7d", "30d"].map((w) => {
      const u = uptime[w];
      return h(
        "tr",
        { dataset: { window: w } },
        h("th", { i18n: `app.window.${w}` }),
        h("td", { class: "num", dataset: { share: u.uptime ?? "" } }, uptimeText(u.uptime)),
        h("td", { class: "num" }, latencyText(u.p50_ms)),
        h("td", { class: "num" }, latencyText(u.p95_ms)),
        h("td", { class: "num" }, formatNumber(u.samples)),
      );
    }),
  );
  document.getElementById("latency-chart").replaceChildren(lineChart(latency.map((hour) => [hour.start, hour.p50_ms]), { unit: " ms" }));
}

function renderMetrics() {
  const box = document.getElementById("app-metrics");
  if (!metrics.length) {
    box.replaceChildren(h("p", { class: "muted", i18n: "app.metrics_none" }));
    return;
  }
  box.replaceChildren(
    ...metrics.slice(0, MAX_CHARTS).map((m) =>
      h(
        "figure",
        { class: "metric-chart", dataset: { metric: m.name } },
        h("h3", {}, `${m.name}: ${formatNumber(m.last_value, { maximumFractionDigits: 2 })}`, h("span", { class: "muted" }, ` · ${formatRelative(m.last_at)}`)),
        lineChart(series.get(m.name) ?? []),
      ),
    ),
  );
}

function renderEvents() {
  const body = document.getElementById("app-events");
  if (!events.length) {
    body.replaceChildren(h("tr", {}, h("td", { i18n: "app.events_none" })));
    return;
  }
  body.replaceChildren(
    ...events.map((e) =>
      h("tr", { dataset: { severity: e.severity } }, h("td", {}, formatDateTime(e.at)), h("td", {}, e.type), h("td", {}, e.severity), h("td", {}, e.message)),
    ),
  );
}

function renderHistory() {
  const body = document.getElementById("history-rows");
  if (!history.length) {
    body.replaceChildren(h("tr", {}, h("td", { colspan: 3, i18n: "app.history_empty" })));
    return;
  }
  body.replaceChildren(
    ...history.map((c) =>
      h("tr", { dataset: { to: c.to_state } }, h("td", {}, formatDateTime(c.at)), h("td", {}, appBadge(c.from_state), " → ", appBadge(c.to_state)), h("td", {}, c.error ?? "")),
    ),
  );
}

function renderCheck() {
  const table = document.getElementById("check-results");
  if (!lastCheck || !table) return;
  table.hidden = false;
  table.querySelector("tbody").replaceChildren(
    ...lastCheck.results.map((r) =>
      h(
        "tr",
        { dataset: { ok: r.ok } },
        h("td", {}, r.type),
        h("td", { i18n: r.ok ? "app.result_ok" : "app.result_failed" }),
        h("td", { class: "num" }, latencyText(r.latency_ms)),
        h("td", {}, [r.error, ...r.failed_conditions, r.cert_days != null ? `cert ${formatNumber(r.cert_days, { maximumFractionDigits: 1 })} d` : null].filter(Boolean).join("; ")),
      ),
    ),
  );
}

function showError(message) {
  const box = document.getElementById("app-error");
  box.textContent = message;
  box.hidden = false;
}

/** Metrics and events are optional extras: a failure there must not blank the page. */
async function loadPushed() {
  try {
    const since = new Date(Date.now() - DAY_MS).toISOString();
    const [m, e] = await Promise.all([api(`/api/v1/apps/${id}/metrics`), api(`/api/v1/apps/${id}/events?limit=20`)]);
    metrics = m;
    events = e;
    const charts = await Promise.all(
      metrics.slice(0, MAX_CHARTS).map((one) =>
        api(`/api/v1/apps/${id}/metrics/${encodeURIComponent(one.name)}?since=${encodeURIComponent(since)}&step=300`),
      ),
    );
    series = new Map(charts.map((c) => [c.name, c.points]));
  } catch {
    return;
  }
  renderMetrics();
  renderEvents();
}

async function load() {
  try {
    [app, uptime, latency, history] = await Promise.all([
      api(`/api/v1/apps/${id}`),
      api(`/api/v1/apps/${id}/uptime`),
      api(`/api/v1/apps/${id}/latency?hours=24`),
      api(`/api/v1/apps/${id}/history?limit=100`),
    ]);
  } catch (err) {
    showError(err.message);
    if (err.status === 404) document.getElementById("app-name").textContent = `#${id}`;
    return;
  }
  document.getElementById("app-error").hidden = true;
  renderApp();
  renderUptime();
  renderHistory();
  if (checkButton) checkButton.disabled = false;
  await loadPushed();
}

async function checkNow() {
  checkButton.disabled = true;
  setText(checkButton, "camera.checking");
  try {
    lastCheck = await api(`/api/v1/apps/${id}/check`, { method: "POST", headers: { "X-CSRF-Token": csrfToken() } });
    renderCheck();
    await load();
  } catch (err) {
    showError(t("app.check_failed", { message: err.message }));
  } finally {
    setText(checkButton, "camera.check");
    checkButton.disabled = !app;
  }
}

bootPage();
checkButton?.addEventListener("click", checkNow);
document.addEventListener("warroom:language", () => {
  renderApp();
  renderUptime();
  renderHistory();
  renderMetrics();
  renderEvents();
  renderCheck();
});
load();
setInterval(() => {
  if (!document.hidden && app) load();
}, REFRESH_MS);
