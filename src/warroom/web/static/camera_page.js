// One camera (/cameras/{id}): its latest snapshot, details, health (state, since, last check,
// last observation, metrics), uptime over 24 h / 7 d / 30 d, the history of state changes and,
// for operators and admins (the server renders the button only for them), "Check now".

import { api } from "./api.js";
import { h, kindLabel, metricLabel, metricValue, metricsList, showSnapshot, stateBadge } from "./camera_ui.js";
import { formatDateTime, formatNumber, formatPercent, formatRelative, setText, t } from "./i18n.js";
import { bootPage, csrfToken } from "./page.js";

const REFRESH_MS = 30_000;
const id = Number(document.body.dataset.cameraId);
const field = (name) => document.querySelector(`[data-field="${name}"]`);
const checkButton = document.getElementById("check-now");
let camera = null;
let uptime = null;
let history = [];
let lastCheck = null;

function when(iso) {
  return iso ? `${formatDateTime(iso)} (${formatRelative(iso)})` : t("camera.never");
}

/** A URL with line-break chances after its "?", "&" and "/" (long stream URLs wrap there). */
function breakable(url) {
  return url.split(/(?<=[?&/])/).flatMap((part, i) => (i ? [document.createElement("wbr"), part] : [part]));
}

function renderCamera() {
  if (!camera) return;
  const name = document.getElementById("camera-name");
  delete name.dataset.i18n;
  name.textContent = camera.name;
  name.title = camera.name;
  document.title = `warroom — ${camera.name}`;
  document.getElementById("camera-badge").replaceChildren(stateBadge(camera.health.state));
  const where = [kindLabel(camera.kind), camera.kelurahan?.name, camera.kecamatan?.name].filter(Boolean);
  document.getElementById("camera-sub").textContent = `#${camera.id} · ${where.join(" · ")}`;

  const snapAt = document.getElementById("camera-snapshot-at");
  snapAt.textContent = camera.snapshot_at ? t("camera.snapshot_at", { time: when(camera.snapshot_at) }) : "";
  showSnapshot(document.getElementById("camera-snapshot"), camera);

  const health = camera.health;
  const stateBox = document.getElementById("camera-state");
  stateBox.dataset.state = health.state;
  stateBox.replaceChildren(stateBadge(health.state, { large: true }));
  field("since").textContent = when(health.since);
  field("last_checked").textContent = when(health.last_checked);
  field("observed").replaceChildren(health.observed ? stateBadge(health.observed) : t("camera.never"));

  const rows = [
    ["camera.kind", kindLabel(camera.kind)],
    ["camera.kecamatan", camera.kecamatan ? `${camera.kecamatan.name} (${camera.kecamatan.code})` : "—"],
    ["camera.kelurahan", camera.kelurahan ? `${camera.kelurahan.name} (${camera.kelurahan.code})` : "—"],
    ["camera.location", `${formatNumber(camera.lat, { maximumFractionDigits: 6 })}, ${formatNumber(camera.lon, { maximumFractionDigits: 6 })}`],
    ["camera.agency", camera.agency_code ?? "—"],
    ["camera.stream", camera.stream_url],
    ["camera.credentials", t(camera.has_credentials ? "common.yes" : "common.no")],
    ["camera.tags", camera.tags.length ? camera.tags.join(", ") : "—"],
    ["camera.masks", formatNumber(camera.privacy_masks.length)],
    ["camera.enabled", t(camera.enabled ? "common.yes" : "common.no")],
  ];
  document.getElementById("camera-details").replaceChildren(
    ...rows.map(([key, value]) =>
      h(
        "div",
        {},
        h("dt", {}, t(key)),
        key === "camera.stream" ? h("dd", { dataset: { key }, class: "url" }, breakable(value)) : h("dd", { dataset: { key } }, value),
      ),
    ),
  );
}

function renderMetrics() {
  // The API gives the metrics of each state change and of a check run from this page, not those
  // of the sweep's latest check: these are the metrics that made the last change.
  // After "Check now" the check's own result shows the latest metrics: no second copy.
  const metrics = history[0]?.metrics ?? null;
  const title = document.getElementById("camera-metrics-title");
  const box = document.getElementById("camera-metrics");
  title.hidden = box.hidden = Boolean(lastCheck);
  box.replaceChildren(metrics && Object.keys(metrics).length ? metricsList(metrics, "facts metrics") : h("p", { class: "muted" }, "—"));
}

function renderUptime() {
  if (!uptime) return;
  for (const li of document.querySelectorAll(".uptime li")) {
    const share = uptime[li.dataset.window];
    const value = li.querySelector(".uptime-value");
    value.textContent = share === null || share === undefined ? t("uptime.none") : formatPercent(share);
    li.classList.toggle("is-none", share === null || share === undefined);
    li.querySelector(".uptime-bar span").style.width = `${((share ?? 0) * 100).toFixed(1)}%`;
    li.dataset.share = share ?? "";
  }
}

function renderHistory() {
  const body = document.getElementById("history-rows");
  if (!history.length) {
    body.replaceChildren(h("tr", { class: "history-empty" }, h("td", { colspan: 3, i18n: "history.empty" })));
    return;
  }
  body.replaceChildren(
    ...history.map((change) =>
      h(
        "tr",
        { dataset: { to: change.to_state } },
        h("td", { class: "history-at" }, formatDateTime(change.at)),
        h("td", { class: "history-change" }, stateBadge(change.from_state), " → ", stateBadge(change.to_state)),
        h(
          "td",
          { class: "history-metrics" },
          Object.entries(change.metrics ?? {})
            .filter(([, v]) => v !== null && v !== undefined)
            .map(([k, v]) => h("span", { class: "metric-chip", title: k }, `${metricLabel(k)}: ${metricValue(v)}`)),
        ),
      ),
    ),
  );
}

function renderCheck() {
  if (!lastCheck) return;
  const box = document.getElementById("check-result");
  box.hidden = false;
  box.dataset.state = lastCheck.state;
  field("check-observed").replaceChildren(stateBadge(lastCheck.observed));
  field("check-state").replaceChildren(stateBadge(lastCheck.state));
  field("check-metrics").replaceChildren(metricsList(lastCheck.metrics, "facts metrics"));
}

function showError(message) {
  const box = document.getElementById("camera-error");
  box.textContent = message;
  box.hidden = false;
}

async function load() {
  try {
    const [c, u, hist] = await Promise.all([
      api(`/api/v1/cameras/${id}`),
      api(`/api/v1/cameras/${id}/uptime`),
      api(`/api/v1/cameras/${id}/history?limit=200`),
    ]);
    camera = c;
    uptime = u;
    history = hist;
  } catch (err) {
    showError(err.message);
    if (err.status === 404) document.getElementById("camera-name").textContent = `#${id}`;
    return false;
  }
  document.getElementById("camera-error").hidden = true;
  renderCamera();
  renderUptime();
  renderHistory();
  renderMetrics();
  if (checkButton) checkButton.disabled = false;
  return true;
}

async function checkNow() {
  checkButton.disabled = true;
  setText(checkButton, "camera.checking");
  try {
    lastCheck = await api(`/api/v1/cameras/${id}/check`, { method: "POST", headers: { "X-CSRF-Token": csrfToken() } });
    renderCheck();
    await load();
  } catch (err) {
    showError(t("camera.check_failed", { message: err.message }));
  } finally {
    setText(checkButton, "camera.check");
    checkButton.disabled = !camera;
  }
}

bootPage();
checkButton?.addEventListener("click", checkNow);
document.addEventListener("warroom:language", () => {
  renderCamera();
  renderUptime();
  renderHistory();
  renderMetrics();
  renderCheck();
});
load();
setInterval(() => {
  if (!document.hidden && camera) load();
}, REFRESH_MS);
