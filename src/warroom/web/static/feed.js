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

function span(className, text) {
  const el = document.createElement("span");
  el.className = className;
  el.textContent = text;
  return el;
}

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
  const summary = span("feed-summary", summarize(event.payload));
  summary.title = JSON.stringify(event.payload ?? null);
  li.append(meta, label, summary);
  li.addEventListener("animationend", () => li.classList.remove("is-new"), { once: true });
  return li;
}

export class LiveFeed {
  /**
   * @param {{list: HTMLElement, status: HTMLElement, onEvent?: (event: object) => void}} options
   */
  constructor({ list, status, onEvent = () => {} }) {
    this.list = list;
    this.status = status;
    this.onEvent = onEvent;
    this.source = null;
  }

  start() {
    this.setState("connecting");
    const source = new EventSource("/api/v1/events/stream");
    this.source = source;
    // "live" only once the server says its subscription exists (the named `ready` event), so
    // nothing published between connecting and subscribing is silently missed.
    source.addEventListener("ready", () => this.setState("live"));
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
    this.add(event);
    this.onEvent(event);
  }

  add(event) {
    this.list.querySelector(".feed-empty")?.remove();
    this.list.prepend(entryFor(event));
    const entries = this.list.querySelectorAll(".feed-entry");
    for (let i = MAX_ENTRIES; i < entries.length; i += 1) entries[i].remove();
  }
}
