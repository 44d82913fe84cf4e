// Small DOM helpers: elements are built with textContent, never from HTML strings.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const main = () => document.getElementById("main");

// replaceChildren, skipping the null/false a conditional child leaves behind.
export function fill(element, ...children) {
  element.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

// Replace the page's content, mark the step and move focus to the new heading (screen readers).
export function show(step, ...children) {
  const root = main();
  fill(root, ...children);
  document.querySelectorAll(".steps li").forEach((item) => {
    const current = item.dataset.step === step;
    item.classList.toggle("current", current);
    if (current) item.setAttribute("aria-current", "step");
    else item.removeAttribute("aria-current");
  });
  const heading = root.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
    document.title = `${heading.textContent} — Car Pulse Tracker`;
  }
}

export function announce(text) {
  const status = document.getElementById("status");
  status.textContent = "";
  window.setTimeout(() => (status.textContent = text), 50);
}

export function money(cents, currency) {
  return new Intl.NumberFormat("en-IE", { style: "currency", currency }).format(cents / 100);
}

export function alertBox(kind, title, ...lines) {
  return h(
    "div",
    { class: `alert ${kind}`, role: kind === "error" ? "alert" : "status" },
    h("strong", {}, title),
    ...lines.filter(Boolean).map((line) => h("p", {}, line)),
  );
}

export function busy(button, text) {
  const label = button.textContent;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  button.textContent = text;
  return () => {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.textContent = label;
  };
}
