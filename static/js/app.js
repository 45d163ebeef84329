// Small enhancements on top of pages that work without JavaScript.
"use strict";

// The text scripts write, in the page's language: templates/_messages.html gives each message
// as the server translated it, and the English given here stands where a page has none.
// text(key, english, values): the message with each {name} replaced by its value, numbers as
// the page's language writes them. counted(key, n, one, other): a counted noun, singular or
// plural as the language counts n. Shared with static/js/visuals.js as window.pageText.
const pageText = (() => {
  // The digits the server writes decide the browser's: a browser without the language's own
  // number formats (Chromium has none for Pashto) still writes its digits and separators.
  const SYSTEMS = { "0": "latn", "٠": "arab", "۰": "arabext" };
  let node;
  let page = { messages: {}, digits: null, prefix: "" };
  function read() {
    const found = document.getElementById("messages");
    if (found === node) return page;
    node = found;
    page = { messages: {}, digits: null, prefix: "" };
    if (!found) return page;
    try {
      page.messages = JSON.parse(found.dataset.messages || "{}");
    } catch {
      page.messages = {};
    }
    const digits = [...(found.dataset.digits || "")];
    page.digits = digits.length === 10 ? digits : null;
    page.prefix = found.dataset.prefix || "";
    return page;
  }
  const lang = () => document.documentElement.lang || "en";
  function number(n) {
    const system = read().digits && SYSTEMS[read().digits[0]];
    return n.toLocaleString(system ? [`${lang()}-u-nu-${system}`, `en-u-nu-${system}`] : lang());
  }
  // Latin digits (an ISO date, say) as the page's language writes them.
  const digits = (value) => {
    const own = read().digits;
    return own ? String(value).replace(/[0-9]/g, (d) => own[d]) : String(value);
  };
  const fill = (message, values) =>
    message.replace(/\{(\w+)\}/g, (whole, name) => {
      if (!values || !(name in values)) return whole;
      const value = values[name];
      return typeof value === "number" ? number(value) : String(value);
    });
  function text(key, english, values) {
    const message = read().messages[key];
    return fill(typeof message === "string" ? message : english, values);
  }
  function counted(key, n, one, other) {
    const forms = read().messages[key];
    let message = n === 1 ? one : other;
    if (forms && typeof forms === "object") {
      const form = forms[new Intl.PluralRules(lang()).select(n)] ?? forms.other;
      if (typeof form === "string") message = form;
    }
    return fill(message, { n });
  }
  // One of the site's own paths in the page's language (data and files stay as they are).
  const link = (path) => read().prefix + path;
  return { text, counted, number, digits, link };
})();
window.pageText = pageText;
const t = pageText.text;

// "Copy link" buttons: copy the address in data-copy, and say so.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const status = document.getElementById(button.getAttribute("aria-controls"));
  try {
    await navigator.clipboard.writeText(button.dataset.copy);
    if (status) status.textContent = t("linkCopied", "Link copied.");
  } catch {
    if (status) status.textContent = t("copyFailed", "Copy failed: select the link and copy it yourself.");
  }
});

// An htmx request the server refused (403, 404, 500...) must not fail silently.
document.addEventListener("htmx:responseError", (event) => {
  const box = document.getElementById("request-problem");
  if (!box) return;
  const status = event.detail.xhr ? event.detail.xhr.status : "";
  box.textContent =
    status === 403
      ? t("pageExpired", "This page has expired or you were signed out. Reload the page and try again; copy anything you typed first.")
      : t("serverRefused", "The server could not do this (status {status}). Reload the page and try again.", { status });
});
document.addEventListener("htmx:sendError", () => {
  const box = document.getElementById("request-problem");
  if (box) box.textContent = t("serverUnreachable", "The server could not be reached. Check the connection and try again.");
});

// The incident form: the sub-type list offers only the chosen type's sub-types (each type's
// are an optgroup labelled with the type's name). Without a script every sub-type is offered
// and the server takes the type from the sub-type.
function narrowSubTypes(typeSelect) {
  const subSelect = document.getElementById("sub_event_type");
  if (!subSelect) return;
  const chosen = typeSelect.options[typeSelect.selectedIndex];
  const label = chosen && chosen.value ? chosen.textContent.trim() : null;
  for (const group of subSelect.querySelectorAll("optgroup")) {
    const fits = label === null || group.label === label;
    group.hidden = !fits;
    group.disabled = !fits;
  }
  const selected = subSelect.options[subSelect.selectedIndex];
  if (selected && selected.parentElement.tagName === "OPTGROUP" && selected.parentElement.disabled) {
    subSelect.value = "";
  }
}
document.addEventListener("change", (event) => {
  if (event.target.id === "event_type") narrowSubTypes(event.target);
});
document.addEventListener("DOMContentLoaded", () => {
  const typeSelect = document.getElementById("event_type");
  if (typeSelect) narrowSubTypes(typeSelect);
});

// "Add more actor rows": with a script, one more blank row in place, numbered after the last;
// without one the button asks the server for the form again with more rows.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-add-row]");
  if (!button) return;
  const rows = document.querySelectorAll(button.dataset.addRow);
  const last = rows[rows.length - 1];
  if (!last) return;
  event.preventDefault();
  const next = rows.length + 1;
  const row = last.cloneNode(true);
  for (const node of row.querySelectorAll("[id], [name], [for], [aria-describedby]")) {
    for (const attribute of ["id", "name", "for"]) {
      const value = node.getAttribute(attribute);
      if (value) node.setAttribute(attribute, value.replace(/_\d+$/, `_${next}`));
    }
    node.removeAttribute("aria-describedby");
    node.removeAttribute("aria-invalid");
    if ("value" in node && node.tagName !== "OPTION") node.value = "";
  }
  // The label's number, the last in it, in whichever digits the page writes.
  for (const label of row.querySelectorAll("label")) {
    label.textContent = label.textContent.replace(/\p{Nd}+(?![\s\S]*\p{Nd})/u, pageText.number(next));
  }
  for (const problem of row.querySelectorAll(".field-error")) problem.remove();
  last.after(row);
  const first = row.querySelector("input, select");
  if (first) first.focus();
});

// Buttons that only work with JavaScript stay hidden until it runs.
document.documentElement.classList.add("js");
