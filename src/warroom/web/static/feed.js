// The live event feed: every bus event the operator may see, newest first, from the SSE stream
// /api/v1/events/stream (the session cookie authenticates it).
//
// The browser's EventSource reconnects by itself after a dropped connection ("reconnecting").
// It gives up for good when the server answers with an error, typically 401 after the session
// ended; then we check the session (api() sends a signed-out operator to the login page) and
// start a new stream after a pause, so a wall never silently stops updating.

import { api } from "./api.js";
import { eventLabel, setText } from "./i18n.js";

export const MAX_ENTRIES = 200;
const RETRY_MS = 5000;
const SUMMARY_PAIRS = 3;
const VALUE_CHARS = 48;

function pad(n) {
  return String(n).padStart(2, "0");
}

/** HH:MM:SS in the wall's local time (WITA in Makassar); the event's own time, not arrival. */
export function clockTime(iso) {
  const date = new Date(iso);
  const d = Number.isNaN(date.getTime()) ? new Date() : date;
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function shorten(value) {
  const text = value === null || value === undefined ? "—" : typeof value === "object" ? JSON.stringify(value) : String(value);
  return text.length > VALUE_CHARS ? `${text.slice(0, VALUE_CHARS - 1)}…` : text;
}

/** The first few `key: value` pairs of a payload, enough to tell events apart at a glance. */
export function summarize(payload) {
  if (payload === null || typeof payload !== "object") return payload == null ? "" : shorten(payload);
  const pairs = Object.entries(payload);
  const parts = pairs.slice(0, SUMMARY_PAIRS).map(([key, value]) => `${key}: ${shorten(value)}`);
  if (pairs.length > SUMMARY_PAIRS) parts.push("…");
  return parts.join(" · ");
}

// Readable one-line summaries for event types whose features registered one (`registerSummary`);
// every other event shows its first payload fields.
const SUMMARIES = new Map();

const DECORATORS = new Map();

// Event types that keep views current but mean nothing to read (e.g. `app.metrics`, one per
// push): `onEvent` still sees them, the list does not show them.
const QUIET = new Set();

/** Keep events of `type` out of the feed's list (they still reach `onEvent`). */
export function registerQuiet(type) {
  QUIET.add(type);
}

/**
 * Show events of `type` as `summarize(payload)` (re-run on a language switch); `decorate(li,
 * payload)`, if given, may mark the entry for styling (e.g. `data-state`).
 */
export function registerSummary(type, summarize, decorate = null) {
  SUMMARIES.set(type, summarize);
  if (decorate) DECORATORS.set(type, decorate);
}

function summaryText(event) {
  const custom = SUMMARIES.get(event.type);
  if (custom) {
    try {
      return custom(event.payload ?? {});
    } catch {
      // an unexpected payload: fall back to the generic summary rather than lose the event
    }
  }
  return summarize(event.payload);
}

function span(className, text) {
  const el = document.createElement("span");
  el.className = className;
  el.textContent = text;
  return el;
}

// Summaries drawn by a registered function, with their event, to redraw in another language.
const entryEvents = new WeakMap();

function entryFor(event) {
  const li = document.createElement("li");
  li.className = "feed-entry is-new";
  li.dataset.eventType = event.type;
  li.dataset.eventId = event.id ?? "";
  const meta = document.createElement("div");
  meta.className = "feed-meta";
  const time = span("feed-time", clockTime(event.time));
  meta.append(time, span("feed-source", event.source ?? ""));
  if (event.agency_code) meta.append(span("feed-agency", event.agency_code));
  const label = span("feed-type", eventLabel(event.type));
  label.dataset.eventLabel = event.type;
  const summary = span("feed-summary", summaryText(event));
  summary.title = JSON.stringify(event.payload ?? null);
  if (SUMMARIES.has(event.type)) entryEvents.set(summary, event);
  li.append(meta, label, summary);
  try {
    DECORATORS.get(event.type)?.(li, event.payload ?? {});
  } catch {
    // decoration is optional
  }
  li.addEventListener("animationend", () => li.classList.remove("is-new"), { once: true });
  return li;
}

export class LiveFeed {
  /**
   * @param {{list: HTMLElement, status: HTMLElement, onEvent?: (event: object) => void,
   *          onReconnect?: () => void}} options
   *   `onReconnect` runs when a stream is live again after a break: events published meanwhile
   *   were missed, so views kept current by events should reload.
   */
  constructor({ list, status, onEvent = () => {}, onReconnect = () => {} }) {
    this.list = list;
    this.status = status;
    this.onEvent = onEvent;
    this.onReconnect = onReconnect;
    this.wasLive = false;
    this.source = null;
    document.addEventListener("warroom:language", () => {
      for (const el of this.list.querySelectorAll(".feed-summary")) {
        const event = entryEvents.get(el);
        if (event) el.textContent = summaryText(event);
      }
    });
  }

  start() {
    this.setState("connecting");
    const source = new EventSource("/api/v1/events/stream");
    this.source = source;
    // "live" only once the server says its subscription exists (the named `ready` event), so
    // nothing published between connecting and subscribing is silently missed.
    source.addEventListener("ready", () => {
      this.setState("live");
      if (this.wasLive) this.onReconnect();
      this.wasLive = true;
    });
    source.onmessage = (message) => this.receive(message.data);
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        this.setState("offline");
        this.retryLater();
      } else {
        this.setState("reconnecting");
      }
    };
  }

  async retryLater() {
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    try {
      await api("/api/v1/auth/me"); // on 401 this goes to the login page
    } catch {
      // server still away: try the stream anyway, its own error brings us back here
    }
    this.start();
  }

  setState(state) {
    this.status.dataset.state = state;
    setText(this.status, `feed.state.${state}`);
  }

  receive(data) {
    let event;
    try {
      event = JSON.parse(data);
    } catch {
      return; // not ours to show; the stream only sends JSON events
    }
    if (!event || typeof event.type !== "string") return;
    if (!QUIET.has(event.type)) this.add(event);
    this.onEvent(event);
  }

  add(event) {
    this.list.querySelector(".feed-empty")?.remove();
    this.list.prepend(entryFor(event));
    const entries = this.list.querySelectorAll(".feed-entry");
    for (let i = MAX_ENTRIES; i < entries.length; i += 1) entries[i].remove();
  }
}
