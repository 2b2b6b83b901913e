// Starts Swagger UI on /docs. A file, not an inline <script>, so the page runs under
// "script-src 'self'". The spec URL comes from the page (FastAPI's openapi_url).
"use strict";

const root = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({
  url: root.dataset.openapiUrl,
  domNode: root,
  layout: "BaseLayout",
  presets: [SwaggerUIBundle.presets.apis],
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  validatorUrl: null, // the default asks validator.swagger.io: off, genlab runs offline
});

// Each operation's summary is a <button> that holds a deep link (<a>): a control inside a control,
// which a keyboard reaches twice and a screen reader cannot name (axe: nested-interactive). The
// button already opens the operation and deepLinking puts it in the URL, so the link becomes
// plain text.
new MutationObserver(() => {
  for (const a of root.querySelectorAll(".opblock-summary-control a[href]")) a.removeAttribute("href");
}).observe(root, { childList: true, subtree: true });
