// A large file's preview while the worker checks it (templates/includes/import.html): poll its progress every
// second, move the bar and the count of rows, and reload the page once it is finished so that the preview (or
// the error) shows. Without JavaScript the page's "Refresh" link does the same by hand.
(function () {
  "use strict";
  var card = document.querySelector("[data-import-status-url]");
  if (!card) return;
  var url = card.getAttribute("data-import-status-url");
  var bar = card.querySelector(".progress");
  var fill = bar ? bar.querySelector(".progress-bar") : null;
  var rows = card.querySelector("[data-testid='import-rows']");
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok || response.status === 404 ? response.json() : null; })
      .then(function (data) {
        if (!data) { window.setTimeout(poll, 3000); return; }
        if (data.finished) { window.location.reload(); return; }
        if (fill) {
          fill.style.width = data.percent + "%";
          fill.textContent = data.percent + "%";
          bar.setAttribute("aria-valuenow", String(data.percent));
        }
        if (rows && data.rows_text) { rows.textContent = data.rows_text; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
