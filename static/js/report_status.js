// A report's page while the report is produced: poll its status every 2 seconds, move the progress bar, and
// reload the page once the report is finished (ready or failed) so that its files or its error show.
(function () {
  "use strict";
  var card = document.querySelector("[data-report-status-url]");
  if (!card) return;
  var url = card.getAttribute("data-report-status-url");
  var bar = card.querySelector(".progress");
  var fill = bar ? bar.querySelector(".progress-bar") : null;
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { window.setTimeout(poll, 5000); return; }
        if (fill) {
          fill.style.width = data.progress + "%";
          fill.textContent = data.progress + "%";
          bar.setAttribute("aria-valuenow", String(data.progress));
        }
        if (data.finished) { window.location.reload(); } else { window.setTimeout(poll, 2000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
