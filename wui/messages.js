// What the web app says: every ?oauth=error reason, API errors, car statuses, languages.

// Every reason shared/connect/flow.py can send back (?oauth=error&reason=…), with what happened
// and what to do. `reconnect: true` offers to reconnect the stored order instead of a new start.
export const OAUTH_REASONS = {
  no_vehicles: {
    title: "No cars on this Tesla account",
    happened: "You signed in, but the account has no cars we can report on, so no order was started.",
    todo: "Sign in with the Tesla account that owns the cars (for a company car, the fleet owner's account).",
  },
  access_denied: {
    title: "Connection cancelled",
    happened: "Tesla's sign-in page was cancelled or access was not allowed, so we cannot read your cars.",
    todo: "Connect again and choose Allow on Tesla's page. We only read data; we never control the car.",
  },
  invalid_state: {
    title: "This sign-in link is not valid",
    happened: "The answer from Tesla did not match a sign-in started here (an old tab, a reused or edited link).",
    todo: "Start the connection again from this page.",
  },
  expired_state: {
    title: "The sign-in took too long",
    happened: "The sign-in was started too long ago and has expired, for your security.",
    todo: "Start the connection again and finish Tesla's sign-in within a few minutes.",
  },
  token_exchange_failed: {
    title: "Tesla did not confirm the sign-in",
    happened: "Tesla sent you back, but would not give us access with that sign-in.",
    todo: "Connect again. If it keeps happening, sign out at Tesla and try once more.",
  },
  tesla_unavailable: {
    title: "Tesla is not answering right now",
    happened: "Tesla's service could not be reached or was busy. Nothing was charged.",
    todo: "Wait a minute and connect again.",
  },
  account_mismatch: {
    title: "That account does not hold this order's cars",
    happened: "You reconnected with a Tesla account that does not own the cars in your order.",
    todo: "Reconnect with the account you used when you ordered.",
    reconnect: true,
  },
  session_expired: {
    title: "This order can no longer be reconnected",
    happened: "The order you tried to reconnect has expired or was already finished.",
    todo: "If you paid, your reports and receipt stay available from the link you used; otherwise start a new order.",
  },
};

export const UNKNOWN_REASON = {
  title: "The connection did not work",
  happened: "Tesla's sign-in ended without connecting your account.",
  todo: "Start the connection again.",
};

// API errors by their HTTP status (the error shape's message is shown too).
export function describeApiError(error) {
  switch (error.status) {
    case 0:
      return { title: "The service cannot be reached", todo: "Check your connection and try again." };
    case 404:
      return { title: "Not found", todo: "This order or file does not exist. Start a new order." };
    case 409:
      return { title: "Not possible at this step", todo: "The order moved on; reload to see where it is." };
    case 410:
      return {
        title: "Your order session has expired",
        todo: "Sessions last a limited time before payment. Connect again to start a new order.",
      };
    case 413:
    case 422:
      return { title: "Please check what you entered", todo: "Correct the highlighted field and try again." };
    case 429:
      return { title: "Too many attempts", todo: `Wait ${error.retryAfter || "a few"} seconds and try again.` };
    case 503:
      return { title: "Busy right now", todo: `Try again in ${error.retryAfter || "a few"} seconds.` };
    default:
      return { title: "Something went wrong on our side", todo: "Try again in a moment." };
  }
}

export const CAR_STATUS = {
  pending: "Waiting",
  running: "Building the report…",
  complete: "Ready",
  partial: "Ready (some data missing)",
  failed: "Could not be built",
  waiting_reconnect: "Waiting for you to reconnect",
};

export const ORDER_STATUS = {
  paid: "Paid — starting your reports",
  generating: "Building your reports",
  complete: "Your reports are ready",
  reconnect_required: "Tesla needs you to sign in again",
};

// The languages the PDF reports come in (shared/product/languages.py), named in their language.
export const REPORT_LANGUAGES = [
  ["en", "English"],
  ["fi", "Suomi"],
  ["sv", "Svenska"],
  ["no", "Norsk"],
  ["da", "Dansk"],
  ["de", "Deutsch"],
  ["fr", "Français"],
  ["es", "Español"],
  ["it", "Italiano"],
];
