// Draws the admin's charts with the vendored Chart.js. Each chart's numbers are in a table
// beside it (the page's text); this only reads the JSON next to the canvas.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") return;
  var lang = document.documentElement.lang || "vi";
  var COLOURS = ["#1b7a4a", "#d9822b", "#2f6fb3", "#b33a3a", "#7b5ea7", "#6b8e23", "#c2185b", "#455a64"];
  var money = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  var count = new Intl.NumberFormat(lang);
  function fmt(value, isMoney) {
    return isMoney ? money.format(value) + "\u00a0₫" : count.format(value);
  }
  function draw(holder) {
    var source = document.getElementById(holder.dataset.ocopChart);
    if (!source || holder.dataset.drawn) return;
    holder.dataset.drawn = "1";
    var spec = JSON.parse(source.textContent);
    var horizontal = spec.kind === "hbar";
    var type = horizontal ? "bar" : spec.kind;
    var hasSecondary = spec.series.some(function (s) { return s.secondary; });
    var datasets = spec.series.map(function (s, i) {
      var colour = COLOURS[i % COLOURS.length];
      // A count beside an amount on a vertical bar chart is drawn as a line over the bars.
      var asLine = spec.kind === "line" || (s.secondary && spec.kind === "bar");
      return {
        label: s.label,
        data: s.values,
        backgroundColor: spec.kind === "doughnut" ? COLOURS : colour,
        borderColor: colour,
        borderWidth: asLine ? 2 : 0,
        pointRadius: asLine ? 2 : 0,
        yAxisID: horizontal ? undefined : (s.secondary ? "y1" : "y"),
        xAxisID: horizontal ? (s.secondary ? "x1" : "x") : undefined,
        type: asLine && spec.kind === "bar" ? "line" : undefined,
        order: asLine ? 0 : 1,
        ocopMoney: s.money,
      };
    });
    if (horizontal) {
      holder.style.height = Math.max(160, spec.labels.length * (22 + 8 * spec.series.length)) + "px";
    }
    var valueAxis = function (isMoney, position, grid) {
      return {
        position: position,
        stacked: spec.stacked,
        beginAtZero: true,
        grid: { drawOnChartArea: grid },
        ticks: { callback: function (v) { return fmt(v, isMoney); } },
      };
    };
    var primaryMoney = spec.series.some(function (s) { return s.money && !s.secondary; });
    var secondaryMoney = spec.series.some(function (s) { return s.money && s.secondary; });
    var scales = {};
    if (spec.kind !== "doughnut") {
      var category = { stacked: spec.stacked, ticks: { autoSkip: true, maxRotation: 0 } };
      if (horizontal) {
        scales.y = category;
        scales.x = valueAxis(primaryMoney, "bottom", true);
        if (hasSecondary) scales.x1 = valueAxis(secondaryMoney, "top", false);
      } else {
        scales.x = category;
        scales.y = valueAxis(primaryMoney, "left", true);
        if (hasSecondary) scales.y1 = valueAxis(secondaryMoney, "right", false);
      }
    }
    new window.Chart(holder.querySelector("canvas"), {
      type: type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        scales: scales,
        plugins: {
          legend: { display: spec.series.length > 1 || spec.kind === "doughnut" },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                return ctx.dataset.label + ": " + fmt(ctx.raw, ctx.dataset.ocopMoney);
              },
            },
          },
        },
      },
    });
  }
  function drawAll() {
    document.querySelectorAll("[data-ocop-chart]").forEach(draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
