/* The dashboard: the province selector submits on change, the print button prints, and the trend charts are
   drawn from the figures the page passes with json_script (no inline script: the Content-Security-Policy
   forbids it). Chart.js is vendored in static/vendor. */
(function () {
  "use strict";

  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  var source = document.getElementById("dashboard-trend");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var trend = JSON.parse(source.textContent);
  var locale = document.documentElement.lang || "vi";
  var colours = {
    covered: "#198754",
    communes: "#6c757d",
    trained: "#0d6efd",
    equipped: "#fd7e14",
    operational: "#14452f"
  };

  function line(label, data, colour, extra) {
    return Object.assign({
      label: label,
      data: data,
      borderColor: colour,
      backgroundColor: colour,
      borderWidth: 2,
      pointRadius: data.length > 60 ? 0 : 2,
      tension: 0.15,
      spanGaps: true
    }, extra || {});
  }

  function options(yExtra, percent) {
    return {
      locale: locale,
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: percent ? {
            label: function (context) {
              var value = context.parsed.y;
              return context.dataset.label + ": " +
                (value === null ? "—" : value.toLocaleString(locale, { maximumFractionDigits: 1 }) + "%");
            }
          } : {}
        }
      },
      scales: {
        x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } },
        y: Object.assign({ beginAtZero: true, ticks: { precision: 0 } }, yExtra)
      }
    };
  }

  var covered = document.getElementById("chart-covered");
  if (covered) {
    new window.Chart(covered, {
      type: "line",
      data: {
        labels: trend.labels,
        datasets: [
          line(trend.names.covered, trend.covered, colours.covered, { fill: "origin", backgroundColor: "rgba(25, 135, 84, 0.15)" }),
          line(trend.names.communes, trend.communes, colours.communes, { borderDash: [6, 4], pointRadius: 0 })
        ]
      },
      options: options({}, false)
    });
  }

  var charts = [];
  var shares = document.getElementById("chart-shares");
  if (shares) {
    charts.push(new window.Chart(shares, {
      type: "line",
      data: {
        labels: trend.labels,
        datasets: [
          line(trend.names.trained_percent, trend.trained_percent, colours.trained),
          line(trend.names.equipped_percent, trend.equipped_percent, colours.equipped),
          line(trend.names.operational_percent, trend.operational_percent, colours.operational)
        ]
      },
      options: options({
        max: 100,
        ticks: { callback: function (value) { return value + "%"; } }
      }, true)
    }));
  }
  if (covered) {
    charts.unshift(window.Chart.getChart(covered));
  }

  // Printing: each chart is redrawn for the width of an A4 page (210 mm less 12 mm margins, less the card's
  // padding), at a height that keeps its legend whole, and at twice the pixels for a sharp print; then back.
  var PRINTED = { width: 670, height: 283 };  // 7.5 cm: the printed frame (dashboard.css)
  function forPrint() {
    charts.forEach(function (chart) {
      chart.options.devicePixelRatio = 2;
      chart.resize(PRINTED.width, PRINTED.height);
    });
  }
  function forScreen() {
    charts.forEach(function (chart) {
      chart.options.devicePixelRatio = window.devicePixelRatio;
      chart.resize();
    });
  }
  window.addEventListener("beforeprint", forPrint);
  window.addEventListener("afterprint", forScreen);
})();
