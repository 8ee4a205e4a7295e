// The open citizen reports on the wall's map: one diamond per report, coloured by status, with a
// red ring and "!" when it is late; clustered (the cluster shows how many are late) in a pane of
// its own above the cameras. Diamonds rather than the cameras' circles, so the two layers read
// apart where they overlap; the layer is on the map only while the "Laporan warga" tab is open,
// so the camera layer stays readable otherwise.
//
// One request (/api/v1/reports/map, every open report as a GeoJSON point) fills it; a refresh
// moves only the markers that changed (new, closed, new status, now late), so an open popup and
// the clusters stay put.

import { api } from "./api.js";
import { h } from "./camera_ui.js";
import { formatDateTime, formatNumber, t } from "./i18n.js";
import { countdownText, placeName, serviceName, statusBadge } from "./reports_ui.js";

/* global L */

const PANE = "reports";
const UNCLUSTERED_ZOOM = 17;

function icon(props) {
  const late = props.late ? " is-late" : "";
  return L.divIcon({
    className: `report-pin${late}`,
    html: `<span class="report-pin-shape" data-report-status="${props.status}">${props.late ? '<i class="report-pin-mark">!</i>' : ""}</span>`,
    iconSize: [18, 18],
  });
}

function same(a, b) {
  return a.status === b.status && a.late === b.late && a.due === b.due && a.deadline === b.deadline;
}

export class ReportLayer {
  /** @param {L.Map} map */
  constructor(map) {
    this.map = map;
    const pane = map.createPane(PANE);
    pane.classList.add("leaflet-reports-pane");
    this.markers = new Map(); // ticket -> marker
    this.visible = false;
    this.loaded = false;
    this.serverOffset = 0;
    this.popup = null; // the open popup, with its `ticket`
    this.cluster = L.markerClusterGroup({
      clusterPane: PANE,
      chunkedLoading: true,
      animate: false,
      showCoverageOnHover: false,
      spiderfyOnMaxZoom: true,
      disableClusteringAtZoom: UNCLUSTERED_ZOOM,
      maxClusterRadius: 50,
      iconCreateFunction: (cluster) => this.clusterIcon(cluster),
      spiderLegPolylineOptions: { weight: 1.5, color: "#fcd34d", opacity: 0.8 },
    });
    this.cluster.on("click", (e) => this.openPopup(e.layer));
    document.addEventListener("warroom:language", () => {
      if (this.visible) this.cluster.refreshClusters();
      if (this.popup) this.openPopup(this.markers.get(this.popup.ticket));
    });
  }

  /** Show or hide the layer (it follows the side column's tab). */
  show(visible) {
    this.visible = visible;
    if (visible && !this.map.hasLayer(this.cluster)) this.cluster.addTo(this.map);
    if (!visible && this.map.hasLayer(this.cluster)) this.cluster.remove();
  }

  async load() {
    let data;
    try {
      data = await api("/api/v1/reports/map");
    } catch {
      return; // keep what is shown; the next refresh tries again
    }
    this.serverOffset = Date.parse(data.now) - Date.now();
    const seen = new Set();
    const add = [];
    const changed = [];
    for (const feature of data.features) {
      const category = data.categories[feature.properties.service_code] ?? {};
      const props = { ...feature.properties, service_name: category.name, service_name_en: category.name_en };
      seen.add(props.ticket);
      const marker = this.markers.get(props.ticket);
      if (!marker) {
        const [lon, lat] = feature.geometry.coordinates;
        const created = L.marker([lat, lon], { icon: icon(props), pane: PANE, keyboard: false, bubblingMouseEvents: false });
        created.report = props;
        created.on("add", () => {
          const el = created.getElement();
          if (el) el.dataset.ticket = created.report.ticket;
        });
        this.markers.set(props.ticket, created);
        add.push(created);
      } else if (!same(marker.report, props)) {
        marker.report = props;
        marker.setIcon(icon(props));
        changed.push(marker);
      }
    }
    const gone = [...this.markers.entries()].filter(([ticket]) => !seen.has(ticket));
    if (gone.length) this.cluster.removeLayers(gone.map(([, m]) => m));
    for (const [ticket] of gone) this.markers.delete(ticket);
    if (add.length) this.cluster.addLayers(add);
    // (Off the map markercluster has no clusters to refresh; it builds them afresh when shown.)
    if (changed.length && this.visible) this.cluster.refreshClusters(changed);
    this.loaded = true;
    const open = this.popup?.ticket;
    if (open && !this.markers.has(open)) this.map.closePopup(this.popup);
    else if (open && changed.some((m) => m.report.ticket === open)) this.openPopup(this.markers.get(open));
  }

  /** Mark one report late at once (a `report.sla_breached` event), before the next refresh. */
  markLate(ticket) {
    const marker = this.markers.get(ticket);
    if (!marker || marker.report.late) return;
    marker.report = { ...marker.report, late: true };
    marker.setIcon(icon(marker.report));
    if (this.visible) this.cluster.refreshClusters([marker]);
  }

  clusterIcon(cluster) {
    const children = cluster.getAllChildMarkers();
    const late = children.filter((m) => m.report.late).length;
    const total = children.length;
    const size = total < 10 ? 30 : total < 100 ? 36 : 44;
    const title = t("reports.cluster", { total: formatNumber(total), late: formatNumber(late) });
    const html =
      `<div class="rc-body" data-total="${total}" data-late="${late}" title="${title}">` +
      `<span class="rc-total">${formatNumber(total)}</span></div>` +
      (late ? `<span class="rc-late">${formatNumber(late)}</span>` : "");
    return L.divIcon({ html, className: `report-cluster${late ? " has-late" : ""}`, iconSize: L.point(size, size) });
  }

  /** Reports on the map now: in clusters and as single markers (what the browser test counts). */
  shown() {
    const pane = this.map.getPane(PANE);
    const clusters = [...pane.querySelectorAll(".report-cluster .rc-body")].map((el) => Number(el.dataset.total));
    const singles = pane.querySelectorAll(".report-pin").length;
    return { clusters: clusters.length, singles, reports: clusters.reduce((n, c) => n + c, 0) + singles };
  }

  /** Centre the map on a report, unclustered, with its popup; false when it is not on the map. */
  focus(ticket) {
    const marker = this.markers.get(ticket);
    if (!marker || !this.visible) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.cluster.zoomToShowLayer(marker, () => {
        this.openPopup(marker);
        resolve(true);
      });
    });
  }

  openPopup(marker) {
    if (!marker?.report) return;
    const r = marker.report;
    const due = Date.parse(r.due);
    const node = h(
      "div",
      { class: "report-pop", dataset: { ticket: r.ticket } },
      h("p", { class: "pop-kind" }, r.ticket),
      h("h3", { class: "pop-name" }, serviceName(r)),
      h(
        "dl",
        { class: "pop-facts" },
        h("div", {}, h("dt", {}, t("reports.field.status")), h("dd", {}, statusBadge(r.status))),
        h("div", {}, h("dt", {}, t("reports.field.agency")), h("dd", {}, r.agency_code)),
        h("div", {}, h("dt", {}, t("reports.field.kecamatan")), h("dd", {}, placeName(r.kecamatan))),
        h(
          "div",
          {},
          h("dt", {}, `${t("reports.field.deadline")} · ${t(`reports.deadline.${r.deadline}`)}`),
          h(
            "dd",
            { class: r.late ? "is-late" : "" },
            formatDateTime(r.due),
            h("span", { class: "pop-due" }, countdownText(due, Date.now() + this.serverOffset, r.late)),
          ),
        ),
      ),
      h("a", { class: "pop-track", href: `/lapor/${encodeURIComponent(r.ticket)}`, target: "_blank", rel: "noopener" }, `${t("reports.track")} →`),
    );
    const popup = L.popup({ className: "camera-popup report-popup", minWidth: 260, maxWidth: 320, autoPanPadding: [48, 48] })
      .setLatLng(marker.getLatLng())
      .setContent(node);
    popup.ticket = r.ticket;
    popup.on("remove", () => {
      if (this.popup === popup) this.popup = null;
    });
    popup.openOn(this.map);
    this.popup = popup;
  }
}
