// The base map of the public report pages (templates/report_form.html, report_map.html): the
// city's tile server when one is configured, else the kecamatan outlines from /lapor/wilayah.json
// (works on a city network without internet), fitted to the city. Needs leaflet.js loaded first.

const OUTLINE = { color: "#64748b", weight: 1, fillColor: "#94a3b8", fillOpacity: 0.12 };
const LABELS_FROM = 13; // zoom at which kecamatan names fit inside their outlines

/** Show `el` (hidden for browsers without script) and make it a Leaflet map of the city. */
export async function baseMap(el) {
  el.hidden = false;
  const map = L.map(el, { zoomSnap: 0.5, minZoom: 3, maxZoom: 19 });
  const box = (el.dataset.bbox || "").split(",").map(Number);
  const known = box.length === 4 && box.every(Number.isFinite);
  if (known) {
    map.fitBounds([[box[1], box[0]], [box[3], box[2]]]);
  } else {
    map.setView([0, 0], 3);
  }
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution, maxZoom: 19 }).addTo(map);
  }
  try {
    const response = await fetch(el.dataset.areas);
    if (response.ok) {
      const areas = L.geoJSON(await response.json(), {
        style: OUTLINE,
        interactive: false,
        onEachFeature: (feature, layer) => {
          if (!el.dataset.tileUrl) {
            layer.bindTooltip(feature.properties.name, { permanent: true, direction: "center", className: "rp-area-label" });
          }
        },
      }).addTo(map);
      if (!known && areas.getLayers().length) map.fitBounds(areas.getBounds());
      const labels = () => el.classList.toggle("rp-labels", map.getZoom() >= LABELS_FROM);
      map.on("zoomend", labels);
      labels();
    }
  } catch {
    // Without outlines the map still takes clicks; the latitude/longitude fields stay usable.
  }
  return map;
}
