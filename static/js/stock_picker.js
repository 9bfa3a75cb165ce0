// The issue form's stock picker (select[data-stock-picker]): a search box above the list of what is in stock,
// filtering it by serial number or type as the clerk types (accents and case ignored), and by the warehouse chosen
// in the same form. Without this script the list works as it is. No inline script: the CSP allows only static/.
(() => {
  const fold = (text) =>
    text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();

  document.querySelectorAll("select[data-stock-picker]").forEach((select) => {
    const form = select.form;
    const warehouse = form ? form.elements.namedItem("warehouse") : null;
    const search = document.createElement("input");
    search.type = "search";
    search.className = "form-control form-control-sm mb-1";
    search.placeholder = select.dataset.filterPlaceholder || "";
    search.setAttribute("aria-label", select.dataset.filterLabel || "");
    search.setAttribute("aria-controls", select.id);
    search.setAttribute("autocomplete", "off");
    search.dataset.testid = "stock-search";
    select.parentNode.insertBefore(search, select);
    const status = document.createElement("div");
    status.className = "form-text";
    status.setAttribute("aria-live", "polite");
    select.insertAdjacentElement("afterend", status);

    const visibleOptions = () => Array.from(select.options).filter((option) => !option.hidden && option.value);

    const apply = () => {
      const words = fold(search.value).split(/\s+/).filter(Boolean);
      const chosen = warehouse && warehouse.value;
      select.querySelectorAll("optgroup").forEach((group) => {
        let shown = 0;
        group.querySelectorAll("option").forEach((option) => {
          const haystack = fold(`${option.dataset.search || ""} ${option.textContent} ${group.label}`);
          const visible =
            (!chosen || option.dataset.warehouse === chosen) && words.every((word) => haystack.includes(word));
          option.hidden = !visible;
          if (!visible && option.selected) option.selected = false;
          if (visible) shown += 1;
        });
        group.hidden = shown === 0;
      });
      const left = visibleOptions();
      if (left.length === 1 && words.length) left[0].selected = true;
      status.textContent = (select.dataset.countText || "").replace("%(n)s", String(left.length));
    };

    search.addEventListener("input", apply);
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault(); // Enter picks the first match instead of sending the form half filled
        const first = visibleOptions()[0];
        if (first) first.selected = true;
        select.focus();
      } else if (event.key === "ArrowDown") {
        event.preventDefault();
        select.focus();
      }
    });
    if (warehouse) warehouse.addEventListener("change", apply);
    apply();
  });
})();
