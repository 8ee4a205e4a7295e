// KPI tiles bound to the metrics apps push about themselves ("Izin terbit hari ini"), set up by
// an admin through /api/v1/wall/tiles. They refresh shortly after the bound app pushes
// (`app.metrics` events) and every minute, so a "today" figure rolls over at midnight.

import { api } from "./api.js";
import { h, throttleTrailing } from "./camera_ui.js";
import { formatNumber, formatRelative, setText, t } from "./i18n.js";

const REFRESH_MS = 60_000;
const REFRESH_AFTER_PUSH_MS = 2_000;

export class MetricTiles {
  /** @param {{section: HTMLElement, list: HTMLElement}} options */
  constructor({ section, list }) {
    this.section = section;
    this.list = list;
    this.tiles = [];
    this.refreshSoon = throttleTrailing(() => this.refresh(), REFRESH_AFTER_PUSH_MS);
    document.addEventListener("warroom:language", () => this.render());
  }

  start() {
    this.refresh();
    setInterval(() => this.refresh(), REFRESH_MS);
  }

  async refresh() {
    try {
      this.tiles = await api("/api/v1/wall/tiles");
    } catch {
      return; // keep the last values; the feed's status tells a lost connection
    }
    this.render();
  }

  /** A bus event: refresh when it is a push from an app some tile is bound to. */
  onEvent(event) {
    if (event.type !== "app.metrics") return;
    if (this.tiles.some((tile) => tile.app_id === event.payload?.app_id)) this.refreshSoon();
  }

  render() {
    this.section.hidden = !this.tiles.length;
    this.list.replaceChildren(...this.tiles.map(tileElement));
  }
}

function tileElement(tile) {
  const value = h("span", { class: "metric-tile-value" });
  if (tile.value === null || tile.value === undefined) {
    setText(value, "tiles.no_value");
    value.classList.add("is-empty");
  } else {
    value.textContent = formatNumber(tile.value, { maximumFractionDigits: 2 });
    if (tile.unit) value.append(h("span", { class: "metric-tile-unit" }, ` ${tile.unit}`));
  }
  const sub = [tile.app_name];
  if (tile.aggregate !== "last") sub.push(t("tiles.today"));
  else if (tile.at) sub.push(formatRelative(tile.at));
  return h(
    "li",
    { class: "metric-tile", dataset: { tileId: tile.id, metric: tile.metric }, title: `${tile.app_name} · ${tile.metric} (${tile.aggregate})` },
    h("span", { class: "metric-tile-title" }, tile.title),
    value,
    h("span", { class: "metric-tile-sub" }, sub.join(" · ")),
  );
}
