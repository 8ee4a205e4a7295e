// The war-room wall: header (city, KPI tiles, clock, language, user), the city map with its
// camera layer (cameras.js) and the live event feed. Server values come from data-* attributes
// and <meta> tags (the page allows no inline script); everything else from /api/v1 like any
// other client.
//
// Later features fill the KPI tiles with `setKpi(name, value)`: import it from this module, or
// call `window.warroom.setKpi` from a classic script.

import { api } from "./api.js";
import { MetricTiles } from "./app_tiles.js";
import { AppsPanel } from "./apps_panel.js";
import { CityMap } from "./areas.js";
import { CameraHealthPanel, CameraLayer } from "./cameras.js";
import { LiveFeed } from "./feed.js";
import { formatNumber, t } from "./i18n.js";
import { bootPage, toast } from "./page.js";
import { ReportLayer } from "./reports_layer.js";
import { ReportsPanel } from "./reports_panel.js";
import { REPORT_EVENTS, setAreaNames } from "./reports_ui.js";
import { SideTabs } from "./side_tabs.js";

const body = document.body;
const kpis = new Map();
let city = null;
let cityMap = null;
let cameraLayer = null;
let cameraHealth = null;
let appsPanel = null;
let metricTiles = null;
let sideTabs = null;
let reportLayer = null;
let reportsPanel = null;

function renderKpi(tile, value) {
  const empty = value === null || value === undefined;
  tile.classList.toggle("is-empty", empty);
  const el = tile.querySelector(".kpi-value");
  if (empty) {
    el.textContent = "—";
    return;
  }
  const shown = typeof value === "function" ? value() : typeof value === "number" ? formatNumber(value) : String(value);
  if (shown instanceof Node) el.replaceChildren(shown);
  else el.textContent = String(shown);
}

/**
 * Show `value` in the KPI tile `name` (cameras, apps, reports, incidents); false if no such tile.
 * A number is formatted in the current language; a function (returning text or a DOM node) is
 * called again on every language switch, for values such as "7.102 / 7.490" that embed numbers.
 */
export function setKpi(name, value) {
  const tile = document.querySelector(`[data-kpi="${CSS.escape(name)}"]`);
  if (!tile) return false;
  kpis.set(name, value);
  renderKpi(tile, value);
  return true;
}

function renderCity() {
  if (!city) return;
  const name = document.getElementById("city-name");
  delete name.dataset.i18n;
  name.textContent = city.name;
  name.title = city.name; // the header cuts long names short
  document.title = `warroom — ${city.name}`;
  document.getElementById("sample-badge").hidden = !city.is_sample;
  const facts = [
    t("city.facts", {
      kecamatan: formatNumber(city.counts.kecamatan),
      kelurahan: formatNumber(city.counts.kelurahan),
    }),
  ];
  if (city.population) facts.push(t("city.population", { population: formatNumber(city.population) }));
  document.getElementById("city-facts").textContent = facts.join(" · ");
}

async function loadCity() {
  try {
    city = await api("/api/v1/city");
  } catch (err) {
    toast(err.message);
    return;
  }
  renderCity();
  await cityMap.load(city.view_bbox ?? city.bbox);
  cameraLayer.setKecamatan(cityMap.kecamatan);
}

function onEvent(event) {
  if (event.type === "camera.health_changed") {
    // One camera changed: recolour its marker and move it between the counts, no refetch. A
    // camera not on the map (the layer is still loading, or the camera is new) is applied again
    // once the layer has (re)loaded.
    if (!cameraLayer.update(event.payload)) reloadCameras().then(() => cameraLayer.update(event.payload));
    cameraHealth.applyChange(event.payload);
  }
  if (event.type === "app.status_changed") {
    appsPanel.applyChange(event.payload);
    const overview = appsPanel.overview;
    if (overview) sideTabs.set("apps", { available: overview.total > 0, badge: overview.counts.down ?? 0 });
  }
  if (REPORT_EVENTS.has(event.type)) reportsPanel.onEvent(event);
  metricTiles.onEvent(event);
  // Another process (or the CLI, via a server restart) imported boundaries: redraw the map.
  if (event.type === "city.areas_imported") {
    loadCity();
    reloadCameras();
  }
}

let cameraReload = null;

function reloadCameras() {
  cameraReload ??= cameraLayer.load().finally(() => {
    cameraReload = null;
  });
  return cameraReload;
}

function boot() {
  bootPage();
  document.addEventListener("warroom:language", () => {
    renderCity();
    for (const [name, value] of kpis) setKpi(name, value);
  });
  cityMap = new CityMap(document.getElementById("map"), {
    tileUrl: body.dataset.tileUrl,
    tileAttribution: body.dataset.tileAttribution,
    panel: document.getElementById("area-info"),
    status: document.getElementById("map-status"),
  });
  const cameraPanel = document.getElementById("camera-panel");
  cameraLayer = new CameraLayer(cityMap.map, {
    panel: cameraPanel,
    names: cityMap.names,
    onLoaded: reserveSide,
  });
  cameraHealth = new CameraHealthPanel({
    section: document.getElementById("broken-panel"),
    list: document.getElementById("broken-list"),
    note: document.getElementById("camera-kpi-note"),
    setKpi,
    // Cameras registered or removed since the layer loaded (imports send no event): reload it.
    onSummary: (summary) => {
      if (cameraLayer.loaded && summary.total !== cameraLayer.markers.size) reloadCameras();
    },
  });
  // The lower slot of the side column: apps and citizen reports as tabs; the reports' map layer
  // shows while their tab is open.
  sideTabs = new SideTabs({
    root: document.getElementById("side-tabs"),
    onChange: (name) => {
      reportLayer.show(name === "reports");
      reserveSide();
    },
  });
  reportLayer = new ReportLayer(cityMap.map);
  setAreaNames(cityMap.names);
  appsPanel = wallAppsPanel();
  reportsPanel = new ReportsPanel({
    section: document.getElementById("reports-panel"),
    setKpi,
    note: document.getElementById("reports-kpi-note"),
    layer: reportLayer,
    onLoaded: (summary) => sideTabs.set("reports", { available: summary.total > 0, badge: summary.breaches.any }),
    onPick: showReport,
  });
  // The reports KPI tile opens the reports tab (the link also works from a bookmark: /#reports).
  document.querySelector("[data-show-tab=reports]").addEventListener("click", (e) => {
    e.preventDefault();
    sideTabs.choose("reports");
  });
  if (window.location.hash === "#reports") sideTabs.choose("reports");
  metricTiles = new MetricTiles({
    section: document.getElementById("metric-tiles"),
    list: document.getElementById("metric-tile-list"),
  });
  // A camera event in the feed: a click shows that camera on the map, with its popup.
  document.getElementById("feed-list").addEventListener("click", (e) => {
    const entry = e.target.closest(".feed-entry[data-camera-id]");
    if (entry) cameraLayer.focus(entry.dataset.cameraId, { popup: true });
    const report = e.target.closest(".feed-entry[data-ticket]");
    if (report) showReport(report.dataset.ticket);
  });
  new LiveFeed({
    list: document.getElementById("feed-list"),
    status: document.getElementById("feed-status"),
    onEvent,
    // Health changes published while the stream was down were missed: reload what they update.
    onReconnect: () => {
      reloadCameras();
      cameraHealth.refresh();
      appsPanel.refresh();
      metricTiles.refresh();
      reportsPanel.refresh();
    },
  }).start();
  loadCity();
  reloadCameras();
  cameraHealth.start();
  appsPanel.start();
  metricTiles.start();
  reportsPanel.start();
}

/** The side column's panels float over the map's right side: keep the city clear of them. */
function reserveSide() {
  const column = document.querySelector(".stage-panels");
  const used = !document.getElementById("camera-panel").hidden || !document.getElementById("side-tabs").hidden;
  cityMap.reserveRight(used ? column.offsetWidth + 16 : 0);
}

/** Open the reports tab and show one report on the map, with its popup. */
function showReport(ticket) {
  sideTabs.choose("reports");
  reportLayer.focus(ticket);
}

/** The side column's apps panel: problems only until the operator asks for all (remembered). */
function wallAppsPanel() {
  const buttons = [...document.querySelectorAll("[data-apps-filter]")];
  let problems = true;
  try {
    problems = localStorage.getItem("warroom.apps.filter") !== "all";
  } catch {
    // storage disabled: start with problems only
  }
  const mark = () => {
    for (const b of buttons) b.setAttribute("aria-pressed", String((b.dataset.appsFilter === "problems") === problems));
  };
  // The tabs show and hide the panel (no `section`): a city without apps has no apps tab.
  const panel = new AppsPanel({
    list: document.getElementById("apps-list"),
    status: document.getElementById("apps-status"),
    setKpi,
    note: document.getElementById("apps-kpi-note"),
    filter: () => ({ problems }),
    onLoaded: (overview) => sideTabs.set("apps", { available: overview.total > 0, badge: overview.counts.down ?? 0 }),
  });
  for (const button of buttons) {
    button.addEventListener("click", () => {
      problems = button.dataset.appsFilter === "problems";
      try {
        localStorage.setItem("warroom.apps.filter", problems ? "problems" : "all");
      } catch {
        // not remembered, still applied
      }
      mark();
      panel.render();
    });
  }
  mark();
  return panel;
}

window.warroom = Object.freeze({
  setKpi,
  get cameras() {
    return cameraLayer;
  },
  get reports() {
    return reportLayer;
  },
});
boot();
