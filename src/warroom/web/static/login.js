// The login page: sign in with a session cookie, then go to the wall.
//
// Errors show the server's own message (401 wrong password, 429 too many failures, 422 invalid
// input): it already says what to do, and the audit log uses the same wording.

import { api } from "./api.js";
import { bindLanguageToggle, initLanguage, t } from "./i18n.js";

const form = document.getElementById("login-form");
const errorBox = document.getElementById("login-error");
const submit = form.querySelector("button[type=submit]");

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = false;
}

async function signIn(event) {
  event.preventDefault();
  errorBox.hidden = true;
  const username = form.elements.username.value.trim();
  const password = form.elements.password.value;
  submit.disabled = true;
  submit.dataset.i18n = "login.busy";
  submit.textContent = t("login.busy");
  try {
    await api("/api/v1/auth/session", { method: "POST", body: { username, password }, redirectOn401: false });
    window.location.assign("/");
    return;
  } catch (err) {
    showError(err.message);
    form.elements.password.select();
  }
  submit.disabled = false;
  submit.dataset.i18n = "login.submit";
  submit.textContent = t("login.submit");
}

initLanguage(document.documentElement.dataset.defaultLang);
bindLanguageToggle();
form.addEventListener("submit", signIn);
