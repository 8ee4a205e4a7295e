// The apps page (/apps): the whole portfolio grouped by agency, filtered by state, agency and
// name. The filters live in the URL, so a filtered view can be bookmarked or sent to a colleague.

import { AppsPanel } from "./apps_panel.js";
import { h } from "./camera_ui.js";
import { LiveFeed } from "./feed.js";
import { bootPage } from "./page.js";

const form = document.getElementById("apps-filters");
const agencySelect = form.elements.agency;

function readFilter() {
  const state = form.elements.state.value;
  return {
    problems: state === "problems",
    state: state === "problems" ? "" : state,
    agency: agencySelect.value,
    q: form.elements.q.value,
  };
}

function fromUrl() {
  const params = new URLSearchParams(window.location.search);
  form.elements.state.value = params.get("state") ?? "";
  form.elements.q.value = params.get("q") ?? "";
  agencySelect.dataset.wanted = params.get("agency") ?? "";
}

function toUrl() {
  const params = new URLSearchParams();
  for (const name of ["state", "agency", "q"]) if (form.elements[name].value) params.set(name, form.elements[name].value);
  const query = params.toString();
  window.history.replaceState(null, "", query ? `?${query}` : window.location.pathname);
}

/** The agency choices are the agencies that own apps (known only once the overview is in). */
function fillAgencies(overview) {
  const wanted = agencySelect.value || agencySelect.dataset.wanted || "";
  const agencies = new Map(overview.items.map((a) => [a.agency_code, a.agency_name]));
  const keep = agencySelect.options[0];
  agencySelect.replaceChildren(
    keep,
    ...[...agencies].sort((a, b) => a[0].localeCompare(b[0])).map(([code, name]) => h("option", { value: code }, `${code} — ${name}`)),
  );
  agencySelect.value = agencies.has(wanted) ? wanted : "";
  delete agencySelect.dataset.wanted;
}

bootPage();
fromUrl();
let filled = false;
const panel = new AppsPanel({
  list: document.getElementById("apps-list"),
  status: document.getElementById("apps-status"),
  filter: readFilter,
  onLoaded: (overview) => {
    fillAgencies(overview);
    if (!filled) panel.render(); // the agency from the URL applies once its option exists
    filled = true;
  },
});
form.addEventListener("input", () => {
  toUrl();
  panel.render();
});
form.addEventListener("submit", (e) => e.preventDefault());
// The page's own stream keeps states live; nothing is shown of it but the changes.
new LiveFeed({
  list: document.createElement("ol"),
  status: document.createElement("span"),
  onEvent: (event) => {
    if (event.type === "app.status_changed") panel.applyChange(event.payload);
  },
  onReconnect: () => panel.refresh(),
}).start();
panel.start();
