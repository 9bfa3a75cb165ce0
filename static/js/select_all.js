// A checkbox with data-select-all="NAME" ticks or clears every checkbox named NAME of its form.
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-select-all]");
  if (!all) return;
  const form = all.form || all.closest("form");
  if (!form) return;
  form.querySelectorAll(`input[type="checkbox"][name="${all.dataset.selectAll}"]`).forEach((box) => {
    box.checked = all.checked;
  });
});
