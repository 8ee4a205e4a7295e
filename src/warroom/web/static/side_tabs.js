// The lower slot of the map's side column: "Aplikasi" | "Laporan warga" as tabs. Three stacked
// panels do not fit a 1080-pixel wall under the camera panel, so the two take turns.
//
// Tabs are buttons with role=tab and aria-selected (arrow keys move between them); the choice is
// remembered in localStorage like the apps filter. A tab whose feature has nothing to show yet (no
// apps registered, no report ever filed) is hidden, and the whole slot with it when neither has;
// a badge on each tab counts what needs attention in the other one (apps down, reports late).

const STORAGE_KEY = "warroom.side.tab";

export class SideTabs {
  /**
   * @param {{root: HTMLElement, onChange?: (name: string) => void}} options
   *   `root` holds the [role=tab] buttons (`data-tab`, `aria-controls`) and their panels.
   */
  constructor({ root, onChange = () => {} }) {
    this.root = root;
    this.onChange = onChange;
    this.tabs = [...root.querySelectorAll("[role=tab]")];
    this.available = new Map(this.tabs.map((tab) => [tab.dataset.tab, false]));
    this.wanted = this.stored() ?? this.tabs[0].dataset.tab;
    this.current = null;
    for (const tab of this.tabs) {
      tab.addEventListener("click", () => this.choose(tab.dataset.tab));
      tab.addEventListener("keydown", (e) => this.key(e, tab));
    }
  }

  stored() {
    try {
      const name = localStorage.getItem(STORAGE_KEY);
      return this.available.has(name) ? name : null;
    } catch {
      return null; // storage disabled: the first tab
    }
  }

  /** The operator picked a tab: show it and remember it. */
  choose(name) {
    this.wanted = name;
    try {
      localStorage.setItem(STORAGE_KEY, name);
    } catch {
      // not remembered, still shown
    }
    this.apply();
  }

  /** Whether tab `name` has something to show; `badge` (a number, 0 = none) marks what needs attention. */
  set(name, { available, badge = 0 }) {
    this.available.set(name, available);
    const counter = this.root.querySelector(`[data-tab-badge="${CSS.escape(name)}"]`);
    if (counter) {
      counter.hidden = !badge;
      counter.textContent = String(badge);
    }
    this.apply();
  }

  apply() {
    const usable = this.tabs.filter((tab) => this.available.get(tab.dataset.tab));
    this.root.hidden = !usable.length;
    const pick = usable.find((tab) => tab.dataset.tab === this.wanted) ?? usable[0];
    for (const tab of this.tabs) {
      const selected = tab === pick;
      tab.hidden = !this.available.get(tab.dataset.tab);
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      document.getElementById(tab.getAttribute("aria-controls")).hidden = !selected;
    }
    const name = pick?.dataset.tab ?? null;
    if (name !== this.current) {
      this.current = name;
      this.onChange(name);
    }
  }

  key(event, tab) {
    const usable = this.tabs.filter((t) => !t.hidden);
    const at = usable.indexOf(tab);
    let next = null;
    if (event.key === "ArrowRight") next = usable[(at + 1) % usable.length];
    else if (event.key === "ArrowLeft") next = usable[(at - 1 + usable.length) % usable.length];
    else if (event.key === "Home") next = usable[0];
    else if (event.key === "End") next = usable[usable.length - 1];
    if (!next) return;
    event.preventDefault();
    this.choose(next.dataset.tab);
    next.focus();
  }
}
