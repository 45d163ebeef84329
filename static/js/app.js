// Small enhancements on top of pages that work without JavaScript.
"use strict";

// "Copy link" buttons: copy the address in data-copy, and say so.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const status = document.getElementById(button.getAttribute("aria-controls"));
  try {
    await navigator.clipboard.writeText(button.dataset.copy);
    if (status) status.textContent = "Link copied.";
  } catch {
    if (status) status.textContent = "Copy failed: select the link and copy it yourself.";
  }
});

// An htmx request the server refused (403, 404, 500...) must not fail silently.
document.addEventListener("htmx:responseError", (event) => {
  const box = document.getElementById("request-problem");
  if (!box) return;
  const status = event.detail.xhr ? event.detail.xhr.status : "";
  box.textContent =
    status === 403
      ? "This page has expired or you were signed out. Reload the page and try again; copy anything you typed first."
      : `The server could not do this (status ${status}). Reload the page and try again.`;
});
document.addEventListener("htmx:sendError", () => {
  const box = document.getElementById("request-problem");
  if (box) box.textContent = "The server could not be reached. Check the connection and try again.";
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
  for (const label of row.querySelectorAll("label")) {
    label.textContent = label.textContent.replace(/\d+$/, String(next));
  }
  for (const problem of row.querySelectorAll(".field-error")) problem.remove();
  last.after(row);
  const first = row.querySelector("input, select");
  if (first) first.focus();
});

// Buttons that only work with JavaScript stay hidden until it runs.
document.documentElement.classList.add("js");
