// The war-room wall: header (city, KPI tiles, clock, language, user), the city map and the live
// event feed. Server values come from data-* attributes and <meta> tags (the page allows no
// inline script); everything else from /api/v1 like any other client.
//
// Later features fill the KPI tiles with `setKpi(name, value)`: import it from this module, or
// call `window.warroom.setKpi` from a classic script.

import { api } from "./api.js";
import { CityMap } from "./areas.js";
import { LiveFeed } from "./feed.js";
import { bindLanguageToggle, formatNumber, initLanguage, t } from "./i18n.js";

const body = document.body;
const kpis = new Map();
let city = null;
let cityMap = null;

function renderKpi(tile, value) {
  const empty = value === null || value === undefined;
  tile.classList.toggle("is-empty", empty);
  tile.querySelector(".kpi-value").textContent = empty ? "—" : typeof value === "number" ? formatNumber(value) : String(value);
}

/** Show `value` in the KPI tile `name` (cameras, apps, reports, incidents); false if no such tile. */
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
}

function toast(message) {
  const el = document.getElementById("toast");
  el.textContent = message;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => {
    el.hidden = true;
  }, 8000);
}

async function logout() {
  const token = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
  try {
    await api("/api/v1/auth/session", { method: "DELETE", headers: { "X-CSRF-Token": token }, redirectOn401: false });
  } catch (err) {
    if (err.status !== 401) {
      // 401: already signed out, which is what the operator wanted
      toast(t("user.logout_failed", { message: err.message }));
      return;
    }
  }
  window.location.assign("/login");
}

function startClock() {
  const el = document.getElementById("clock");
  const tick = () => {
    const now = new Date();
    el.textContent = now.toLocaleTimeString("en-GB", { hour12: false });
    el.dateTime = now.toISOString();
  };
  tick();
  setInterval(tick, 1000);
}

function onEvent(event) {
  // Another process (or the CLI, via a server restart) imported boundaries: redraw the map.
  if (event.type === "city.areas_imported") loadCity();
}

function boot() {
  initLanguage(document.documentElement.dataset.defaultLang);
  bindLanguageToggle();
  document.addEventListener("warroom:language", () => {
    renderCity();
    for (const [name, value] of kpis) setKpi(name, value);
  });
  document.getElementById("logout").addEventListener("click", logout);
  startClock();
  cityMap = new CityMap(document.getElementById("map"), {
    tileUrl: body.dataset.tileUrl,
    tileAttribution: body.dataset.tileAttribution,
    panel: document.getElementById("area-info"),
    status: document.getElementById("map-status"),
  });
  new LiveFeed({
    list: document.getElementById("feed-list"),
    status: document.getElementById("feed-status"),
    onEvent,
  }).start();
  loadCity();
}

window.warroom = Object.freeze({ setKpi });
boot();
