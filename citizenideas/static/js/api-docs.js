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
  // Swagger UI's "Try it out" request-body box has no label (WCAG 1.3.1, 4.1.2): name it.
  var label = el.getAttribute("data-body-label") || "Request body";
  new MutationObserver(function () {
    var boxes = el.querySelectorAll(".body-param textarea:not([aria-label])");
    for (var i = 0; i < boxes.length; i++) { boxes[i].setAttribute("aria-label", label); }
    // Its operations are a second <main> inside ours (a named region instead, so the page
    // keeps one main landmark), and each response table is an unnamed role="region".
    var mains = el.querySelectorAll("main:not([role])");
    for (var k = 0; k < mains.length; k++) {
      mains[k].setAttribute("role", "region");
      mains[k].setAttribute("aria-label", el.getAttribute("data-operations-label") || "Operations");
    }
    var regions = el.querySelectorAll("table[role=region]");
    for (var m = 0; m < regions.length; m++) { regions[m].removeAttribute("role"); }
    // It also repeats the id of the request content-type select: keep ids unique.
    var seen = {}, ided = el.querySelectorAll("[id]");
    for (var j = 0; j < ided.length; j++) {
      var id = ided[j].id;
      if (seen[id] && document.querySelectorAll("[id='" + id + "']").length > 1) {
        ided[j].id = id + "-" + seen[id];
      }
      seen[id] = (seen[id] || 0) + 1;
    }
  }).observe(el, {childList: true, subtree: true, attributes: true, attributeFilter: ["role"]});
})();
