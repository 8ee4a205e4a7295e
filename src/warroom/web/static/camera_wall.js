// The camera wall (/cameras): the latest snapshot of a page of cameras with their health,
// filtered (kind, health incl. "broken", kecamatan, text) and paged through /api/v1/cameras.
//
// Filters and page live in the URL (?health=broken&kecamatan=73.71.04&page=2), so the wall's
// "broken by kecamatan" list can link straight to a filtered view and a reload keeps it. Every
// 30 s the page is fetched again: badges follow the health checks, and a tile's picture is
// fetched again only when the camera has a newer snapshot (its time is the URL's cache-buster;
// every snapshot view is audited, so unchanged pictures are not re-requested).

import { api } from "./api.js";
import { h, kindLabel, showSnapshot, stateBadge } from "./camera_ui.js";
import { formatNumber, setText, t } from "./i18n.js";
import { bootPage } from "./page.js";

const REFRESH_MS = 30_000;
const SEARCH_DELAY_MS = 350;
const FILTERS = ["kind", "health", "kecamatan", "q"];

const pageSize = Number(document.body.dataset.pageSize) || 24;
const form = document.getElementById("camwall-filters");
const grid = document.getElementById("camwall-grid");
const status = document.getElementById("camwall-status");
const prev = document.getElementById("camwall-prev");
const next = document.getElementById("camwall-next");
const range = document.getElementById("camwall-range");
const countEl = document.getElementById("camwall-count");
const refreshed = document.getElementById("camwall-refreshed");

const state = { kind: "", health: "", kecamatan: "", q: "", page: 1 };
let current = null; // the last page from the API
let areaNames = new Map();
let generation = 0; // answers to older requests are dropped
let refreshTimer = null;

function readUrl() {
  const params = new URLSearchParams(window.location.search);
  for (const name of FILTERS) state[name] = params.get(name) ?? "";
  state.page = Math.max(1, Number.parseInt(params.get("page") ?? "1", 10) || 1);
}

function writeUrl() {
  const params = new URLSearchParams();
  for (const name of FILTERS) if (state[name]) params.set(name, state[name]);
  if (state.page > 1) params.set("page", String(state.page));
  const query = params.toString();
  window.history.replaceState(null, "", query ? `?${query}` : window.location.pathname);
}

function syncForm() {
  for (const name of FILTERS) {
    const field = form.elements[name];
    if (field.value !== state[name]) field.value = state[name];
  }
}

async function loadKecamatan() {
  try {
    const areas = await api("/api/v1/city/areas?level=kecamatan");
    const list = areas.features
      .map((f) => ({ code: f.properties.code, name: f.properties.name }))
      .sort((a, b) => a.name.localeCompare(b.name));
    areaNames = new Map(list.map((k) => [k.code, k.name]));
    const select = form.elements.kecamatan;
    for (const { code, name } of list) select.append(h("option", { value: code }, name));
    select.value = state.kecamatan;
  } catch {
    // the filter stays at "all kecamatan"; the tiles carry their own names
  }
}

function tileFor(camera) {
  const figure = h("figure", { class: "tile-snap" });
  const tile = h(
    "li",
    { class: "cam-tile", dataset: { cameraId: camera.id } },
    h(
      "a",
      { href: `/cameras/${camera.id}` },
      figure,
      h("span", { class: "tile-badge" }),
      h("span", { class: "tile-caption" }, h("span", { class: "tile-name" }), h("span", { class: "tile-where" })),
    ),
  );
  return tile;
}

function fillTile(tile, camera) {
  tile.dataset.state = camera.health.state;
  tile.querySelector(".tile-badge").replaceChildren(stateBadge(camera.health.state));
  const name = tile.querySelector(".tile-name");
  name.textContent = camera.name;
  name.title = camera.name;
  const where = [kindLabel(camera.kind), camera.kelurahan?.name, camera.kecamatan?.name ?? areaNames.get(camera.kecamatan)];
  tile.querySelector(".tile-where").textContent = where.filter(Boolean).join(" · ");
  showSnapshot(tile.querySelector(".tile-snap"), camera);
}

/** Draw the page, keeping the tiles (and so the pictures) of cameras that were already shown. */
function render() {
  if (!current) return;
  const old = new Map([...grid.children].map((li) => [li.dataset.cameraId, li]));
  const tiles = current.items.map((camera) => {
    const tile = old.get(String(camera.id)) ?? tileFor(camera);
    fillTile(tile, camera);
    return tile;
  });
  grid.replaceChildren(...tiles);
  const total = current.total;
  const from = total ? current.offset + 1 : 0;
  const to = current.offset + current.items.length;
  range.textContent = t("camwall.page", { from: formatNumber(from), to: formatNumber(to), total: formatNumber(total) });
  range.dataset.total = total;
  countEl.textContent = t("cameras.count", { shown: formatNumber(total), total: formatNumber(current.all ?? total) });
  prev.disabled = current.offset === 0;
  next.disabled = to >= total;
  status.hidden = total > 0;
  if (!total) setText(status, FILTERS.some((name) => state[name]) ? "camwall.empty" : "cameras.none");
  const time = new Date().toLocaleTimeString("en-GB", { hour12: false });
  setText(refreshed, "camwall.refreshed", { time });
}

async function load() {
  const mine = ++generation;
  const params = new URLSearchParams({ limit: String(pageSize), offset: String((state.page - 1) * pageSize) });
  for (const name of FILTERS) if (state[name]) params.set(name, state[name]);
  const filtered = FILTERS.some((name) => state[name]);
  try {
    const [page, all] = await Promise.all([
      api(`/api/v1/cameras?${params}`),
      filtered ? api("/api/v1/cameras?limit=1") : null,
    ]);
    if (mine !== generation) return;
    // Past the last page (cameras removed, filters narrowed from a bookmark): go to the last one.
    if (!page.items.length && page.total > 0 && state.page > 1) {
      state.page = Math.ceil(page.total / pageSize);
      writeUrl();
      load();
      return;
    }
    current = { ...page, all: all ? all.total : page.total };
    render();
  } catch (err) {
    if (mine !== generation) return;
    status.textContent = err.message;
    delete status.dataset.i18n;
    status.hidden = false;
  }
}

function scheduleRefresh() {
  clearInterval(refreshTimer);
  refreshTimer = setInterval(() => {
    if (!document.hidden) load();
  }, REFRESH_MS);
}

function change(updates) {
  Object.assign(state, updates);
  writeUrl();
  load();
  scheduleRefresh();
}

function bind() {
  let searchTimer = null;
  form.addEventListener("submit", (e) => e.preventDefault());
  for (const name of ["kind", "health", "kecamatan"]) {
    form.elements[name].addEventListener("change", () => change({ [name]: form.elements[name].value, page: 1 }));
  }
  form.elements.q.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => change({ q: form.elements.q.value.trim(), page: 1 }), SEARCH_DELAY_MS);
  });
  prev.addEventListener("click", () => change({ page: Math.max(1, state.page - 1) }));
  next.addEventListener("click", () => change({ page: state.page + 1 }));
  document.addEventListener("keydown", (e) => {
    if (e.target.closest("input, select, textarea")) return;
    if (e.key === "ArrowRight" && !next.disabled) next.click();
    if (e.key === "ArrowLeft" && !prev.disabled) prev.click();
  });
  document.addEventListener("warroom:language", () => {
    document.title = `warroom — ${t("camwall.title")}`;
    render();
  });
}

bootPage();
document.title = `warroom — ${t("camwall.title")}`;
readUrl();
syncForm();
bind();
loadKecamatan();
load();
scheduleRefresh();
