// The wall's "Laporan warga" tab and KPI tile: the open queue by status and by agency, the late
// reports, the next deadlines counting down every second, and "within SLA %" in the top bar.
//
// One request (/api/v1/reports/summary) feeds it, every minute and a few seconds after any
// `report.*` event; a `report.sla_breached` event marks its report late at once. Countdowns run on
// the server's clock (the summary says what time it is there), so a wall PC whose clock drifts
// still shows the right time left; a countdown reaching zero turns red and asks for fresh figures.

import { api } from "./api.js";
import { h, throttleTrailing } from "./camera_ui.js";
import { formatNumber, formatPercent, setText, t } from "./i18n.js";
import { OPEN_STATUSES, countdownText, placeName, serviceName, statusBadge } from "./reports_ui.js";

const REFRESH_MS = 60_000;
const REFRESH_AFTER_EVENT_MS = 2_000;
const TICK_MS = 1_000;

export class ReportsPanel {
  /**
   * @param {{section: HTMLElement, setKpi: Function, note: HTMLElement, layer?: object,
   *          onLoaded?: (summary: object) => void, onPick?: (ticket: string) => void}} options
   *   `layer` (a ReportLayer) is refreshed along with the figures; `onPick` runs when a report
   *   row is clicked (the wall shows it on the map).
   */
  constructor({ section, setKpi, note, layer = null, onLoaded = () => {}, onPick = () => {} }) {
    this.section = section;
    this.setKpi = setKpi;
    this.note = note;
    this.layer = layer;
    this.onLoaded = onLoaded;
    this.onPick = onPick;
    this.summary = null;
    this.serverOffset = 0; // server clock minus this browser's clock, ms
    this.lateNow = new Set(); // tickets marked late by events since the last refresh
    this.el = {
      status: section.querySelector("[data-reports-status]"),
      sla: section.querySelector("[data-reports-sla]"),
      byStatus: section.querySelector("[data-reports-by-status]"),
      breached: section.querySelector("[data-reports-breached]"),
      breachedMore: section.querySelector("[data-reports-breached-more]"),
      next: section.querySelector("[data-reports-next]"),
      byAgency: section.querySelector("[data-reports-by-agency]"),
    };
    this.refreshSoon = throttleTrailing(() => this.refresh(), REFRESH_AFTER_EVENT_MS);
    section.addEventListener("click", (e) => {
      const row = e.target.closest("[data-ticket]");
      if (row) this.onPick(row.dataset.ticket);
    });
    document.addEventListener("warroom:language", () => this.render());
  }

  start() {
    this.refresh();
    setInterval(() => this.refresh(), REFRESH_MS);
    setInterval(() => this.tick(), TICK_MS);
  }

  async refresh() {
    const layer = this.layer?.load();
    try {
      this.summary = await api("/api/v1/reports/summary");
    } catch (err) {
      if (!this.summary) this.el.status.textContent = err.message;
      return; // keep what is shown; the next round tries again
    } finally {
      await layer;
    }
    this.serverOffset = Date.parse(this.summary.now) - Date.now();
    this.lateNow.clear();
    this.render();
    this.onLoaded(this.summary);
  }

  /** A bus event of the reports domain: fresh figures shortly; a breach shows at once. */
  onEvent(event) {
    if (event.type === "report.sla_breached" && event.payload?.ticket) {
      this.lateNow.add(event.payload.ticket);
      this.layer?.markLate(event.payload.ticket);
      for (const row of this.section.querySelectorAll(`.report-row[data-ticket="${CSS.escape(event.payload.ticket)}"]`)) {
        row.dataset.late = "true";
      }
      this.tick();
    }
    this.refreshSoon();
  }

  now() {
    return Date.now() + this.serverOffset;
  }

  /** Redraw every countdown; one that just ran out turns late and asks for fresh figures. */
  tick() {
    const now = this.now();
    let expired = false;
    for (const el of this.section.querySelectorAll("[data-due]")) {
      const row = el.closest(".report-row");
      const due = Number(el.dataset.due);
      if (row.dataset.late !== "true" && due <= now) {
        row.dataset.late = "true";
        expired = true;
      }
      el.textContent = countdownText(due, now, row.dataset.late === "true");
    }
    if (expired) this.refreshSoon();
  }

  render() {
    const s = this.summary;
    if (!s) return;
    this.renderKpi(s);
    const late = s.breaches.any;
    this.el.status.dataset.late = String(late > 0);
    if (!s.total) setText(this.el.status, "reports.none");
    else if (!s.open) setText(this.el.status, "reports.none_open");
    else setText(this.el.status, "reports.summary", { open: formatNumber(s.open), late: formatNumber(late) });
    this.renderSla(s.within_sla);
    this.el.byStatus.replaceChildren(
      ...OPEN_STATUSES.map((status) =>
        h(
          "li",
          { class: "reports-chip", dataset: { reportStatus: status, count: s.by_status[status] ?? 0 } },
          h("span", { class: "reports-chip-count" }, formatNumber(s.by_status[status] ?? 0)),
          statusBadge(status),
        ),
      ),
    );
    const breached = s.breached.map((r) => this.row(r));
    this.el.breached.replaceChildren(...(breached.length ? breached : [h("li", { class: "reports-empty", i18n: "reports.breached_none" })]));
    this.el.breachedMore.hidden = late <= s.breached.length;
    setText(this.el.breachedMore, "reports.breached_more", { shown: formatNumber(s.breached.length), total: formatNumber(late) });
    const next = s.next_deadlines.map((r) => this.row(r));
    this.el.next.replaceChildren(...(next.length ? next : [h("li", { class: "reports-empty", i18n: "reports.next_none" })]));
    this.el.byAgency.replaceChildren(...s.by_agency.map(agencyRow));
    this.tick();
  }

  renderKpi(s) {
    const share = s.within_sla.share;
    // No report ever: the tile keeps its "—".
    this.setKpi("reports", s.total && share !== null ? () => formatPercent(share, 1) : null);
    this.note.hidden = !s.total;
    this.note.dataset.open = s.open;
    this.note.dataset.late = s.breaches.any;
    setText(this.note, "kpi.reports_note", { open: formatNumber(s.open), late: formatNumber(s.breaches.any) });
    this.note.classList.toggle("has-broken", s.breaches.any > 0);
  }

  renderSla(sla) {
    const value = this.el.sla.querySelector("[data-value]");
    const detail = this.el.sla.querySelector("[data-detail]");
    if (sla.share === null) {
      value.textContent = "—";
      setText(detail, "reports.within_sla_none");
    } else {
      value.textContent = formatPercent(sla.share, 1);
      detail.removeAttribute("data-i18n");
      detail.textContent = `${formatNumber(sla.counted - sla.breached)} / ${formatNumber(sla.counted)}`;
    }
  }

  row(r) {
    const late = r.breached || this.lateNow.has(r.ticket);
    return h(
      "li",
      { class: "report-row", dataset: { ticket: r.ticket, reportStatus: r.status, late: String(late), deadline: r.deadline } },
      h(
        "button",
        { type: "button", class: "report-row-btn", title: t("reports.show_on_map") },
        h("span", { class: "report-ticket" }, r.ticket),
        h("span", { class: "report-what", title: serviceName(r) }, serviceName(r)),
        h("span", { class: "report-countdown", dataset: { due: Date.parse(r.due) } }),
        h("span", { class: "report-where" }, `${r.agency_code} · ${r.kecamatan_name ?? placeName(r.kecamatan_code)}`),
        h("span", { class: "report-deadline", i18n: `reports.deadline.${r.deadline}` }),
      ),
    );
  }
}

function agencyRow(a) {
  const bar = h("span", { class: "reports-bar" });
  for (const status of OPEN_STATUSES) {
    const n = a.by_status[status] ?? 0;
    if (!n) continue;
    const part = h("span", { dataset: { reportStatus: status, n }, title: `${t(`reports.status.${status}`)}: ${n}` });
    part.style.flexGrow = String(n); // CSSOM, not a style attribute: nothing inline for the CSP to weigh
    bar.append(part);
  }
  const late = h("span", { class: "reports-agency-late" });
  if (a.late) setText(late, "reports.agency_late", { late: formatNumber(a.late) });
  return h(
    "li",
    { class: "reports-agency", dataset: { agency: a.agency_code, open: a.open, late: a.late } },
    h("span", { class: "reports-agency-code" }, a.agency_code),
    h("span", { class: "reports-agency-name", title: a.agency_name }, a.agency_name),
    h("span", { class: "reports-agency-open" }, formatNumber(a.open)),
    late,
    bar,
  );
}
