// The end page shows the successor's fields only for a hand-over: a section marked data-mode-section="hand_over"
// is hidden while another way of ending is chosen. Without JavaScript every field shows (the legend says which
// are for a hand-over). No inline script: the Content-Security-Policy allows only scripts served from static/.
(() => {
  const sync = (form) => {
    const checked = form.querySelector("input[name=mode]:checked");
    for (const section of form.querySelectorAll("[data-mode-section]")) {
      section.hidden = !checked || checked.value !== section.dataset.modeSection;
    }
  };
  for (const form of document.querySelectorAll("form[data-mode-form]")) {
    sync(form);
    form.addEventListener("change", (event) => {
      if (event.target.name === "mode") {
        sync(form);
      }
    });
  }
})();
