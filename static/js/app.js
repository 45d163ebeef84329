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

// Buttons that only work with JavaScript stay hidden until it runs.
document.documentElement.classList.add("js");
