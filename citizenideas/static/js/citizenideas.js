// citizenideas: start GOV.UK Frontend components, and again on content htmx swaps in.
import { initAll } from "../vendor/govuk-frontend-6.3.0.min.js";
import "./photos.js";

initAll();
document.body.addEventListener("htmx:afterSettle", (event) => {
  initAll({ scope: event.detail.elt });
});
