/* The dashboard's charts: Apache ECharts (vendored), drawn as SVG from the data the page embeds as JSON
   (#dashboard-data). The same numbers are in the table under each chart, for screen readers and print. */
(function () {
  "use strict";

  function option(chart) {
    var legend = chart.series.length > 1 ? { top: 0 } : undefined;
    if (chart.kind === "pie") {
      var s = chart.series[0];
      return {
        tooltip: { trigger: "item" },
        legend: { bottom: 0, type: "scroll" },
        series: [{
          type: "pie", radius: ["35%", "65%"],
          data: chart.labels.map(function (label, i) { return { name: label, value: s.values[i] }; })
        }]
      };
    }
    return {
      tooltip: { trigger: "axis" },
      legend: legend,
      grid: { left: 8, right: 8, bottom: 8, top: legend ? 32 : 16, containLabel: true },
      xAxis: { type: "category", data: chart.labels, axisLabel: { interval: 0, rotate: chart.labels.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: chart.series.map(function (s) {
        return { name: s.name, type: chart.kind === "line" ? "line" : "bar", data: s.values };
      })
    };
  }

  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var charts = {};
    data.sections.forEach(function (section) {
      section.charts.forEach(function (chart) { charts[section.key + "." + chart.key] = chart; });
    });
    var drawn = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = charts[el.getAttribute("data-chart")];
      if (!chart) { return; }
      var instance = window.echarts.init(el, null, { renderer: "svg" });
      instance.setOption(option(chart));
      el.setAttribute("data-drawn", "1");
      drawn.push(instance);
    });
    window.addEventListener("resize", function () { drawn.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
