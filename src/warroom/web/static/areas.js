// The city map: kecamatan and kelurahan boundaries from /api/v1/city/areas on a Leaflet map,
// and the area info panel.
//
// Without a tile server the polygons are the base map (the wall works offline), so the look
// (colours, line widths, selection) is all in wall.css on the `area-*` classes; Leaflet only
// draws the shapes. Kelurahan lie underneath, kecamatan outlines on top. A first click picks a
// kecamatan; the picked kecamatan then lets clicks through (CSS `is-open`), so a second click
// inside it picks one of its kelurahan: operators drill down without a layer switcher.

import { api } from "./api.js";
import { formatNumber, setText } from "./i18n.js";

/* global L */

const PADDING = [24, 24];

function leafletBounds(bbox) {
  const [minLon, minLat, maxLon, maxLat] = bbox;
  return L.latLngBounds([minLat, minLon], [maxLat, maxLon]);
}

function overlaps(a, b) {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

/** The info panel (#area-info) for one area's GeoJSON properties. */
class AreaPanel {
  constructor(el, onClose) {
    this.el = el;
    this.props = null;
    el.querySelector("[data-action=close]").addEventListener("click", onClose);
  }

  show(props) {
    this.props = props;
    this.render();
    this.el.hidden = false;
  }

  hide() {
    this.props = null;
    this.el.hidden = true;
  }

  /** Also called on a language switch: the level name and number formats change with it. */
  render() {
    const p = this.props;
    if (!p) return;
    const field = (name) => this.el.querySelector(`[data-field="${name}"]`);
    this.el.dataset.level = p.level;
    setText(field("level"), `level.${p.level}`);
    field("name").textContent = p.name;
    field("code").textContent = p.code;
    field("area_km2").textContent =
      p.area_km2 == null ? "—" : `${formatNumber(p.area_km2, { maximumFractionDigits: 2 })} km²`;
    field("kelurahan_count").textContent = p.kelurahan_count ?? "—";
    field("kecamatan_name").textContent = p.kecamatan_name ?? p.kecamatan_code ?? "—";
    for (const el of this.el.querySelectorAll("[data-only]")) el.hidden = el.dataset.only !== p.level;
  }
}

export class CityMap {
  /**
   * @param {HTMLElement} el the map container
   * @param {{tileUrl: string, tileAttribution: string, panel: HTMLElement, status: HTMLElement}} options
   */
  constructor(el, { tileUrl, tileAttribution, panel, status }) {
    this.status = status;
    // maxZoom: the camera clusters (markercluster) need a bounded zoom range even without tiles.
    this.map = L.map(el, { zoomControl: false, zoomSnap: 0.25, zoomDelta: 0.5, minZoom: 3, maxZoom: 19 });
    L.control.zoom({ position: "bottomright" }).addTo(this.map);
    this.map.setView([0, 0], 3);
    if (tileUrl) {
      L.tileLayer(tileUrl, { attribution: tileAttribution, maxZoom: 19 }).addTo(this.map);
      document.body.classList.add("has-tiles");
    }
    this.panel = new AreaPanel(panel, () => this.select(null));
    this.layers = [];
    this.labels = [];
    this.byCode = new Map();
    this.names = new Map(); // area code -> name, for layers that show where things are (cameras)
    this.kecamatan = []; // [{code, name}] by name, for filters
    this.selected = null;
    this.bounds = null;
    this.reserved = 0; // px on the right kept free of the city: a panel floats there
    this.touched = false; // the operator used the map (pan, zoom, click): a resize must not undo their view
    for (const type of ["pointerdown", "wheel", "keydown"]) {
      el.addEventListener(type, () => {
        this.touched = true;
      });
    }
    // A wall is often put in full screen after the page loaded: keep the whole city in view.
    this.map.on("resize", () => {
      if (!this.touched) this.fit();
    });
    this.map.on("click", () => this.select(null));
    this.map.on("moveend", () => this.declutterLabels());
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape") this.select(null);
    });
    document.addEventListener("warroom:language", () => this.panel.render());
  }

  /** Fetch both levels and draw them; fits the map to `bbox` ([min_lon, min_lat, max_lon, max_lat]). */
  async load(bbox) {
    setText(this.status, "map.loading");
    this.status.hidden = false;
    try {
      const [kecamatan, kelurahan] = await Promise.all([
        api("/api/v1/city/areas?level=kecamatan"),
        api("/api/v1/city/areas?level=kelurahan"),
      ]);
      this.draw(kecamatan, kelurahan);
      if (!kecamatan.features.length && !kelurahan.features.length) {
        setText(this.status, "map.empty");
        return;
      }
      this.status.hidden = true;
      if (bbox) {
        this.bounds = leafletBounds(bbox);
        this.fit();
      }
      this.declutterLabels();
    } catch (err) {
      setText(this.status, "map.error", { message: err.message });
      this.status.hidden = false;
    }
  }

  /** Show the whole city, clear of the panel on the right. */
  fit() {
    if (!this.bounds) return;
    this.map.fitBounds(this.bounds, { paddingTopLeft: PADDING, paddingBottomRight: [PADDING[0] + this.reserved, PADDING[1]] });
  }

  /** Keep `px` on the map's right free for a floating panel; refits unless the operator moved the map. */
  reserveRight(px) {
    if (px === this.reserved) return;
    this.reserved = px;
    if (!this.touched) this.fit();
  }

  draw(kecamatan, kelurahan) {
    this.select(null);
    for (const layer of [...this.layers, ...this.labels]) layer.remove();
    this.byCode.clear();
    this.names.clear();
    const onEachFeature = (feature, layer) => {
      this.byCode.set(feature.properties.code, layer);
      this.names.set(feature.properties.code, feature.properties.name);
      layer.on("click", () => this.select(layer));
    };
    // `bubblingMouseEvents: false`: a click on an area must not also reach the map, whose own
    // click handler clears the selection.
    const common = { onEachFeature, bubblingMouseEvents: false };
    const kel = L.geoJSON(kelurahan, { ...common, style: { className: "area-kelurahan", weight: 1 } });
    const kec = L.geoJSON(kecamatan, { ...common, style: { className: "area-kecamatan", weight: 2.5 } });
    this.kecamatan = kecamatan.features
      .map((f) => ({ code: f.properties.code, name: f.properties.name }))
      .sort((a, b) => a.name.localeCompare(b.name));
    this.layers = [kel.addTo(this.map), kec.addTo(this.map)];
    for (const group of this.layers) {
      group.eachLayer((layer) => {
        const el = layer.getElement();
        if (el) el.dataset.code = layer.feature.properties.code;
      });
    }
    this.labels = kecamatan.features
      .filter((f) => Array.isArray(f.properties.label) && f.properties.label[0] != null)
      .sort((a, b) => (b.properties.area_km2 ?? 0) - (a.properties.area_km2 ?? 0))
      .map((f) => {
        const text = document.createElement("span");
        text.textContent = f.properties.name;
        const icon = L.divIcon({ className: "area-label", html: text, iconSize: null });
        return L.marker(f.properties.label, { icon, interactive: false, keyboard: false }).addTo(this.map);
      });
  }

  /**
   * Hide kecamatan names that would overlap a bigger kecamatan's name at this zoom, and pull
   * names back inside the map's edges (an island kecamatan's label point can sit on the edge).
   */
  declutterLabels() {
    const box = this.map.getContainer().getBoundingClientRect();
    const spans = this.labels.map((m) => m.getElement()?.firstElementChild).filter(Boolean);
    for (const span of spans) {
      span.parentElement.classList.remove("is-hidden");
      span.style.marginLeft = "";
    }
    const rects = spans.map((span) => span.getBoundingClientRect());
    const shown = [];
    spans.forEach((span, i) => {
      const r = rects[i];
      const shift = Math.max(0, box.left + 4 - r.left) - Math.max(0, r.right - (box.right - 4));
      const rect = { left: r.left + shift, right: r.right + shift, top: r.top, bottom: r.bottom };
      const clash = shown.some((other) => overlaps(other, rect));
      span.parentElement.classList.toggle("is-hidden", clash);
      if (shift) span.style.marginLeft = `${shift}px`;
      if (!clash) shown.push(rect);
    });
  }

  /** Select an area layer (or nothing) and show it in the info panel. */
  select(layer) {
    for (const el of this.map.getContainer().querySelectorAll(".is-selected, .is-open")) {
      el.classList.remove("is-selected", "is-open");
    }
    this.selected = layer;
    if (!layer) {
      this.panel.hide();
      return;
    }
    const props = layer.feature.properties;
    const kecamatan = props.level === "kecamatan" ? layer : this.byCode.get(props.kecamatan_code);
    kecamatan?.getElement()?.classList.add("is-open");
    layer.bringToFront();
    layer.getElement()?.classList.add("is-selected");
    this.panel.show(props);
  }
}
