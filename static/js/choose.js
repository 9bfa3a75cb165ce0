// "Choose" on a suggested officer fills the form beside the list in place and moves focus to it: on a phone the
// form is far below the list. A choosing link carries data-choose-officer (the police number), data-choose-name,
// data-choose-form (the form's id), and optionally data-choose-field (the input's name, "officer" by default) and
// data-choose-mode (the radio of the form's "mode" to check).
// Without JavaScript the link reloads the page at the form (its #fragment), the officer preselected by the
// server. No inline script: the Content-Security-Policy allows only scripts served from static/.
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a[data-choose-officer]");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) {
    return;
  }
  const form = document.getElementById(link.dataset.chooseForm);
  const input = form && form.elements.namedItem(link.dataset.chooseField || "officer");
  if (!input) {
    return;
  }
  event.preventDefault();
  if (link.dataset.chooseMode) {  // e.g. choosing a successor means a hand-over
    const mode = form.querySelector(`input[name=mode][value="${link.dataset.chooseMode}"]`);
    if (mode) {
      mode.checked = true;
      mode.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }
  input.value = link.dataset.chooseOfficer;
  input.classList.remove("is-invalid");
  input.dispatchEvent(new Event("change", { bubbles: true }));
  for (const other of document.querySelectorAll("[data-choose-officer][aria-current]")) {
    other.removeAttribute("aria-current");
  }
  link.setAttribute("aria-current", "true");
  const status = form.querySelector("[data-choose-status]");
  if (status) {
    status.textContent = `${status.dataset.chooseStatus} ${link.dataset.chooseName} (${link.dataset.chooseOfficer})`;
    status.classList.remove("d-none");
  }
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", link.href);  // a reload keeps the choice
  }
  // Focus goes to what is left to type: the first empty field after the officer, else the officer's field.
  const fields = Array.from(form.querySelectorAll("input:not([type=hidden]), select, textarea"));
  const after = fields.slice(fields.indexOf(input) + 1);
  const next = after.find((field) => !field.value && !field.disabled) || input;
  form.scrollIntoView({ block: "start" });
  next.focus({ preventScroll: true });
});
