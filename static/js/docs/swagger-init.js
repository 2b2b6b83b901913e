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
