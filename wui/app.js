// The reference web app: connect → cars & package → quote & pay → reports. No framework, no build.
import { api, ApiError } from "./api.js";
import { mountCard } from "./card.js";
import { alertBox, announce, busy, fill, h, money, show } from "./dom.js";
import {
  CAR_STATUS,
  describeApiError,
  OAUTH_REASONS,
  ORDER_STATUS,
  REPORT_LANGUAGES,
  UNKNOWN_REASON,
} from "./messages.js";
import { sharePanel } from "./share.js";
import * as state from "./state.js";

const POLL_MS = 1500;
const PAYMENT_WAIT_POLLS = 60; // × POLL_MS / 2: how long a payment may take to be confirmed
const AFTER_PAYMENT = new Set(["paid", "generating", "complete", "reconnect_required"]);
let pollTimer = null;

// ── Entry: read what the API or PayPal handed over in the address bar, then show a page ───────

function start() {
  const params = new URLSearchParams(window.location.search);
  document.querySelector("[data-action=home]").addEventListener("click", (event) => {
    event.preventDefault();
    state.forget();
    renderConnect();
  });
  if (params.get("oauth") === "success" && params.get("session_id")) {
    const reconnected = params.get("reconnected") === "1";
    state.save({ sessionId: params.get("session_id"), reconnected });
    state.cleanAddressBar();
    return reconnected ? renderProgress({ notice: "Reconnected. Your reports continue." }) : renderCars();
  }
  if (params.get("oauth") === "error") {
    state.cleanAddressBar();
    return renderOAuthError(params.get("reason") || "");
  }
  if (params.get("paypal") === "return") {
    state.cleanAddressBar();
    return capturePayPal();
  }
  if (params.get("paypal") === "cancel") {
    state.cleanAddressBar();
    return renderCheckout({ notice: "PayPal payment cancelled. Nothing was charged; choose how to pay." });
  }
  return state.load().sessionId ? resume() : renderConnect();
}

// Reloaded with an order in this tab: go to where it stands.
async function resume() {
  const { sessionId } = state.load();
  try {
    await api.vehicles(sessionId);
    return renderCars();
  } catch (error) {
    if (error.status === 409 && AFTER_PAYMENT.has(error.details.status)) return renderProgress();
    return renderApiError(error);
  }
}

// ── Connect ────────────────────────────────────────────────────────────────────────────────────

function renderConnect(notice) {
  stopPolling();
  const button = h("button", { type: "submit", class: "primary", id: "connect" }, "Connect your car account");
  const form = h(
    "form",
    { onsubmit: (event) => connect(event, button) },
    h(
      "fieldset",
      {},
      h("legend", {}, "Your car brand"),
      h("label", { class: "choice" }, h("input", { type: "radio", name: "brand", value: "tesla", checked: true }), " Tesla"),
    ),
    h("p", { class: "hint" }, "You sign in on Tesla's own page and allow read access; we never see your password."),
    button,
  );
  show(
    "connect",
    h("h1", {}, "A health report for your car"),
    h("p", {}, "Connect your Tesla account, choose cars and a package, pay once, and download a PDF report per car."),
    notice ? alertBox("info", notice) : null,
    form,
  );
}

async function connect(event, button, sessionId) {
  event.preventDefault();
  const done = busy(button, "Opening Tesla…");
  try {
    const { authUrl } = await api.initiate("tesla", sessionId);
    window.location.assign(authUrl);
  } catch (error) {
    done();
    renderApiError(error);
  }
}

function renderOAuthError(reason) {
  const copy = OAUTH_REASONS[reason] || UNKNOWN_REASON;
  const { sessionId } = state.load();
  const reconnect = copy.reconnect && sessionId;
  const button = h("button", { type: "button", class: "primary", id: "retry" }, reconnect ? "Reconnect" : "Connect again");
  button.addEventListener("click", (event) => {
    if (!reconnect) state.forget();
    connect(event, button, reconnect ? sessionId : undefined);
  });
  show(
    "connect",
    h("h1", {}, copy.title),
    h("div", { class: "alert error", role: "alert", dataset: { reason } },
      h("p", {}, h("strong", {}, "What happened: "), copy.happened),
      h("p", {}, h("strong", {}, "What to do: "), copy.todo)),
    button,
  );
}

// ── Cars and package ───────────────────────────────────────────────────────────────────────────

async function renderCars() {
  stopPolling();
  const { sessionId } = state.load();
  let vehicles, catalog;
  try {
    [{ vehicles }, catalog] = await Promise.all([api.vehicles(sessionId), api.catalog()]);
  } catch (error) {
    if (error.status === 409 && AFTER_PAYMENT.has(error.details.status)) return renderProgress();
    return renderApiError(error);
  }
  const saved = state.load();
  const chosen = new Set((saved.vehicleIds || vehicles.map((car) => car.id)).map(String));
  const carList = h(
    "ul",
    { class: "cars" },
    vehicles.map((car) =>
      h(
        "li",
        {},
        h(
          "label",
          { class: "car" },
          h("input", { type: "checkbox", name: "car", value: String(car.id), checked: chosen.has(String(car.id)) }),
          h("span", { class: "car-name" }, car.display_name || car.model || "Tesla"),
          h("span", { class: "car-meta" }, [car.model, car.year].filter(Boolean).join(" · ") || "Model unknown"),
          h("span", { class: "vin" }, `VIN ${car.vin}`),
          h("span", { class: `state ${car.state}` }, car.state === "asleep" ? "asleep — we wake it once" : car.state),
        ),
      ),
    ),
  );
  const packages = h(
    "div",
    { class: "packages" },
    catalog.packages.map((pkg, index) =>
      h(
        "label",
        { class: "package" },
        h("input", { type: "radio", name: "package", value: pkg.name, checked: pkg.name === (saved.package || catalog.packages[0].name) }),
        h("span", { class: "package-title" }, pkg.title),
        h("span", { class: "package-price", dataset: { package: pkg.name } }),
        ...packageFeatures(catalog.packages, index),
      ),
    ),
  );
  const error = h("div", { class: "form-error", id: "cars-error", "aria-live": "assertive" });
  const button = h("button", { type: "submit", class: "primary", id: "continue" }, "Continue to price");
  const form = h(
    "form",
    { onsubmit: (event) => submitSelection(event, form, button, error) },
    h("fieldset", {}, h("legend", {}, `Cars on your account (${vehicles.length})`), carList),
    h("fieldset", {}, h("legend", {}, "Package"), packages),
    error,
    button,
  );
  const refreshPrices = () => {
    const count = form.querySelectorAll("input[name=car]:checked").length;
    for (const pkg of catalog.packages) {
      const tier = pkg.tiers.find((t) => count >= t.min_vehicles && (t.max_vehicles === null || count <= t.max_vehicles));
      const label = form.querySelector(`.package-price[data-package="${pkg.name}"]`);
      label.textContent = tier ? `${money(tier.price_cents, catalog.currency)} for ${count} car${count === 1 ? "" : "s"}, VAT ${catalog.vat_rate_percent} % included` : "";
    }
  };
  form.addEventListener("change", refreshPrices);
  show(
    "cars",
    h("h1", {}, "Choose cars and a package"),
    saved.reconnected ? alertBox("info", "Account reconnected.") : null,
    form,
  );
  refreshPrices();
}

// A package's features; a bigger package lists what it adds to the one before it.
function packageFeatures(packages, index) {
  const previous = index > 0 ? packages[index - 1] : null;
  const known = new Set(previous ? previous.features : []);
  const added = packages[index].features.filter((feature) => !known.has(feature));
  return [
    previous ? h("span", { class: "hint" }, `Everything in ${previous.title}, plus:`) : null,
    h("ul", { class: "features" }, added.map((feature) => h("li", {}, feature))),
  ];
}

async function submitSelection(event, form, button, error) {
  event.preventDefault();
  const ids = [...form.querySelectorAll("input[name=car]:checked")].map((box) => box.value);
  const pkg = form.querySelector("input[name=package]:checked")?.value;
  if (!ids.length) {
    error.textContent = "Choose at least one car.";
    return;
  }
  const { sessionId } = state.load();
  const done = busy(button, "Saving…");
  try {
    // The ids go back as the API sent them (strings or numbers: opaque either way).
    const original = await api.vehicles(sessionId);
    const byKey = new Map(original.vehicles.map((car) => [String(car.id), car.id]));
    await api.select(sessionId, ids.map((id) => byKey.get(id) ?? id), pkg);
    state.save({ vehicleIds: ids, package: pkg });
    renderCheckout();
  } catch (failure) {
    done();
    renderApiError(failure);
  }
}

// ── Quote and payment ──────────────────────────────────────────────────────────────────────────

async function renderCheckout({ notice } = {}) {
  stopPolling();
  const saved = state.load();
  const quoteBox = h("div", { class: "quote", id: "quote", "aria-live": "polite" });
  const voucherInput = h("input", { id: "voucher", name: "voucher", autocomplete: "off", value: saved.voucher || "", "aria-describedby": "voucher-message" });
  const voucherMessage = h("p", { id: "voucher-message", class: "hint" });
  const applyButton = h("button", { type: "submit", id: "apply-voucher" }, "Apply");
  const voucherForm = h(
    "form",
    { class: "voucher", onsubmit: (event) => applyVoucher(event) },
    h("label", { for: "voucher" }, "Voucher code (optional)"),
    h("div", { class: "row" }, voucherInput, applyButton),
    voucherMessage,
  );
  const language = h(
    "select",
    { id: "language", name: "language" },
    REPORT_LANGUAGES.map(([code, name]) => h("option", { value: code, selected: (saved.language || "en") === code }, name)),
  );
  language.addEventListener("change", () => {
    state.save({ language: language.value });
    if (quote) renderPayment(payArea, quote); // create-intent again, with the new language
  });
  const payArea = h("div", { id: "pay-area" });
  let quote = null;
  show(
    "checkout",
    h("h1", {}, "Your price"),
    notice ? alertBox("info", notice) : null,
    quoteBox,
    voucherForm,
    h("div", { class: "field" }, h("label", { for: "language" }, "Report language"), language),
    payArea,
  );

  async function refresh(code) {
    try {
      quote = await api.quote(saved.sessionId, code);
    } catch (error) {
      if (error.status === 422 && code) {
        voucherMessage.textContent = error.message;
        voucherMessage.className = "hint bad";
        voucherInput.setAttribute("aria-invalid", "true");
        return false;
      }
      if (error.status === 409 && AFTER_PAYMENT.has(error.details.status)) return renderProgress();
      renderApiError(error);
      return false;
    }
    voucherInput.removeAttribute("aria-invalid");
    state.save({ voucher: code || "" });
    quoteBox.replaceChildren(quoteTable(quote));
    voucherMessage.className = "hint";
    voucherMessage.textContent = quote.voucher ? `Applied: ${quote.voucher.label}` : "";
    renderPayment(payArea, quote);
    return true;
  }
  async function applyVoucher(event) {
    event.preventDefault();
    const done = busy(applyButton, "Checking…");
    const applied = await refresh(voucherInput.value.trim());
    done();
    if (applied) announce(`Total ${money(quote.total_cents, quote.currency)}`);
  }
  if (!(await refresh(saved.voucher))) {
    if (saved.voucher) await refresh("");
  }
}

function quoteTable(quote) {
  const row = (label, value, id) => h("tr", id ? { id } : {}, h("th", { scope: "row" }, label), h("td", {}, value));
  return h(
    "table",
    {},
    h("caption", {}, `${quote.package[0].toUpperCase()}${quote.package.slice(1)} report · ${quote.tier_label}`),
    h(
      "tbody",
      {},
      row("Price", money(quote.tier_price_cents, quote.currency)),
      quote.voucher ? row(`Voucher ${quote.voucher.code}`, `− ${money(quote.voucher.discount_cents, quote.currency)}`, "discount") : null,
      row("Total", money(quote.total_cents, quote.currency), "total"),
      row("of which VAT", money(quote.vat_cents, quote.currency), "vat"),
    ),
  );
}

function renderPayment(area, quote) {
  const error = h("div", { class: "form-error", id: "pay-error", "aria-live": "assertive" });
  if (quote.total_cents === 0) {
    const button = h("button", { type: "button", class: "primary", id: "pay" }, "Get my reports (nothing to pay)");
    button.addEventListener("click", () => pay("stripe", button, error));
    area.replaceChildren(h("h2", {}, "Nothing to pay"), button, error);
    return;
  }
  const methods = h(
    "fieldset",
    { class: "methods" },
    h("legend", {}, "Pay with"),
    h("label", { class: "choice" }, h("input", { type: "radio", name: "method", value: "stripe", checked: true }), " Card"),
    h("label", { class: "choice" }, h("input", { type: "radio", name: "method", value: "paypal" }), " PayPal"),
  );
  const button = h("button", { type: "button", class: "primary", id: "pay" }, `Continue to pay ${money(quote.total_cents, quote.currency)}`);
  button.addEventListener("click", () => pay(methods.querySelector("input:checked").value, button, error));
  area.replaceChildren(h("h2", {}, "Payment"), methods, button, error);
}

async function pay(method, button, error) {
  const { sessionId, language } = state.load();
  const done = busy(button, "Preparing payment…");
  error.textContent = "";
  let intent;
  try {
    intent = await api.createIntent(sessionId, method, language || "en");
  } catch (failure) {
    done();
    if (failure.status === 409 && AFTER_PAYMENT.has(failure.details.status)) return renderProgress();
    return renderApiError(failure);
  }
  if (intent.status === "paid") return renderProgress({ notice: "Nothing to pay: your order is confirmed." });
  if (intent.paypal) {
    state.save({ paying: "paypal" });
    return window.location.assign(intent.paypal.approve_url);
  }
  done();
  return renderCardForm(intent);
}

async function renderCardForm(intent) {
  const area = document.getElementById("pay-area");
  const cardBox = h("div", { id: "card-element", class: "card-element" });
  const error = h("div", { class: "form-error", id: "card-error", role: "alert" });
  const button = h("button", { type: "button", class: "primary", id: "pay-card" }, `Pay ${money(intent.amount_cents, intent.currency)}`);
  area.replaceChildren(
    h("h2", {}, "Card"),
    h("p", { class: "hint", id: "card-hint" }, "Test cards: 4242 4242 4242 4242, or 4000 0027 6000 3184 for 3-D Secure; any future date and CVC."),
    h("div", { role: "group", "aria-labelledby": "card-hint" }, cardBox),
    button,
    error,
  );
  let card;
  try {
    card = await mountCard(intent.stripe.publishable_key, cardBox);
  } catch (failure) {
    error.textContent = failure.message;
    return;
  }
  cardBox.querySelector("input")?.focus();
  button.addEventListener("click", async () => {
    const done = busy(button, "Paying…");
    error.textContent = "";
    const result = await card.pay(intent.stripe.client_secret);
    if (result.error) {
      // A new attempt starts from create-intent: the API decides whether the intent is reused.
      const reason = result.error.message || "The card was not accepted.";
      return renderCheckout({ notice: `The payment did not go through: ${reason} Nothing was charged; try again or use another card.` });
    }
    renderProgress({ notice: "Payment received. Thank you." });
  });
}

async function capturePayPal() {
  const { sessionId } = state.load();
  if (!sessionId) return renderConnect("The PayPal payment came back to a tab without an order. Start again.");
  show("checkout", h("h1", {}, "Confirming your PayPal payment…"));
  try {
    await api.capturePayPal(sessionId);
  } catch (error) {
    if (!(error.status === 409 && AFTER_PAYMENT.has(error.details.status))) return renderApiError(error);
  }
  state.save({ paying: null });
  return renderProgress({ notice: "PayPal payment received. Thank you." });
}

// ── Progress and downloads ─────────────────────────────────────────────────────────────────────

function stopPolling() {
  if (pollTimer) window.clearTimeout(pollTimer);
  pollTimer = null;
}

async function renderProgress({ notice } = {}) {
  stopPolling();
  const { sessionId } = state.load();
  const heading = h("h1", {}, "Your reports");
  const summary = h("p", { id: "order-status", class: "order-status" });
  const list = h("ul", { class: "reports", id: "reports" });
  const actions = h("div", { id: "actions" });
  show("progress", heading, notice ? alertBox("info", notice) : null, summary, list, actions);
  let lastStatus = null;
  let lastCars = null;
  let waitedForPayment = 0;
  const shareBoxes = new Map(); // kept across polls: an open share panel keeps its state

  async function poll() {
    let answer;
    try {
      answer = await api.reports(sessionId);
    } catch (error) {
      const settling = error.status === 409 && error.details.status === "vehicles_selected";
      if (settling && waitedForPayment++ < PAYMENT_WAIT_POLLS) {
        // Paid at Stripe or PayPal; the provider's webhook has not reached the API yet.
        summary.textContent = "Confirming your payment…";
        summary.dataset.status = "confirming";
        pollTimer = window.setTimeout(poll, POLL_MS / 2);
        return;
      }
      if (settling) return renderCheckout({ notice: "Your payment was not confirmed. Nothing was charged twice; please pay again." });
      if (error.status === 503 || error.status === 429 || error.status === 0) {
        pollTimer = window.setTimeout(poll, POLL_MS * 2);
        return;
      }
      return renderApiError(error);
    }
    if (answer.status === "vehicles_selected") {
      // Not paid yet: the provider's webhook is on its way, or the attempt failed.
      const failure = answer.payment && answer.payment.last_failure;
      if (failure) {
        return renderCheckout({ notice: `The payment did not go through: ${failure.message} You can pay again.` });
      }
      if (waitedForPayment++ >= PAYMENT_WAIT_POLLS) {
        return renderCheckout({ notice: "Your payment was not confirmed. Nothing was charged twice; please pay again." });
      }
      summary.textContent = "Confirming your payment…";
      summary.dataset.status = "confirming";
      pollTimer = window.setTimeout(poll, POLL_MS / 2);
      return;
    }
    summary.textContent = ORDER_STATUS[answer.status] || answer.status;
    summary.dataset.status = answer.status;
    const cars = JSON.stringify(answer.vehicles);
    if (cars !== lastCars) list.replaceChildren(...answer.vehicles.map((car) => reportItem(car, sessionId, shareBoxes)));
    lastCars = cars; // redrawn only on a change, so focus inside a share panel stays put
    const finished = answer.status === "complete";
    if (answer.status !== lastStatus) announce(summary.textContent);
    lastStatus = answer.status;
    fill(actions,
      answer.status === "reconnect_required" ? reconnectBox(sessionId) : null,
      answer.status !== "complete" && answer.status !== "reconnect_required" ? h("p", { class: "hint" }, "This page updates by itself.") : null,
      h("p", {}, h("a", { class: "button", id: "receipt", href: api.receiptUrl(sessionId), download: "" }, "Download the receipt (PDF)")),
      finished ? h("p", { class: "hint" }, "Keep this tab or the PDF files: the order link is private to you.") : null,
    );
    if (!finished) pollTimer = window.setTimeout(poll, POLL_MS);
  }
  await poll();
}

function reportItem(car, sessionId, shareBoxes) {
  const status = CAR_STATUS[car.status] || car.status;
  const key = String(car.id);
  if (car.pdf_url && !shareBoxes.has(key)) shareBoxes.set(key, sharePanel(sessionId, car));
  return h(
    "li",
    { class: `report ${car.status}`, dataset: { status: car.status, vehicle: key } },
    h("span", { class: "car-name" }, car.display_name || car.model || "Tesla"),
    h("span", { class: "car-meta" }, [car.model, car.year, `VIN ${car.vin}`].filter(Boolean).join(" · ")),
    h("span", { class: "report-status" }, status),
    car.reason ? h("span", { class: "reason" }, `Why: ${car.reason}`) : null,
    car.next_attempt_at ? h("span", { class: "hint" }, `We try again at ${new Date(car.next_attempt_at).toLocaleTimeString()} at no charge.`) : null,
    car.pdf_url
      ? h("a", { class: "button pdf", href: car.pdf_url, download: "" }, `Download PDF`, h("span", { class: "visually-hidden" }, ` for ${car.display_name || car.vin}`))
      : null,
    car.pdf_url ? shareBoxes.get(key) : null,
  );
}

function reconnectBox(sessionId) {
  const button = h("button", { type: "button", class: "primary", id: "reconnect" }, "Reconnect your Tesla account");
  button.addEventListener("click", (event) => connect(event, button, sessionId));
  return h(
    "div",
    { class: "alert warn", role: "alert" },
    h("strong", {}, "Tesla needs you to sign in again"),
    h("p", {}, "Your Tesla sign-in expired before every report was built. Your payment is kept: reconnect with the same account and the reports continue, at no extra charge."),
    button,
  );
}

// ── Errors ─────────────────────────────────────────────────────────────────────────────────────

function renderApiError(error) {
  stopPolling();
  const copy = error instanceof ApiError ? describeApiError(error) : describeApiError({ status: -1 });
  const again = h("button", { type: "button", class: "primary", id: "start-over" }, "Start a new order");
  again.addEventListener("click", () => {
    state.forget();
    renderConnect();
  });
  show(
    "connect",
    h("h1", {}, copy.title),
    h("div", { class: "alert error", role: "alert", dataset: { status: String(error.status ?? "") } },
      h("p", {}, error.message),
      h("p", {}, h("strong", {}, "What to do: "), copy.todo)),
    again,
  );
}

start();
