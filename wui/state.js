// The order this tab is working on. The session id is a bearer token: it lives in this tab's
// sessionStorage only (gone when the tab closes) and is taken out of the address bar at once.
const KEY = "cpt.order";

export function load() {
  try {
    return JSON.parse(window.sessionStorage.getItem(KEY)) || {};
  } catch (unreadable) {
    return {};
  }
}

export function save(changes) {
  const next = { ...load(), ...changes };
  window.sessionStorage.setItem(KEY, JSON.stringify(next));
  return next;
}

export function forget() {
  window.sessionStorage.removeItem(KEY);
}

// Drop the query string (session id, PayPal token) from the address bar and history.
export function cleanAddressBar() {
  window.history.replaceState(null, "", window.location.pathname);
}
