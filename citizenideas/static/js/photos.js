// Photo fields: with JavaScript, show the chosen photo before sending, and a button to remove
// it again. Without JavaScript the plain file field works on its own. Events are delegated
// from the document, so fields htmx swaps in work too. No inline script (CSP).

function parts(input) {
  const group = input.closest("[data-photo-upload]");
  if (!group) return null;
  return {
    preview: group.querySelector("[data-photo-preview]"),
    image: group.querySelector("[data-photo-preview] img"),
    name: group.querySelector("[data-photo-name]"),
  };
}

function clear(input) {
  const found = parts(input);
  if (!found) return;
  found.image.src = "data:,";
  found.name.textContent = "";
  found.preview.hidden = true;
}

document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "file") return;
  const found = parts(input);
  if (!found) return;
  clear(input);
  const file = input.files && input.files[0];
  if (!file) return;
  // A data: URL, which the Content-Security-Policy allows for images (blob: it does not).
  const reader = new FileReader();
  reader.addEventListener("load", () => {
    if (input.files[0] !== file) return; // another choice was made meanwhile
    found.image.src = reader.result;
    found.name.textContent = file.name;
    found.preview.hidden = false;
  });
  reader.readAsDataURL(file);
});

document.addEventListener("click", (event) => {
  const button = event.target instanceof Element && event.target.closest("[data-photo-remove]");
  if (!button) return;
  const group = button.closest("[data-photo-upload]");
  const input = group && group.querySelector("input[type=file]");
  if (!input) return;
  input.value = "";
  clear(input);
  input.focus();
});
