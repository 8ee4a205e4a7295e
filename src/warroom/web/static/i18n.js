// Indonesian / English for the wall, the camera pages and the login page.
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
    "nav.label": "Halaman",
    "nav.wall": "Peta kota",
    "nav.cameras": "Dinding kamera",
    "nav.apps": "Aplikasi",
    "common.yes": "Ya",
    "common.no": "Tidak",
    "health.online": "Daring",
    "health.offline": "Luring",
    "health.frozen": "Beku",
    "health.black": "Gelap",
    "health.blurred": "Buram",
    "health.covered": "Tertutup",
    "health.moved": "Bergeser",
    "health.unknown": "Belum dicek",
    "health.broken": "Rusak",
    "kind.road": "Jalan",
    "kind.lorong": "Lorong",
    "kind.other": "Lainnya",
    "kpi.cameras_note": "daring · {broken} rusak",
    "kpi.cameras_hint": "Kamera daring dari kamera aktif; klik untuk dinding kamera",
    "cameras.title": "Kamera",
    "cameras.count": "{shown} dari {total} kamera",
    "cameras.loading": "Memuat kamera…",
    "cameras.error": "Kamera tidak dapat dimuat: {message}",
    "cameras.legend": "Status kamera",
    "cameras.legend_hint": "Klik status untuk menyaring peta",
    "cameras.none": "Belum ada kamera terdaftar.",
    "cameras.cluster": "{total} kamera, {broken} rusak",
    "filter.kind": "Jenis",
    "filter.health": "Status",
    "filter.kecamatan": "Kecamatan",
    "filter.search": "Cari",
    "filter.search_placeholder": "Nama atau alamat kamera",
    "filter.all_kinds": "Semua jenis",
    "filter.all_health": "Semua status",
    "filter.broken": "Rusak (semua gangguan)",
    "filter.all_kecamatan": "Semua kecamatan",
    "filter.reset": "Atur ulang",
    "broken.title": "Kamera rusak per kecamatan",
    "broken.none": "Tidak ada kamera rusak.",
    "broken.row": "{broken} dari {total}",
    "broken.all": "Semua kamera rusak",
    "camera.kind": "Jenis",
    "camera.kecamatan": "Kecamatan",
    "camera.kelurahan": "Kelurahan",
    "camera.state": "Status",
    "camera.since": "Sejak",
    "camera.last_checked": "Terakhir dicek",
    "camera.observed": "Pengamatan terakhir",
    "camera.never": "Belum pernah",
    "camera.snapshot": "Snapshot terbaru",
    "camera.snapshot_at": "Diambil {time}",
    "camera.no_snapshot": "Belum ada snapshot: diambil pada pengecekan berikutnya.",
    "camera.snapshot_error": "Snapshot tidak dapat dimuat.",
    "camera.other_agency": "Gambar kamera ini hanya untuk dinas pemiliknya.",
    "camera.open": "Buka halaman kamera",
    "camera.show_on_map": "Klik untuk menampilkan kamera di peta",
    "camera.loading": "Memuat…",
    "camera.details": "Detail",
    "camera.agency": "Dinas",
    "camera.stream": "Alamat stream",
    "camera.credentials": "Kredensial tersimpan",
    "camera.location": "Lokasi",
    "camera.tags": "Label",
    "camera.masks": "Masker privasi",
    "camera.enabled": "Aktif",
    "camera.health": "Kesehatan",
    "camera.metrics_at_change": "Metrik saat perubahan terakhir",
    "camera.uptime": "Waktu daring",
    "camera.history": "Riwayat kesehatan",
    "camera.check": "Cek sekarang",
    "camera.checking": "Mengecek…",
    "camera.check_title": "Hasil pengecekan",
    "camera.check_failed": "Pengecekan gagal: {message}",
    "uptime.24h": "24 jam",
    "uptime.7d": "7 hari",
    "uptime.30d": "30 hari",
    "uptime.none": "belum dipantau",
    "history.at": "Waktu",
    "history.change": "Perubahan",
    "history.metrics": "Metrik",
    "history.empty": "Belum ada perubahan status.",
    "check.observed": "Teramati",
    "check.state": "Status",
    "metric.mean": "Kecerahan rata-rata",
    "metric.std": "Kontras (simpangan)",
    "metric.sharpness": "Ketajaman",
    "metric.baseline": "Ketajaman normal",
    "metric.view_match": "Kecocokan pandangan",
    "metric.night": "Malam",
    "metric.reason": "Sebab",
    "metric.error": "Galat",
    "camwall.title": "Dinding kamera",
    "camwall.page": "{from}–{to} dari {total}",
    "camwall.prev": "‹ Sebelumnya",
    "camwall.next": "Berikutnya ›",
    "camwall.empty": "Tidak ada kamera yang cocok dengan saringan.",
    "camwall.refreshed": "Diperbarui {time} · tiap 30 detik",
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
    "nav.label": "Pages",
    "nav.wall": "City map",
    "nav.cameras": "Camera wall",
    "nav.apps": "Apps",
    "common.yes": "Yes",
    "common.no": "No",
    "health.online": "Online",
    "health.offline": "Offline",
    "health.frozen": "Frozen",
    "health.black": "Black",
    "health.blurred": "Blurred",
    "health.covered": "Covered",
    "health.moved": "Moved",
    "health.unknown": "Not checked yet",
    "health.broken": "Broken",
    "kind.road": "Road",
    "kind.lorong": "Alley (lorong)",
    "kind.other": "Other",
    "kpi.cameras_note": "online · {broken} broken",
    "kpi.cameras_hint": "Online cameras of the enabled ones; click for the camera wall",
    "cameras.title": "Cameras",
    "cameras.count": "{shown} of {total} cameras",
    "cameras.loading": "Loading cameras…",
    "cameras.error": "The cameras could not load: {message}",
    "cameras.legend": "Camera health",
    "cameras.legend_hint": "Click a state to filter the map",
    "cameras.none": "No cameras registered yet.",
    "cameras.cluster": "{total} cameras, {broken} broken",
    "filter.kind": "Kind",
    "filter.health": "Health",
    "filter.kecamatan": "District",
    "filter.search": "Search",
    "filter.search_placeholder": "Camera name or URL",
    "filter.all_kinds": "All kinds",
    "filter.all_health": "All states",
    "filter.broken": "Broken (any fault)",
    "filter.all_kecamatan": "All districts",
    "filter.reset": "Reset",
    "broken.title": "Broken cameras by district",
    "broken.none": "No broken cameras.",
    "broken.row": "{broken} of {total}",
    "broken.all": "All broken cameras",
    "camera.kind": "Kind",
    "camera.kecamatan": "District",
    "camera.kelurahan": "Kelurahan",
    "camera.state": "Health",
    "camera.since": "Since",
    "camera.last_checked": "Last checked",
    "camera.observed": "Last observed",
    "camera.never": "Never",
    "camera.snapshot": "Latest snapshot",
    "camera.snapshot_at": "Taken {time}",
    "camera.no_snapshot": "No snapshot yet: one is taken at the next check.",
    "camera.snapshot_error": "The snapshot could not load.",
    "camera.other_agency": "Only the agency that owns this camera may see its pictures.",
    "camera.open": "Open camera page",
    "camera.show_on_map": "Click to show the camera on the map",
    "camera.loading": "Loading…",
    "camera.details": "Details",
    "camera.agency": "Agency",
    "camera.stream": "Stream URL",
    "camera.credentials": "Credentials stored",
    "camera.location": "Location",
    "camera.tags": "Tags",
    "camera.masks": "Privacy masks",
    "camera.enabled": "Enabled",
    "camera.health": "Health",
    "camera.metrics_at_change": "Metrics at the last change",
    "camera.uptime": "Uptime",
    "camera.history": "Health history",
    "camera.check": "Check now",
    "camera.checking": "Checking…",
    "camera.check_title": "Check result",
    "camera.check_failed": "The check failed: {message}",
    "uptime.24h": "24 h",
    "uptime.7d": "7 days",
    "uptime.30d": "30 days",
    "uptime.none": "not watched yet",
    "history.at": "Time",
    "history.change": "Change",
    "history.metrics": "Metrics",
    "history.empty": "No state changes yet.",
    "check.observed": "Observed",
    "check.state": "State",
    "metric.mean": "Mean brightness",
    "metric.std": "Contrast (std. dev.)",
    "metric.sharpness": "Sharpness",
    "metric.baseline": "Sharpness baseline",
    "metric.view_match": "View match",
    "metric.night": "Night",
    "metric.reason": "Reason",
    "metric.error": "Error",
    "camwall.title": "Camera wall",
    "camwall.page": "{from}–{to} of {total}",
    "camwall.prev": "‹ Previous",
    "camwall.next": "Next ›",
    "camwall.empty": "No cameras match the filters.",
    "camwall.refreshed": "Updated {time} · every 30 s",
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

/**
 * Add a feature's own strings (`addStrings({id: {...}, en: {...}})`), so each feature keeps its
 * text beside its code; both languages must carry every key (the browser tests check).
 */
export function addStrings(strings) {
  for (const lang of LANGUAGES) Object.assign(STRINGS[lang], strings[lang] ?? {});
  applyTranslations();
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
  return Number(value).toLocaleString(locale(), options);
}

function locale() {
  return current === "id" ? "id-ID" : "en-GB";
}

/** A share 0..1 as a percentage in the current language's style (93,4% / 93.4%). */
export function formatPercent(share, digits = 1) {
  return Number(share).toLocaleString(locale(), { style: "percent", maximumFractionDigits: digits });
}

/** Date and 24-hour time in the wall's local time (WITA in Makassar); "—" for none. */
export function formatDateTime(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "—";
  return date.toLocaleString(locale(), {
    day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  });
}

const RELATIVE_UNITS = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
  ["second", 1],
];

/** "3 jam yang lalu" / "3 hours ago"; "" for none. */
export function formatRelative(iso, now = Date.now()) {
  if (!iso) return "";
  const seconds = (new Date(iso).getTime() - now) / 1000;
  if (Number.isNaN(seconds)) return "";
  const format = new Intl.RelativeTimeFormat(locale(), { numeric: "auto" });
  for (const [unit, size] of RELATIVE_UNITS) {
    if (Math.abs(seconds) >= size || unit === "second") return format.format(Math.round(seconds / size), unit);
  }
  return "";
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
