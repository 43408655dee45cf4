// citizenideas: start GOV.UK Frontend components, and again on content htmx swaps in.
import { initAll } from "../vendor/govuk-frontend-6.3.0.min.js";

initAll();
document.body.addEventListener("htmx:afterSettle", (event) => {
  initAll({ scope: event.detail.elt });
});

// A boosted link or form that gets an error page (400 expired form, 403, 404, 429 too many
// attempts, 500) shows that page, as it would with JavaScript off. Without this, htmx's
// responseHandling drops 4xx/5xx responses and nothing visible happens.
document.body.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.boosted && event.detail.xhr.status >= 400 && event.detail.xhr.status !== 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
