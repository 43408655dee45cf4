// Start the vendored Swagger UI on /api/docs. Nothing is fetched from another site:
// the validator badge (which calls an external service) is switched off.
(function () {
  var el = document.getElementById("swagger-ui");
  if (!el || !window.SwaggerUIBundle) { return; }
  window.SwaggerUIBundle({
    url: el.getAttribute("data-spec-url"),
    domNode: el,
    validatorUrl: null,
    deepLinking: false,
    docExpansion: "none",
    defaultModelsExpandDepth: 0
  });
})();
