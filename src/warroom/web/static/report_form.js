// The report form's additions when script runs (the form itself is plain HTML and works without):
// a map to drop the pin, "use my location", only the chosen category's questions and its notice
// (e.g. "telepon 112"), a photo size check before a long upload, and no double submit.

import { baseMap } from "./report_base_map.js";

const form = document.getElementById("report-form");
const lat = document.getElementById("lat");
const lon = document.getElementById("lon");
const category = document.getElementById("service_code");
const notice = document.getElementById("category-notice");

function showCategory() {
  const option = category.selectedOptions[0];
  const text = option ? option.dataset.notice || "" : "";
  notice.textContent = text;
  notice.hidden = !text;
  for (const set of document.querySelectorAll(".rp-attrs")) {
    const chosen = set.dataset.category === category.value;
    set.hidden = !chosen;
    set.disabled = !chosen; // a hidden category's answers are not sent
  }
}
category.addEventListener("change", showCategory);
showCategory();

// ---- photos: refuse a too-large photo here rather than after minutes of upload -------------
const photoError = document.getElementById("photo-error");
const maxBytes = Number(form.dataset.photoMax);
const submit = form.querySelector("button[type=submit]");
const submitText = submit.textContent;

form.addEventListener("submit", (event) => {
  const inputs = [...form.querySelectorAll("input[type=file]")];
  const big = inputs.findIndex((input) => input.files.length && input.files[0].size > maxBytes);
  if (big >= 0) {
    event.preventDefault();
    photoError.textContent = form.dataset.tooLarge.replace("{n}", String(big + 1));
    photoError.hidden = false;
    inputs[big].focus();
    return;
  }
  photoError.hidden = true;
  submit.disabled = true;
  submit.textContent = form.dataset.sending;
});
// Back from the tracking page (the browser's page cache): the button works again.
window.addEventListener("pageshow", () => {
  submit.disabled = false;
  submit.textContent = submitText;
});

// ---- the map pin ------------------------------------------------------------------------
const mapEl = document.getElementById("pick-map");
const map = await baseMap(mapEl);
let pin = null;

// Close enough to see the street on tiles; without tiles (kecamatan outlines only) closer
// would leave no outline in view to tell where the pin is.
const CLOSE = mapEl.dataset.tileUrl ? 17 : 14;

function place(latlng, pan) {
  if (pin) pin.setLatLng(latlng);
  else pin = L.marker(latlng, { keyboard: false }).addTo(map);
  if (pan) map.setView(latlng, Math.max(map.getZoom(), CLOSE));
}

function typed() {
  const la = Number(lat.value.replace(",", "."));
  const lo = Number(lon.value.replace(",", "."));
  return lat.value && lon.value && Number.isFinite(la) && Number.isFinite(lo) ? L.latLng(la, lo) : null;
}

function fill(latlng) {
  lat.value = latlng.lat.toFixed(6);
  lon.value = latlng.lng.toFixed(6);
}

map.on("click", (event) => {
  fill(event.latlng);
  place(event.latlng, false);
});
for (const input of [lat, lon]) {
  input.addEventListener("change", () => {
    const at = typed();
    if (at) place(at, true);
  });
}
if (typed()) place(typed(), true); // the form came back with errors: show where it was

// ---- "use my location" -----------------------------------------------------------------
const locate = document.getElementById("locate");
const locateStatus = document.getElementById("locate-status");
if ("geolocation" in navigator) {
  locate.hidden = false;
  locate.addEventListener("click", () => {
    locateStatus.textContent = locate.dataset.finding;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const at = L.latLng(position.coords.latitude, position.coords.longitude);
        fill(at);
        place(at, true);
        locateStatus.textContent = locate.dataset.found;
      },
      () => {
        locateStatus.textContent = locate.dataset.denied;
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  });
}
