// The interactive API reference, drawn by the vendored Swagger UI from the OpenAPI document.
"use strict";
window.addEventListener("DOMContentLoaded", () => {
  SwaggerUIBundle({ url: "/api/v1/openapi.json", dom_id: "#api-docs", deepLinking: true });
});
