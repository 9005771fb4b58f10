// The API page: Swagger UI (vendored, server/static/vendor/swagger-ui-dist/) rendering the service's OpenAPI document.
// No request leaves the server: the document is this server's, and the online validator badge is off.
"use strict";

(function () {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.url,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    validatorUrl: null,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
  });
})();
