// Indonesian / English for the wall and the login page.
//
// Static text lives in the templates as `data-i18n="key"` (text) and `data-i18n-attr="attr:key;..."`
// (attributes such as aria-label); `applyTranslations` fills both, so switching language never
// needs a reload. Anything drawn by JS listens for the `warroom:language` event on `document`.
// Event types get their labels from `eventLabel`; features that add event types register theirs
// with `addEventLabels` instead of editing this file.

const STORAGE_KEY = "warroom.lang";
export const LANGUAGES = ["id", "en"];

const STRINGS = {
  id: {
    "brand.subtitle": "Ruang Komando",
    "city.loading": "Memuat…",
    "city.sample_hint": "Data contoh buatan untuk demo, bukan kota sungguhan",
    "city.facts": "{kecamatan} kecamatan · {kelurahan} kelurahan",
    "city.population": "{population} jiwa",
    "kpi.cameras": "Kamera",
    "kpi.apps": "Aplikasi",
    "kpi.reports": "Laporan warga",
    "kpi.incidents": "Insiden",
    "lang.label": "Bahasa",
    "user.logout": "Keluar",
    "user.logout_failed": "Gagal keluar: {message}",
    "role.admin": "Administrator",
    "role.operator": "Operator",
    "role.viewer": "Pemantau",
    "role.agency_officer": "Petugas dinas",
    "feed.title": "Peristiwa langsung",
    "feed.empty": "Menunggu peristiwa…",
    "feed.state.connecting": "Menghubungkan…",
    "feed.state.live": "Langsung",
    "feed.state.reconnecting": "Menyambung ulang…",
    "feed.state.offline": "Terputus",
    "map.label": "Peta wilayah kota",
    "map.loading": "Memuat peta…",
    "map.empty": "Belum ada batas wilayah yang diimpor.",
    "map.error": "Peta tidak dapat dimuat: {message}",
    "area.close": "Tutup",
    "area.code": "Kode",
    "area.size": "Luas",
    "area.kelurahan_count": "Jumlah kelurahan",
    "area.kecamatan": "Kecamatan",
    "area.hint": "Klik lagi di dalam kecamatan ini untuk memilih kelurahan.",
    "level.kecamatan": "Kecamatan",
    "level.kelurahan": "Kelurahan",
    "login.heading": "Masuk ke Ruang Komando",
    "login.username": "Nama pengguna",
    "login.password": "Kata sandi",
    "login.submit": "Masuk",
    "login.busy": "Memeriksa…",
    "login.network": "Server tidak dapat dihubungi. Periksa jaringan.",
    "error.http": "Terjadi kesalahan (HTTP {status}).",
  },
  en: {
    "brand.subtitle": "War Room",
    "city.loading": "Loading…",
    "city.sample_hint": "Generated demo data, not a real city",
    "city.facts": "{kecamatan} districts · {kelurahan} kelurahan",
    "city.population": "{population} residents",
    "kpi.cameras": "Cameras",
    "kpi.apps": "Apps",
    "kpi.reports": "Citizen reports",
    "kpi.incidents": "Incidents",
    "lang.label": "Language",
    "user.logout": "Sign out",
    "user.logout_failed": "Sign-out failed: {message}",
    "role.admin": "Administrator",
    "role.operator": "Operator",
    "role.viewer": "Viewer",
    "role.agency_officer": "Agency officer",
    "feed.title": "Live events",
    "feed.empty": "Waiting for events…",
    "feed.state.connecting": "Connecting…",
    "feed.state.live": "Live",
    "feed.state.reconnecting": "Reconnecting…",
    "feed.state.offline": "Offline",
    "map.label": "Map of the city's areas",
    "map.loading": "Loading map…",
    "map.empty": "No area boundaries imported yet.",
    "map.error": "The map could not load: {message}",
    "area.close": "Close",
    "area.code": "Code",
    "area.size": "Area",
    "area.kelurahan_count": "Kelurahan",
    "area.kecamatan": "District",
    "area.hint": "Click inside this district again to pick a kelurahan.",
    "level.kecamatan": "District (kecamatan)",
    "level.kelurahan": "Urban village (kelurahan)",
    "login.heading": "Sign in to the War Room",
    "login.username": "User name",
    "login.password": "Password",
    "login.submit": "Sign in",
    "login.busy": "Checking…",
    "login.network": "The server cannot be reached. Check the network.",
    "error.http": "Something went wrong (HTTP {status}).",
  },
};

const EVENT_LABELS = {
  id: { "city.areas_imported": "Batas wilayah diperbarui" },
  en: { "city.areas_imported": "Area boundaries updated" },
};

let current = "id";

function valid(lang) {
  return LANGUAGES.includes(lang);
}

function stored() {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled (kiosk mode, privacy settings): fall back to the default
  }
}

/** The language in use: the operator's last choice, else the server's default. */
export function initLanguage(serverDefault) {
  const choice = stored();
  current = valid(choice) ? choice : valid(serverDefault) ? serverDefault : "id";
  applyTranslations();
  return current;
}

export function language() {
  return current;
}

/** `key` in the current language (English, then the key itself, when missing). */
export function t(key, vars = {}) {
  const text = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** Whether `key` is translated in `lang`: the browser test checks every key the page uses. */
export function hasTranslation(key, lang) {
  return Object.hasOwn(STRINGS[lang] ?? {}, key);
}

/** Keys some language lacks (the browser test expects none). */
export function untranslated() {
  const keys = new Set(LANGUAGES.flatMap((lang) => Object.keys(STRINGS[lang])));
  return [...keys].filter((key) => !LANGUAGES.every((lang) => hasTranslation(key, lang)));
}

/** The human label of an event type; the raw type when nobody registered one. */
export function eventLabel(type) {
  return EVENT_LABELS[current][type] ?? EVENT_LABELS.en[type] ?? type;
}

/** Register labels for new event types: `addEventLabels({id: {...}, en: {...}})`. */
export function addEventLabels(labels) {
  for (const lang of LANGUAGES) Object.assign(EVENT_LABELS[lang], labels[lang] ?? {});
  applyTranslations();
}

/** A number in the current language's style (1.482.354 in Indonesian, 1,482,354 in English). */
export function formatNumber(value, options = {}) {
  return Number(value).toLocaleString(current === "id" ? "id-ID" : "en-GB", options);
}

function vars(el) {
  try {
    return el.dataset.i18nVars ? JSON.parse(el.dataset.i18nVars) : {};
  } catch {
    return {};
  }
}

/** Give `el` a translated text that follows language switches (`vars` fill `{name}` holes). */
export function setText(el, key, vars = null) {
  el.dataset.i18n = key;
  if (vars) el.dataset.i18nVars = JSON.stringify(vars);
  else delete el.dataset.i18nVars;
  el.textContent = t(key, vars ?? {});
}

/** Fill every translatable element under `root` (the whole page by default). */
export function applyTranslations(root = document) {
  if (root === document) document.documentElement.lang = current;
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n, vars(el));
  for (const el of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(";")) {
      const [attr, key] = pair.split(":").map((s) => s.trim());
      if (attr && key) el.setAttribute(attr, t(key));
    }
  }
  for (const el of root.querySelectorAll("[data-event-label]")) el.textContent = eventLabel(el.dataset.eventLabel);
  for (const button of root.querySelectorAll("[data-set-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset.setLang === current));
  }
}

/** Switch language at once, remember it, and tell JS-drawn parts to redraw. */
export function setLanguage(lang) {
  if (!valid(lang)) return;
  current = lang;
  try {
    window.localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // not remembered across reloads, but the switch itself still works
  }
  applyTranslations();
  document.dispatchEvent(new CustomEvent("warroom:language", { detail: { lang } }));
}

/** Wire the ID/EN buttons (`data-set-lang`) under `root`. */
export function bindLanguageToggle(root = document) {
  for (const button of root.querySelectorAll("[data-set-lang]")) {
    button.addEventListener("click", () => setLanguage(button.dataset.setLang));
  }
}
