// What every signed-in page shares: the language, the clock, sign-out and the error toast.
// The wall (wall.js), the camera wall (camera_wall.js) and the camera page (camera_page.js)
// call `bootPage()` first; they differ only in what they draw below the top bar.

import { api } from "./api.js";
import { bindLanguageToggle, initLanguage, t } from "./i18n.js";

/** The session's CSRF token from the page's <meta>: every write with the cookie must send it. */
export function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content ?? "";
}

/** Show `message` in the page's #toast for a few seconds. */
export function toast(message) {
  const el = document.getElementById("toast");
  if (!el) return;
  el.textContent = message;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => {
    el.hidden = true;
  }, 8000);
}

async function logout() {
  try {
    await api("/api/v1/auth/session", { method: "DELETE", headers: { "X-CSRF-Token": csrfToken() }, redirectOn401: false });
  } catch (err) {
    if (err.status !== 401) {
      // 401: already signed out, which is what the operator wanted
      toast(t("user.logout_failed", { message: err.message }));
      return;
    }
  }
  window.location.assign("/login");
}

function startClock(el) {
  const tick = () => {
    const now = new Date();
    el.textContent = now.toLocaleTimeString("en-GB", { hour12: false });
    el.dateTime = now.toISOString();
  };
  tick();
  setInterval(tick, 1000);
}

/** Language (with its ID/EN toggle), the clock and the sign-out button of the top bar. */
export function bootPage() {
  initLanguage(document.documentElement.dataset.defaultLang);
  bindLanguageToggle();
  document.getElementById("logout")?.addEventListener("click", logout);
  const clock = document.getElementById("clock");
  if (clock) startClock(clock);
}
