// Card payment with Stripe.js: Elements for the card, confirmCardPayment with the client secret.
import { h } from "./dom.js";

const config = window.CPT_CONFIG || {};
let stripeLoading = null;

function loadStripeJs() {
  if (window.Stripe) return Promise.resolve(window.Stripe);
  if (!stripeLoading) {
    stripeLoading = new Promise((resolve, reject) => {
      const script = h("script", { src: config.stripeJsUrl || "https://js.stripe.com/v3/" });
      script.addEventListener("load", () => resolve(window.Stripe));
      script.addEventListener("error", () => reject(new Error("Stripe.js could not be loaded.")));
      document.head.append(script);
    });
  }
  return stripeLoading;
}

// Mounts a card Element into `container`; returns { pay(clientSecret) → {error?} }.
export async function mountCard(publishableKey, container) {
  const Stripe = await loadStripeJs();
  const stripe = Stripe(publishableKey);
  const card = stripe.elements().create("card");
  card.mount(container);
  // localstripe's Element renders plain inputs: give each a label for screen readers.
  const names = { number: "Card number", exp_month: "Expiry month (MM)", exp_year: "Expiry year (YY)", cvc: "CVC", postal_code: "Postal code" };
  container.querySelectorAll("input").forEach((input) => {
    const name = input.getAttribute("placeholder");
    if (names[name]) input.setAttribute("aria-label", names[name]);
    input.setAttribute("inputmode", "numeric");
    input.setAttribute("autocomplete", "off");
  });
  return {
    async pay(clientSecret) {
      if (config.localStripeBridge) {
        const prepared = await bridge(clientSecret, card);
        if (prepared.error) return { error: prepared.error };
        if (prepared.status !== "requires_action") return { paymentIntent: prepared };
      }
      // Real Stripe: creates the payment method from the Element and confirms (3-D Secure too).
      // localstripe: performs the 3-D Secure step of an intent the bridge confirmed.
      return stripe.confirmCardPayment(clientSecret, { payment_method: { card } });
    },
  };
}

// Locally only (dev/wui.py): attach the typed card and confirm, as real Stripe.js does itself.
async function bridge(clientSecret, card) {
  const value = card.value || { card: {} };
  const response = await fetch(config.localStripeBridge, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ client_secret: clientSecret, card: value.card }),
  });
  return response.json();
}
