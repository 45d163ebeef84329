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

// Buttons that only work with JavaScript stay hidden until it runs.
document.documentElement.classList.add("js");
