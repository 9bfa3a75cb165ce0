// A form with data-confirm="question" asks before it is sent (a delete, or ending something). No inline script:
// the Content-Security-Policy allows only scripts served from static/.
// With data-confirm-field="confirm" the answer travels with the form (confirm=yes): the server acts at once.
// Without JavaScript the form goes without that field, and the server answers with its confirmation page.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.dataset && form.dataset.confirm;
  if (!question) {
    return;
  }
  if (!window.confirm(question)) {
    event.preventDefault();
    return;
  }
  const field = form.dataset.confirmField;
  if (field && !form.querySelector(`input[name="${field}"]`)) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = field;
    input.value = "yes";
    form.appendChild(input);
  }
});
