// Draws each panel's chart with Apache ECharts from the numbers the server put next to it
// (the same rows as the table and the CSV), and applies a filter as soon as it changes.
(function () {
  "use strict";
  var palette = ["#3370ff", "#07c160", "#ff8800", "#f54a45", "#7f3bf5", "#00b5d8", "#ffc60a", "#8f959e"];

  function draw(el) {
    var spec = JSON.parse(document.getElementById(el.dataset.chartId).textContent);
    var chart = echarts.init(el, null, { renderer: "canvas" });
    var stacked = spec.stacked && spec.series.length > 1;
    var unit = spec.percent ? "%" : "";
    chart.setOption({
      color: palette,
      animation: false,
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v + unit; } },
      legend: { type: "scroll", top: 0 },
      grid: { left: 8, right: 12, top: spec.series.length > 1 ? 32 : 12, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: spec.labels, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", axisLabel: { formatter: "{value}" + unit }, max: spec.percent ? 100 : null },
      series: spec.series.map(function (s) {
        return { name: s.name, type: spec.type, data: s.data, stack: stacked ? "total" : undefined,
                 connectNulls: false, showSymbol: spec.labels.length < 40, barMaxWidth: 32 };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
    el.dataset.drawn = "true";
  }

  document.querySelectorAll(".chart[data-chart-id]").forEach(draw);
  var form = document.getElementById("filters");
  if (form) {
    form.addEventListener("change", function () { form.requestSubmit ? form.requestSubmit() : form.submit(); });
    // Leave empty filters out of the URL, so a shared address says only what was chosen.
    form.addEventListener("submit", function () {
      Array.prototype.forEach.call(form.elements, function (field) {
        if (field.name && !field.value) { field.disabled = true; }
      });
    });
  }
  document.body.dataset.ready = "true";
})();
