// The cameras on the wall: every camera of /api/v1/cameras.geojson as a map marker coloured by
// its health, clustered when zoomed out (Leaflet.markercluster), filtered in the browser, kept
// current by `camera.health_changed` events; and the camera KPI tile with the "broken by
// kecamatan" list from /api/v1/cameras/summary.
//
// 7,490 markers in Makassar. They are `L.circleMarker`s (no DOM per marker until shown) added
// with markercluster's `chunkedLoading`, so the page never freezes while the layer builds, and
// only the clusters and single markers inside the view exist on screen. They are drawn as SVG in
// their own pane above the area polygons: a canvas there would swallow the clicks meant for the
// kecamatan/kelurahan paths underneath (the pane lets clicks through; only markers take them).
//
// Filters (kind, health, kecamatan) work on the loaded features: no refetch. Colours come from
// wall.css (`[data-state]` and the `--st-<state>` variables).

import { api } from "./api.js";
import { BROKEN, SEVERITY, STATES, h, isBroken, matches, showSnapshot, stateBadge, throttleTrailing } from "./camera_ui.js";
import { registerSummary } from "./feed.js";
import { addEventLabels, formatDateTime, formatNumber, formatRelative, setText, t } from "./i18n.js";

/* global L */

const PANE = "cameras";
const SUMMARY_EVERY_MS = 60_000;
const SUMMARY_AFTER_EVENT_MS = 3_000;
const PING_MS = 4_000;
const TOP_KECAMATAN = 5;
const UNCLUSTERED_ZOOM = 18;
const UPDATE_BATCH_MS = 200;
const MAX_PINGS = 12; // per batch: a ring per changed camera, but not thousands after a big sweep

addEventLabels({
  id: { "camera.health_changed": "Kesehatan kamera berubah" },
  en: { "camera.health_changed": "Camera health changed" },
});
registerSummary(
  "camera.health_changed",
  (p) => `${p.name}: ${t(`health.${p.from_state}`)} → ${t(`health.${p.to_state}`)}`,
  (li, p) => {
    li.dataset.state = p.to_state;
    li.dataset.cameraId = p.camera_id; // the wall shows the camera on the map when clicked
    li.dataset.i18nAttr = "title:camera.show_on_map";
    li.title = t("camera.show_on_map");
  },
);

function radius(camera) {
  const base = camera.kind === "road" ? 6 : 4.5;
  return isBroken(camera.health) ? base + 2 : base;
}

/** Marks a marker's SVG path each time markercluster puts it on the map (a new element each time). */
function onMarkerAdd(event) {
  const marker = event.target;
  const el = marker.getElement();
  if (!el) return;
  el.dataset.cameraId = marker.camera.id;
  el.dataset.state = marker.camera.health;
  if (isBroken(marker.camera.health)) marker.bringToFront();
}

export class CameraLayer {
  /**
   * @param {L.Map} map
   * @param {{panel: HTMLElement, names: Map<string, string>, onLoaded?: (layer: CameraLayer) => void}} options
   *   `panel` holds the filters, the count and the legend; `names` maps area codes to names.
   */
  constructor(map, { panel, names, onLoaded = () => {} }) {
    this.map = map;
    this.panel = panel;
    this.names = names;
    this.onLoaded = onLoaded;
    map.createPane(PANE);
    this.renderer = L.svg({ pane: PANE, padding: 0.2 });
    this.markers = new Map(); // camera id -> marker
    this.shown = new Set(); // markers currently in the cluster group (passing the filters)
    this.filters = { kind: "", health: "", kecamatan: "" };
    this.queue = Promise.resolve(); // cluster changes, one after another
    this.chunkDone = null;
    this.pending = new Map(); // marker -> new state, applied by the next flush()
    this.flushTimer = null;
    this.popup = null;
    this.loaded = false;
    this.stats = { cameras: 0, fetchMs: 0, buildMs: 0 };
    this.cluster = L.markerClusterGroup({
      chunkedLoading: true,
      chunkProgress: (done, total) => {
        if (done === total && this.chunkDone) {
          const resolve = this.chunkDone;
          this.chunkDone = null;
          resolve();
        }
      },
      // No split/merge animations: cheaper on a wall computer, and the layer is settled as soon
      // as a zoom ends (a focus right after a zoom must find its marker on the map).
      animate: false,
      showCoverageOnHover: false,
      spiderfyOnMaxZoom: true,
      disableClusteringAtZoom: UNCLUSTERED_ZOOM,
      maxClusterRadius: (zoom) => (zoom >= 15 ? 40 : 64),
      iconCreateFunction: (cluster) => this.clusterIcon(cluster),
      spiderLegPolylineOptions: { weight: 1.5, color: "#93a4c0", opacity: 0.8 },
    });
    this.cluster.on("click", (e) => this.openPopup(e.layer));
    this.cluster.addTo(map);
    this.bindPanel();
    document.addEventListener("warroom:language", () => {
      this.renderPanel();
      this.cluster.refreshClusters();
      if (this.popup?.isOpen()) this.renderPopup();
    });
  }

  // ---- loading and filtering ---------------------------------------------------------------

  /** Fetch every camera and (re)build the layer; resolves once every marker is placed. */
  async load() {
    const status = this.panel.querySelector("[data-camera-status]");
    setText(status, "cameras.loading");
    status.hidden = false;
    const t0 = performance.now();
    let data;
    try {
      data = await api("/api/v1/cameras.geojson");
    } catch (err) {
      setText(status, "cameras.error", { message: err.message });
      this.panel.hidden = false;
      return;
    }
    const t1 = performance.now();
    await this.enqueue(() => this.build(data.features));
    const t2 = performance.now();
    this.stats = { cameras: this.markers.size, fetchMs: Math.round(t1 - t0), buildMs: Math.round(t2 - t1) };
    this.loaded = true;
    status.hidden = this.markers.size > 0;
    if (!this.markers.size) setText(status, "cameras.none");
    this.panel.hidden = this.markers.size === 0;
    this.renderPanel();
    this.onLoaded(this);
  }

  enqueue(task) {
    this.queue = this.queue.then(task, task);
    return this.queue;
  }

  /** Resolves when markercluster has placed a chunked `addLayers` call. */
  addChunked(layers) {
    if (!layers.length) return Promise.resolve();
    return new Promise((resolve) => {
      this.chunkDone = resolve;
      this.cluster.addLayers(layers, true);
    });
  }

  build(features) {
    this.map.closePopup();
    this.cluster.clearLayers();
    this.markers.clear();
    this.shown.clear();
    this.pending.clear(); // the fresh features already carry those states
    clearTimeout(this.flushTimer);
    this.flushTimer = null;
    for (const feature of features) {
      const camera = feature.properties;
      const [lon, lat] = feature.geometry.coordinates;
      const marker = L.circleMarker([lat, lon], {
        pane: PANE,
        renderer: this.renderer,
        radius: radius(camera),
        className: `camera-marker kind-${camera.kind}`,
        weight: camera.kind === "road" ? 2 : 1,
        fillOpacity: 1,
        bubblingMouseEvents: false, // a click on a camera is not a click on the area below it
      });
      marker.camera = camera;
      marker.on("add", onMarkerAdd);
      this.markers.set(camera.id, marker);
    }
    const visible = [...this.markers.values()].filter((m) => matches(m.camera, this.filters));
    for (const m of visible) this.shown.add(m);
    return this.addChunked(visible);
  }

  /** Apply `this.filters`: move only the markers whose membership changed. */
  applyFilters() {
    return this.enqueue(async () => {
      const add = [];
      const remove = [];
      for (const marker of this.markers.values()) {
        const want = matches(marker.camera, this.filters);
        if (want && !this.shown.has(marker)) add.push(marker);
        else if (!want && this.shown.has(marker)) remove.push(marker);
      }
      this.map.closePopup();
      if (remove.length) this.cluster.removeLayers(remove);
      for (const m of remove) this.shown.delete(m);
      for (const m of add) this.shown.add(m);
      await this.addChunked(add);
      this.renderPanel();
    });
  }

  setFilter(name, value) {
    if (this.filters[name] === value) return this.queue;
    this.filters[name] = value;
    const select = this.panel.querySelector(`[data-filter="${name}"]`);
    if (select && select.value !== value) select.value = value;
    this.renderPanel();
    return this.applyFilters();
  }

  /** Fill the kecamatan filter from the city's areas ([{code, name}]). */
  setKecamatan(list) {
    const select = this.panel.querySelector('[data-filter="kecamatan"]');
    const keep = select.value;
    for (const option of [...select.options].slice(1)) option.remove();
    for (const { code, name } of list) select.append(h("option", { value: code }, name));
    select.value = list.some((k) => k.code === keep) ? keep : "";
  }

  bindPanel() {
    for (const select of this.panel.querySelectorAll("[data-filter]")) {
      select.addEventListener("change", () => this.setFilter(select.dataset.filter, select.value));
    }
    this.panel.querySelector("[data-action=reset]")?.addEventListener("click", () => {
      for (const name of Object.keys(this.filters)) this.filters[name] = "";
      for (const select of this.panel.querySelectorAll("[data-filter]")) select.value = "";
      this.renderPanel();
      this.applyFilters();
    });
    const legend = this.panel.querySelector("[data-legend]");
    for (const state of STATES) {
      const button = h(
        "button",
        { type: "button", class: "legend-item", dataset: { state }, "aria-pressed": "false" },
        h("span", { class: "swatch", dataset: { state } }),
        h("span", { class: "legend-label", i18n: `health.${state}` }),
        h("span", { class: "legend-count" }, "0"),
      );
      button.addEventListener("click", () => this.setFilter("health", this.filters.health === state ? "" : state));
      legend.append(h("li", {}, button));
    }
  }

  /** The count ("N of M cameras") and the legend's per-state counts (under the kind/kecamatan filters). */
  renderPanel() {
    const count = this.panel.querySelector("[data-camera-count]");
    count.textContent = t("cameras.count", { shown: formatNumber(this.shown.size), total: formatNumber(this.markers.size) });
    count.dataset.shown = this.shown.size;
    count.dataset.total = this.markers.size;
    const perState = Object.fromEntries(STATES.map((s) => [s, 0]));
    const others = { ...this.filters, health: "" };
    for (const marker of this.markers.values()) {
      if (matches(marker.camera, others)) perState[marker.camera.health] = (perState[marker.camera.health] ?? 0) + 1;
    }
    for (const button of this.panel.querySelectorAll(".legend-item")) {
      const state = button.dataset.state;
      button.querySelector(".legend-count").textContent = formatNumber(perState[state] ?? 0);
      button.setAttribute("aria-pressed", String(this.filters.health === state));
      button.classList.toggle("is-zero", !perState[state]);
    }
    this.panel.classList.toggle("is-filtered", Object.values(this.filters).some(Boolean));
    this.panel.querySelector("[data-action=reset]").hidden = !Object.values(this.filters).some(Boolean);
  }

  // ---- clusters ----------------------------------------------------------------------------

  /** A ring split by state (worst first), the camera count inside and a red count of broken ones. */
  clusterIcon(cluster) {
    const counts = {};
    const children = cluster.getAllChildMarkers();
    for (const m of children) counts[m.camera.health] = (counts[m.camera.health] ?? 0) + 1;
    const total = children.length;
    const broken = [...BROKEN].reduce((n, s) => n + (counts[s] ?? 0), 0);
    const slices = [];
    let done = 0;
    for (const state of SEVERITY) {
      const n = counts[state];
      if (!n) continue;
      const from = (done / total) * 360;
      done += n;
      slices.push(`var(--st-${state}) ${from.toFixed(1)}deg ${((done / total) * 360).toFixed(1)}deg`);
    }
    const size = total < 10 ? 34 : total < 100 ? 42 : total < 1000 ? 50 : 58;
    const title = t("cameras.cluster", { total: formatNumber(total), broken: formatNumber(broken) });
    const html =
      `<div class="cc-ring" style="background: conic-gradient(${slices.join(", ")})" ` +
      `data-total="${total}" data-broken="${broken}" title="${title}">` +
      `<span class="cc-total">${formatNumber(total)}</span></div>` +
      (broken ? `<span class="cc-broken">${formatNumber(broken)}</span>` : "");
    return L.divIcon({ html, className: `camera-cluster${broken ? " has-broken" : ""}`, iconSize: L.point(size, size) });
  }

  /** Markers and clusters now on screen: [{total, broken}] per cluster and the single markers. */
  visible() {
    const clusters = [...this.map.getContainer().querySelectorAll(".camera-cluster .cc-ring")].map((el) => ({
      total: Number(el.dataset.total),
      broken: Number(el.dataset.broken),
    }));
    const singles = this.map.getPane(PANE).querySelectorAll("path.camera-marker").length;
    return { clusters, singles, cameras: clusters.reduce((n, c) => n + c.total, 0) + singles };
  }

  /**
   * Centre the map on a camera at a zoom where no cluster hides it (markercluster's own
   * `zoomToShowLayer` expects icon markers); `popup` also opens its popup. False: not shown.
   */
  focus(cameraId, { popup = false } = {}) {
    const marker = this.markers.get(Number(cameraId));
    if (!marker || !this.shown.has(marker)) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.map.once("moveend", () =>
        requestAnimationFrame(() => {
          if (popup) this.openPopup(marker);
          resolve(true);
        }),
      );
      this.map.setView(marker.getLatLng(), Math.max(this.map.getZoom(), UNCLUSTERED_ZOOM), { animate: false });
    });
  }

  // ---- live updates ------------------------------------------------------------------------

  /**
   * A `camera.health_changed` payload: recolour that camera's marker. Changes are applied in
   * batches (a sweep can change thousands of cameras at once): one cluster refresh, one count
   * update and a few pings per batch. False: a camera this page has not loaded (reload it).
   */
  update(payload) {
    const marker = this.markers.get(payload.camera_id);
    if (!marker) return false;
    this.pending.set(marker, payload.to_state);
    this.flushTimer ??= setTimeout(() => this.flush(), UPDATE_BATCH_MS);
    return true;
  }

  flush() {
    this.flushTimer = null;
    const changed = [...this.pending.keys()];
    for (const [marker, state] of this.pending) {
      marker.camera.health = state;
      marker.setRadius(radius(marker.camera));
      const el = marker.getElement();
      if (el) {
        el.dataset.state = state;
        if (isBroken(state)) marker.bringToFront();
      }
    }
    this.pending.clear();
    this.enqueue(async () => {
      const add = [];
      const remove = [];
      const refresh = [];
      for (const marker of changed) {
        const want = matches(marker.camera, this.filters);
        const has = this.shown.has(marker);
        if (want && !has) add.push(marker);
        else if (!want && has) remove.push(marker);
        else if (has) refresh.push(marker);
      }
      if (remove.length) this.cluster.removeLayers(remove);
      for (const m of remove) this.shown.delete(m);
      for (const m of add) this.shown.add(m);
      if (refresh.length) this.cluster.refreshClusters(refresh);
      await this.addChunked(add);
      this.renderPanel();
    });
    for (const marker of changed.slice(0, MAX_PINGS)) this.ping(marker);
    const open = this.popup?.isOpen() ? changed.find((m) => m.camera.id === this.popup.cameraId) : null;
    if (open) this.openPopup(open);
  }

  /** A ring that spreads from the camera for a moment, so a change is seen even inside a cluster. */
  ping(marker) {
    const ring = L.circleMarker(marker.getLatLng(), {
      pane: PANE,
      renderer: this.renderer,
      radius: 12,
      className: "camera-ping",
      interactive: false,
      fill: false,
      weight: 3,
    }).addTo(this.map);
    const el = ring.getElement();
    if (el) el.dataset.state = marker.camera.health;
    setTimeout(() => ring.remove(), PING_MS);
  }

  // ---- popup -------------------------------------------------------------------------------

  openPopup(marker) {
    if (!marker?.camera) return;
    const node = h("div", { class: "camera-pop" });
    this.popup = L.popup({ className: "camera-popup", minWidth: 320, maxWidth: 340, autoPanPadding: [48, 48] })
      .setLatLng(marker.getLatLng())
      .setContent(node)
      .openOn(this.map);
    this.popup.cameraId = marker.camera.id;
    this.popup.marker = marker;
    this.popup.detail = null;
    this.renderPopup();
    api(`/api/v1/cameras/${marker.camera.id}`)
      .then((detail) => {
        if (this.popup?.cameraId !== detail.id) return;
        this.popup.detail = detail;
        this.renderPopup();
      })
      .catch((err) => {
        if (this.popup?.cameraId === marker.camera.id) node.querySelector(".pop-snap")?.replaceChildren(h("p", { class: "snap-note" }, err.message));
      });
  }

  /** Draw the open popup from the marker (at once) and the camera's details (when they arrive). */
  renderPopup() {
    const popup = this.popup;
    const node = popup.getContent();
    const camera = popup.marker.camera;
    const detail = popup.detail;
    const state = detail?.health.state ?? camera.health;
    let figure = node.querySelector(".pop-snap");
    if (!figure) {
      figure = h("figure", { class: "pop-snap" }, h("p", { class: "snap-note", i18n: "camera.loading" }));
    }
    if (detail) showSnapshot(figure, detail);
    const since = detail?.health.since;
    const kel = detail?.kelurahan?.name ?? (camera.kelurahan ? this.names.get(camera.kelurahan) ?? camera.kelurahan : "—");
    const kec = detail?.kecamatan?.name ?? this.names.get(camera.kecamatan) ?? camera.kecamatan;
    node.replaceChildren(
      h("p", { class: "pop-kind" }, `${t(`kind.${camera.kind}`)} · #${camera.id}`),
      h("h3", { class: "pop-name" }, camera.name),
      figure,
      h(
        "dl",
        { class: "pop-facts" },
        h("div", {}, h("dt", {}, t("camera.state")), h("dd", {}, stateBadge(state))),
        h("div", {}, h("dt", {}, t("camera.since")), h("dd", { class: "pop-since" }, since ? `${formatDateTime(since)} (${formatRelative(since)})` : "…")),
        h("div", {}, h("dt", {}, t("camera.kecamatan")), h("dd", {}, kec)),
        h("div", {}, h("dt", {}, t("camera.kelurahan")), h("dd", {}, kel)),
      ),
      h("a", { class: "btn btn-primary pop-open", href: `/cameras/${camera.id}` }, `${t("camera.open")} →`),
    );
    popup.update();
  }
}

/**
 * The camera KPI tile ("online / enabled", with the broken count under it) and the top
 * kecamatan by broken cameras, from /api/v1/cameras/summary: fetched every minute and a few
 * seconds after health events, and adjusted at once from each event in between.
 */
export class CameraHealthPanel {
  /**
   * @param {{section: HTMLElement, list: HTMLElement, note: HTMLElement, setKpi: Function,
   *          onSummary?: (summary: object) => void}} options
   */
  constructor({ section, list, note, setKpi, onSummary = () => {} }) {
    this.section = section;
    this.list = list;
    this.note = note;
    this.setKpi = setKpi;
    this.onSummary = onSummary;
    this.summary = null;
    this.frame = null;
    this.shown = false; // the tile shows camera numbers (else it keeps its "—")
    this.refreshSoon = throttleTrailing(() => this.refresh(), SUMMARY_AFTER_EVENT_MS);
    document.addEventListener("warroom:language", () => this.render());
  }

  start() {
    this.refresh();
    setInterval(() => this.refresh(), SUMMARY_EVERY_MS);
  }

  async refresh() {
    try {
      this.summary = await api("/api/v1/cameras/summary");
    } catch {
      return; // the next round tries again; the feed's status already tells a lost connection
    }
    this.render();
    this.onSummary(this.summary);
  }

  /** Move one camera from one state to another in the numbers shown, until the next refresh. */
  applyChange(payload) {
    const summary = this.summary;
    if (summary) {
      const move = (byState) => {
        byState[payload.from_state] = Math.max(0, (byState[payload.from_state] ?? 0) - 1);
        byState[payload.to_state] = (byState[payload.to_state] ?? 0) + 1;
      };
      move(summary.by_state);
      const kec = summary.by_kecamatan.find((k) => k.code === payload.kecamatan_code);
      if (kec) {
        move(kec.by_state);
        kec.broken = [...BROKEN].reduce((n, s) => n + (kec.by_state[s] ?? 0), 0);
        summary.by_kecamatan.sort((a, b) => b.broken - a.broken || a.code.localeCompare(b.code));
      }
      this.renderSoon();
    }
    this.refreshSoon();
  }

  renderSoon() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      this.render();
    });
  }

  render() {
    const summary = this.summary;
    if (!summary) return;
    const total = summary.total;
    // No cameras: the tile keeps its "—" (and whatever another feature put there).
    if (!total && !this.shown) return;
    this.shown = total > 0;
    const online = summary.by_state.online ?? 0;
    const broken = [...BROKEN].reduce((n, s) => n + (summary.by_state[s] ?? 0), 0);
    const value = () => h("span", {}, formatNumber(online), h("span", { class: "kpi-of" }, ` / ${formatNumber(summary.enabled)}`));
    this.setKpi("cameras", total ? value : null);
    this.note.hidden = !total;
    this.note.dataset.online = online;
    this.note.dataset.broken = broken;
    setText(this.note, "kpi.cameras_note", { broken: formatNumber(broken) });
    this.note.classList.toggle("has-broken", broken > 0);
    this.renderList(broken);
  }

  renderList(broken) {
    this.section.hidden = !this.summary.total;
    const top = this.summary.by_kecamatan.filter((k) => k.broken > 0).slice(0, TOP_KECAMATAN);
    const most = Math.max(1, ...top.map((k) => k.broken));
    const rows = top.map((k) => {
      const bar = h("span", { class: "broken-bar" });
      for (const state of SEVERITY) {
        const n = BROKEN.has(state) ? k.by_state[state] ?? 0 : 0;
        if (n) bar.append(h("span", { dataset: { state }, style: `width: ${((n / most) * 100).toFixed(1)}%`, title: `${t(`health.${state}`)}: ${n}` }));
      }
      return h(
        "li",
        { dataset: { code: k.code, broken: k.broken } },
        h(
          "a",
          { href: `/cameras?health=broken&kecamatan=${encodeURIComponent(k.code)}` },
          h("span", { class: "broken-name" }, k.name),
          h("span", { class: "broken-count" }, formatNumber(k.broken)),
          bar,
          h("span", { class: "broken-of" }, t("broken.row", { broken: formatNumber(k.broken), total: formatNumber(k.total) })),
        ),
      );
    });
    if (!rows.length) rows.push(h("li", { class: "broken-empty", i18n: "broken.none" }));
    this.list.replaceChildren(...rows);
    this.section.dataset.broken = broken;
  }
}
