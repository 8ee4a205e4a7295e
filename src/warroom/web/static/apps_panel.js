// The app portfolio at a glance: every app grouped by its agency, with state, a 24-hour latency
// sparkline and 24-hour uptime. The wall shows it in its side column (problems only by default),
// the apps page (/apps) shows all of it with filters. One request (/api/v1/apps/overview) feeds
// it; `app.status_changed` events move single apps between states at once, and a refresh every
// minute brings the sparklines and uptime along.

import { api } from "./api.js";
import { PROBLEMS, appBadge, latencyText, sparkline, uptimeText } from "./apps_ui.js";
import { h, throttleTrailing } from "./camera_ui.js";
import { formatNumber, setText, t } from "./i18n.js";

const REFRESH_MS = 60_000;
const REFRESH_AFTER_EVENT_MS = 5_000;
const URGENCY = { down: 0, degraded: 1, maintenance: 2, unknown: 3, up: 4 };

export class AppsPanel {
  /**
   * `section`, if given, is hidden while the city has no apps.
   * @param {{list: HTMLElement, status: HTMLElement, section?: HTMLElement, setKpi?: Function, note?: HTMLElement,
   *          filter?: () => {problems?: boolean, state?: string, agency?: string, q?: string},
   *          onLoaded?: (overview: object) => void}} options
   */
  constructor({ list, status, section = null, setKpi = null, note = null, filter = () => ({}), onLoaded = () => {} }) {
    this.list = list;
    this.section = section;
    this.status = status;
    this.setKpi = setKpi;
    this.note = note;
    this.filter = filter;
    this.onLoaded = onLoaded;
    this.overview = null;
    this.frame = null;
    this.refreshSoon = throttleTrailing(() => this.refresh(), REFRESH_AFTER_EVENT_MS);
    document.addEventListener("warroom:language", () => this.render());
  }

  start() {
    this.refresh();
    setInterval(() => this.refresh(), REFRESH_MS);
  }

  async refresh() {
    try {
      this.overview = await api("/api/v1/apps/overview");
    } catch (err) {
      if (!this.overview) this.status.textContent = err.message;
      return; // keep what is shown; the next round tries again
    }
    this.render();
    this.onLoaded(this.overview);
  }

  /** One app changed state (a bus event): show it now, fetch fresh numbers a little later. */
  applyChange(payload) {
    const item = this.overview?.items.find((a) => a.id === payload.app_id);
    if (item) {
      const counts = this.overview.counts;
      counts[item.state] = Math.max(0, (counts[item.state] ?? 0) - 1);
      counts[payload.to_state] = (counts[payload.to_state] ?? 0) + 1;
      item.state = payload.to_state;
      item.since = new Date().toISOString();
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
    const overview = this.overview;
    if (!overview) return;
    this.renderKpi(overview);
    if (this.section) this.section.hidden = !overview.total;
    const flt = this.filter();
    const q = (flt.q ?? "").trim().toLowerCase();
    const shown = overview.items.filter(
      (a) =>
        (!flt.problems || PROBLEMS.has(a.state)) &&
        (!flt.state || a.state === flt.state) &&
        (!flt.agency || a.agency_code === flt.agency) &&
        (!q || a.name.toLowerCase().includes(q)),
    );
    this.list.replaceChildren(...groups(shown).map(groupElement));
    let message = null;
    if (!overview.total) message = t("apps.none");
    else if (!shown.length) message = flt.problems ? t("apps.none_problems") : t("apps.none_match");
    this.status.hidden = false;
    this.status.dataset.empty = String(Boolean(message));
    this.status.textContent =
      message ?? t("apps.count", { shown: formatNumber(shown.length), total: formatNumber(overview.total) });
  }

  renderKpi(overview) {
    if (!this.setKpi) return;
    const c = overview.counts;
    const answering = (c.up ?? 0) + (c.degraded ?? 0);
    // No apps: the tile keeps its "—".
    this.setKpi(
      "apps",
      overview.total
        ? () => h("span", {}, formatNumber(answering), h("span", { class: "kpi-of" }, ` / ${formatNumber(overview.total)}`))
        : null,
    );
    if (!this.note) return;
    this.note.hidden = !overview.total;
    this.note.dataset.up = answering;
    this.note.dataset.down = c.down ?? 0;
    setText(this.note, "kpi.apps_note", { down: formatNumber(c.down ?? 0), degraded: formatNumber(c.degraded ?? 0) });
    this.note.classList.toggle("has-broken", (c.down ?? 0) > 0);
  }
}

/** Apps by agency; agencies with problems first, then by code; inside, the most urgent first. */
function groups(items) {
  const byAgency = new Map();
  for (const item of items) {
    if (!byAgency.has(item.agency_code)) byAgency.set(item.agency_code, { code: item.agency_code, name: item.agency_name, apps: [] });
    byAgency.get(item.agency_code).apps.push(item);
  }
  const list = [...byAgency.values()];
  for (const g of list) {
    g.apps.sort((a, b) => URGENCY[a.state] - URGENCY[b.state] || a.name.localeCompare(b.name));
    g.problems = g.apps.filter((a) => PROBLEMS.has(a.state)).length;
  }
  return list.sort((a, b) => b.problems - a.problems || a.code.localeCompare(b.code));
}

function groupElement(group) {
  const head = h(
    "div",
    { class: "apps-group-head" },
    h("span", { class: "apps-group-name", title: group.name }, group.name),
    h("span", { class: "apps-group-code" }, group.code),
  );
  if (group.problems) {
    const problems = h("span", { class: "apps-group-problems" });
    setText(problems, "apps.group_problems", { n: formatNumber(group.problems) });
    head.append(problems);
  }
  return h("li", { class: "apps-group", dataset: { agency: group.code } }, head, h("ul", { class: "apps-rows" }, group.apps.map(appRow)));
}

function appRow(app) {
  const uptime = h("span", { class: "app-uptime", title: t("apps.uptime_24h") }, uptimeText(app.uptime_24h));
  const spark = sparkline(app.latency_24h);
  const sparkBox = h("span", { class: "app-spark", title: `${t("apps.latency_24h")}: ${latencyText(app.latency_ms)}` }, spark);
  return h(
    "li",
    { class: "app-row", dataset: { appId: app.id, appState: app.state } },
    h(
      "a",
      { href: `/apps/${app.id}` },
      appBadge(app.state),
      h("span", { class: "app-name", title: app.name }, app.name),
      sparkBox,
      uptime,
    ),
  );
}
