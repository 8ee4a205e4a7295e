// The one way the pages call /api/v1: JSON in, JSON out, and the API's single error shape
// `{"error": {"code", "message", "details"}}` turned into an ApiError whose message is the
// server's own (it says what to do), so no page has to parse errors itself.

import { t } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, code, message, details = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/**
 * Call the API with the session cookie. A 401 means the session ended (expired, signed out
 * elsewhere), so by default the page goes to the login screen instead of showing broken data.
 */
export async function api(path, { method = "GET", body, headers = {}, redirectOn401 = true } = {}) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json", ...headers } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "network", t("login.network"));
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    if (response.status === 401 && redirectOn401) window.location.assign("/login");
    const error = data?.error;
    throw new ApiError(
      response.status,
      error?.code ?? "http_error",
      error?.message || t("error.http", { status: response.status }),
      error?.details ?? null,
    );
  }
  return data;
}
