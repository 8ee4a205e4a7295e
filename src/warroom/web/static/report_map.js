// The public map of open reports (templates/report_map.html): one dot per report from
// /lapor/peta.json, a popup with its ticket, category, status, kecamatan and date. The page's
// list shows the same reports without script. Text goes in with textContent, never as HTML.

import { baseMap } from "./report_base_map.js";

const COLOURS = { received: "#0b62c4", verified: "#7c3aed", dispatched: "#b45309", in_progress: "#15803d" };
const el = document.getElementById("reports-map");
const status = document.getElementById("map-status");
const statuses = JSON.parse(el.dataset.statuses);
const lang = el.dataset.lang;

function line(parent, tag, text) {
  const node = document.createElement(tag);
  node.textContent = text;
  parent.append(node);
  return node;
}

function popup(p) {
  const box = document.createElement("div");
  box.className = "rp-popup";
  const link = document.createElement("a");
  link.href = `/lapor/${encodeURIComponent(p.ticket)}${lang === "en" ? "?lang=en" : ""}`;
  link.textContent = p.ticket;
  box.append(link);
  line(box, "strong", p.service_name);
  line(box, "div", statuses[p.status] || p.status);
  line(box, "div", [p.kecamatan, p.requested].filter(Boolean).join(" · "));
  return box;
}

status.hidden = false;
try {
  const map = await baseMap(el);
  const response = await fetch(el.dataset.reports);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  L.geoJSON(await response.json(), {
    pointToLayer: (feature, at) => {
      const colour = COLOURS[feature.properties.status] || "#475569";
      return L.circleMarker(at, { radius: 7, weight: 2, color: "#fff", fillColor: colour, fillOpacity: 0.9 });
    },
    onEachFeature: (feature, layer) => layer.bindPopup(() => popup(feature.properties)),
  }).addTo(map);
  status.hidden = true;
} catch (err) {
  status.textContent = el.dataset.error;
  console.warn("report map:", err);
}
