// "Share with a buyer": one car's expiring, revocable link (docs/sharing.md). The link holds a
// token of its own, never the session id; it is shown once, right after it is made. The list
// shows this car's links with their state (the API never returns a token again).
import { api } from "./api.js";
import { announce, busy, fill, h } from "./dom.js";
import { describeApiError } from "./messages.js";

export const SHARE_DAYS = [7, 30, 90];
const DEFAULT_DAYS = 30;
const STATE_TEXT = { active: "active", expired: "expired", revoked: "revoked", used_up: "used up" };
let panels = 0;

const dateText = (iso) =>
  new Date(iso).toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric" });

// The button and its panel for one car; the panel loads the car's links when first opened.
export function sharePanel(sessionId, car) {
  const id = `share-${++panels}`;
  const name = car.display_name || [car.model, car.year].filter(Boolean).join(" ") || car.vin;
  const toggle = h(
    "button",
    { type: "button", class: "share-toggle", "aria-expanded": "false", "aria-controls": id },
    "Share with a buyer",
    h("span", { class: "visually-hidden" }, ` (${name})`),
  );
  const result = h("div", { class: "share-result" });
  const error = h("div", { class: "form-error", role: "alert" });
  const listTitle = h("p", { class: "share-list-title", id: `${id}-links` }, "Links for this car");
  const list = h("ul", { class: "share-links", "aria-labelledby": `${id}-links` });
  const create = h("button", { type: "submit", class: "primary" }, "Create link");
  const form = h(
    "form",
    { class: "share-form", onsubmit: (event) => createLink(event) },
    h(
      "fieldset",
      {},
      h("legend", {}, "The link works for"),
      SHARE_DAYS.map((days) =>
        h("label", { class: "choice" },
          h("input", { type: "radio", name: `${id}-days`, value: String(days), checked: days === DEFAULT_DAYS }),
          ` ${days} days`),
      ),
    ),
    create,
  );
  const panel = h(
    "div",
    { id, class: "share", hidden: true },
    h("p", { class: "hint" },
      "The buyer sees this car's report on our verification page and can download its PDF: no other car, no receipt, nothing about you. You can revoke the link at any time."),
    form,
    error,
    result,
    listTitle,
    list,
  );
  let loaded = false;
  let shownId = null;
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    panel.hidden = !open;
    if (open && !loaded) refreshList();
  });

  function showFailure(failure) {
    const wait = failure.status === 429 || failure.status === 503 ? ` ${describeApiError(failure).todo}` : "";
    error.textContent = `${failure.message}${wait}`;
  }

  async function createLink(event) {
    event.preventDefault();
    error.textContent = "";
    const days = Number(form.querySelector("input:checked").value);
    const done = busy(create, "Creating…");
    try {
      const link = await api.share(sessionId, car.id, days);
      showLink(link);
      await refreshList();
    } catch (failure) {
      showFailure(failure);
    } finally {
      done();
    }
  }

  function showLink(link) {
    shownId = link.share_id;
    const field = h("input", { id: `${id}-url`, class: "share-url", readonly: true, value: link.url, "aria-describedby": `${id}-note` });
    const note = h("p", { class: "hint", id: `${id}-note` },
      `Works until ${dateText(link.expires_at)}. Copy it now: it is shown only once.`);
    const copied = h("span", { class: "hint", role: "status" });
    const copy = h("button", { type: "button" }, "Copy link");
    copy.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(link.url);
        copied.textContent = "Copied.";
      } catch (refused) {
        field.select(); // no clipboard access (permissions, old browser): the reader copies
        copied.textContent = "Select the link and copy it (Ctrl+C).";
      }
    });
    fill(result,
      h("label", { for: `${id}-url` }, "Link for the buyer"),
      h("div", { class: "row" }, field, copy, copied),
      note);
    field.focus();
    field.select();
    announce(`Link created. It works until ${dateText(link.expires_at)}.`);
  }

  async function refreshList() {
    let shares;
    try {
      ({ shares } = await api.shares(sessionId));
    } catch (failure) {
      return showFailure(failure);
    }
    loaded = true;
    const mine = shares
      .filter((share) => String(share.vehicle_id) === String(car.id))
      .sort((a, b) => b.created_at.localeCompare(a.created_at));
    fill(list, mine.length ? mine.map(linkItem) : h("li", { class: "hint" }, "No links yet."));
  }

  function linkItem(share) {
    const opens = `opened ${share.opens} time${share.opens === 1 ? "" : "s"}`;
    const until = share.state === "active" ? `works until ${dateText(share.expires_at)}` : `until ${dateText(share.expires_at)}`;
    const item = h("li", { dataset: { share: share.share_id, state: share.state } },
      h("span", {}, `Made ${dateText(share.created_at)} · ${until} · ${opens} · `),
      h("strong", { class: `share-state ${share.state}` }, STATE_TEXT[share.state] || share.state));
    if (share.state === "active") {
      const revoke = h("button", { type: "button", class: "revoke" }, "Revoke",
        h("span", { class: "visually-hidden" }, ` the link made ${dateText(share.created_at)}, ${opens}`));
      revoke.addEventListener("click", async () => {
        error.textContent = "";
        busy(revoke, "Revoking…");
        try {
          await api.revokeShare(sessionId, share.share_id);
          if (shownId === share.share_id) fill(result); // the revoked link is not offered
          announce("Link revoked: it no longer opens.");
        } catch (failure) {
          showFailure(failure);
        }
        await refreshList();
        list.querySelector(`[data-share="${share.share_id}"]`)?.setAttribute("tabindex", "-1");
        list.querySelector(`[data-share="${share.share_id}"]`)?.focus();
      });
      item.append(" ", revoke);
    }
    return item;
  }

  return h("div", { class: "share-box" }, toggle, panel);
}
