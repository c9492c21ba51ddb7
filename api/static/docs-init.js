// Starts Swagger UI on the API's own OpenAPI document. A file, not an inline script, so the docs
// page runs under a Content-Security-Policy without 'unsafe-inline' scripts.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
