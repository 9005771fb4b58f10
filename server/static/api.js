// The API page: Swagger UI (vendored, server/static/vendor/swagger-ui-dist/) rendering the service's OpenAPI document.
// No request leaves the server: the document is this server's, and the online validator badge is off.
// Accessibility (axe-core, tests/test_browser_pages.py): deep links are off, because Swagger UI renders each
// operation's deep link as an <a> inside the operation's <button> (axe "nested-interactive"); the servers <select>,
// whose <label> Swagger UI leaves empty (axe "select-name"), is named when the page is rendered; api.css darkens
// the colours below WCAG AA contrast.
"use strict";

(function () {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.url,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: false,
    validatorUrl: null,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    onComplete: function () {
      const servers = document.getElementById("servers");
      if (servers) servers.setAttribute("aria-label", "Server the requests of “Try it out” go to");
    },
  });
})();
