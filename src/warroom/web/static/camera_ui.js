// Small pieces every camera view shares (the wall's map layer, the camera wall, the camera page):
// health states and their order, state badges, snapshot URLs and a DOM builder.
//
// Colours live in wall.css only (`--st-<state>` variables and `[data-state]` rules), so a state
// looks the same on a map marker, a cluster, a badge and a legend swatch.

import { formatNumber, setText, t } from "./i18n.js";

/** Every health state, as the legend and the filters list them. */
export const STATES = ["online", "offline", "frozen", "black", "blurred", "covered", "moved", "unknown"];
/** What the API's `health=broken` means: any state but online/unknown. */
export const BROKEN = new Set(["offline", "frozen", "black", "blurred", "covered", "moved"]);
/** Worst first: the order of the slices in a cluster ring. */
export const SEVERITY = ["offline", "covered", "black", "frozen", "moved", "blurred", "unknown", "online"];
export const KINDS = ["road", "lorong", "other"];

export function isBroken(state) {
  return BROKEN.has(state);
}

/** Whether a camera (GeoJSON properties) passes the filters {kind, health, kecamatan}. */
export function matches(props, { kind = "", health = "", kecamatan = "" } = {}) {
  if (kind && props.kind !== kind) return false;
  if (kecamatan && props.kecamatan !== kecamatan) return false;
  if (health === "broken") return BROKEN.has(props.health);
  return !health || props.health === health;
}

/**
 * Build an element: `h("a", {class: "x", href: "/", dataset: {id: 1}}, "text", child)`.
 * Text goes in as text nodes, never as HTML: camera names come from imported lists.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "i18n") setText(el, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** A coloured badge with the state's name in the current language (follows language switches). */
export function stateBadge(state, { large = false } = {}) {
  const badge = h("span", { class: `badge${large ? " badge-large" : ""}`, dataset: { state } });
  setText(badge, `health.${state}`);
  return badge;
}

/** A short label for a kind ("Jalan", "Lorong"). */
export function kindLabel(kind) {
  return t(`kind.${kind}`);
}

/**
 * The snapshot's URL, or null when the camera has none yet (no request, so no 404 and no audit
 * entry for a picture that does not exist). The snapshot time is the cache-buster: a new frame
 * means a new URL, the same frame is not fetched (and audited) again.
 */
export function snapshotUrl(camera) {
  if (!camera?.snapshot_at) return null;
  return `/api/v1/cameras/${camera.id}/snapshot.jpg?at=${encodeURIComponent(camera.snapshot_at)}`;
}

function meta(name) {
  return document.querySelector(`meta[name="${name}"]`)?.content ?? "";
}

/**
 * Whether the signed-in user may see this camera's pictures (CameraOut): agency officers only
 * their own agency's, as the API enforces (residents are filmed in their alleys). Asking anyway
 * would only earn a 403 and an audit entry.
 */
export function mayViewSnapshots(camera) {
  return meta("user-role") !== "agency_officer" || camera.agency_code === meta("user-agency");
}

/**
 * Put the camera's snapshot into `figure` (reusing the <img> when the URL is unchanged), or a
 * "no snapshot yet" / "not your agency's camera" note; a picture that fails to load (deleted,
 * forbidden) says so instead.
 */
export function showSnapshot(figure, camera) {
  const allowed = mayViewSnapshots(camera);
  const url = allowed ? snapshotUrl(camera) : null;
  const img = figure.querySelector("img");
  if (url && img && img.dataset.src === url && !figure.classList.contains("is-missing")) return;
  figure.replaceChildren();
  figure.classList.remove("is-missing");
  if (!url) {
    figure.classList.add("is-missing");
    figure.append(h("p", { class: "snap-note", i18n: allowed ? "camera.no_snapshot" : "camera.other_agency" }));
    return;
  }
  const image = h("img", { alt: camera.name ?? "", dataset: { src: url }, decoding: "async" });
  image.addEventListener("error", () => {
    figure.classList.add("is-missing");
    image.remove();
    figure.append(h("p", { class: "snap-note", i18n: "camera.snapshot_error" }));
  });
  image.src = url;
  figure.append(image);
}

/** A metric's value for people: rounded numbers, yes/no, "—" for none. */
export function metricValue(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "boolean") return t(value ? "common.yes" : "common.no");
  if (typeof value === "number") return formatNumber(value, { maximumFractionDigits: 3 });
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** A metric's label: translated for the checks' own metrics, the raw key for others. */
export function metricLabel(key) {
  const label = t(`metric.${key}`);
  return label === `metric.${key}` ? key : label;
}

/** `<dl>` rows for a metrics object. */
export function metricsList(metrics, className = "metrics") {
  const dl = h("dl", { class: className });
  for (const [key, value] of Object.entries(metrics ?? {})) {
    dl.append(h("div", {}, h("dt", {}, metricLabel(key)), h("dd", {}, metricValue(value))));
  }
  return dl;
}

/** Debounce that fires at most once per `ms` after the first call of a burst (never starves). */
export function throttleTrailing(fn, ms) {
  let timer = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
}
