// The API client: one fetch wrapper that turns the API's one error shape into ApiError.
const config = window.CPT_CONFIG || {};
export const API_BASE = (config.apiBase || "http://127.0.0.1:8080/api/v1").replace(/\/$/, "");

export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    const error = (body && body.error) || {};
    super(error.message || `The API answered ${status}.`);
    this.status = status;
    this.code = error.code || (status === 0 ? "network" : "unknown");
    this.details = error;
    this.retryAfter = retryAfter;
  }
}

async function call(method, path, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`${API_BASE}${path}`, options);
  } catch (failure) {
    throw new ApiError(0, { error: { code: "network", message: "The API cannot be reached." } });
  }
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch (notJson) {
    parsed = null;
  }
  if (!response.ok) {
    throw new ApiError(response.status, parsed, response.headers.get("Retry-After"));
  }
  return parsed;
}

const enc = encodeURIComponent;

export const api = {
  catalog: () => call("GET", "/pricing/catalog"),
  initiate: (brand, sessionId) =>
    call("POST", "/tesla/oauth/initiate", sessionId ? { brand, session_id: sessionId } : { brand }),
  vehicles: (sessionId) => call("GET", `/tesla/session/${enc(sessionId)}/vehicles`),
  // Vehicle ids are opaque: sent back exactly as the API gave them.
  select: (sessionId, vehicleIds, pkg) =>
    call("POST", `/tesla/session/${enc(sessionId)}/select`, { vehicle_ids: vehicleIds, package: pkg }),
  quote: (sessionId, voucherCode) =>
    call("POST", "/pricing/quote", { session_id: sessionId, voucher_code: voucherCode || null }),
  createIntent: (sessionId, method, language) =>
    call("POST", "/payment/create-intent", { session_id: sessionId, method, language }),
  capturePayPal: (sessionId) => call("POST", "/payment/paypal/capture", { session_id: sessionId }),
  reports: (sessionId) => call("GET", `/tesla/report/${enc(sessionId)}`),
  receiptUrl: (sessionId) => `${API_BASE}/tesla/report/${enc(sessionId)}/receipt`,
  // Share links (docs/sharing.md): the token is only in the create answer's `url`.
  share: (sessionId, vehicleId, expiresInDays) =>
    call("POST", `/tesla/report/${enc(sessionId)}/share`, { vehicle_id: vehicleId, expires_in_days: expiresInDays }),
  shares: (sessionId) => call("GET", `/tesla/report/${enc(sessionId)}/shares`),
  revokeShare: (sessionId, shareId) => call("DELETE", `/tesla/report/${enc(sessionId)}/shares/${enc(shareId)}`),
};
