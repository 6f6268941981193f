// Draws the dashboard's charts with plotly.js from the figures embedded in the page (no requests, no CDN).
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const config = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d"] };
  const font = { family: '"Noto Sans CJK JP", "Noto Sans JP", "Noto Sans", sans-serif', size: 12 };
  const base = { font: font, margin: { t: 10, r: 10, b: 60, l: 50 }, legend: { orientation: "h", y: -0.2 } };
  // "2026-10", not a date axis with English month names; a fresh object per chart (plotly mutates layouts)
  const monthAxis = () => ({ type: "category", tickangle: 0 });
  const label = (c) => (c.label_ja === c.label_en ? c.label_ja : c.label_ja + " " + c.label_en);

  function stacked(id, matrix) {
    const traces = matrix.categories
      .map((category, j) => ({
        type: "bar",
        name: label(category),
        marker: { color: category.color },
        x: matrix.months,
        y: matrix.counts.map((row) => row[j]),
        total: matrix.category_totals[j],
      }))
      .filter((t) => t.total > 0);
    const layout = Object.assign({ barmode: "stack", xaxis: monthAxis(), yaxis: { title: "件数 cases" } }, base);
    Plotly.newPlot(id, traces, layout, config);
  }

  function topics(id, matrix) {
    const rows = matrix.categories
      .map((c, j) => ({ name: c.label_ja, full: label(c), n: matrix.category_totals[j], color: c.color }))
      .filter((r) => r.n > 0)
      .sort((a, b) => a.n - b.n);
    const trace = {
      type: "bar", orientation: "h", x: rows.map((r) => r.n), y: rows.map((r) => r.name),
      marker: { color: rows.map((r) => r.color) },
      customdata: rows.map((r) => r.full), hovertemplate: "%{customdata}: %{x}<extra></extra>",
    };
    const layout = Object.assign({}, base, {
      margin: { t: 10, r: 10, b: 40, l: 10 }, yaxis: { automargin: true }, xaxis: { title: "件数 mentions" },
    });
    Plotly.newPlot(id, [trace], layout, config);
  }

  function service(id, view) {
    const months = view.months.map((m) => m.month);
    const traces = [
      { type: "bar", name: "応答 answered", x: months, y: view.months.map((m) => m.answered) },
      { type: "bar", name: "放棄 abandoned", x: months, y: view.months.map((m) => m.abandoned) },
      { type: "bar", name: "その他 other", x: months, y: view.months.map((m) => m.other) },
      {
        type: "scatter", mode: "lines+markers", name: "応答率 % answer rate", yaxis: "y2",
        x: months, y: view.months.map((m) => m.answer_rate),
      },
    ];
    const layout = Object.assign({}, base, {
      barmode: "stack",
      xaxis: monthAxis(),
      yaxis: { title: "件数 cases" },
      yaxis2: { title: "%", overlaying: "y", side: "right", range: [0, 100], dtick: 20, showgrid: false },
      margin: { t: 10, r: 50, b: 60, l: 50 },
    });
    Plotly.newPlot(id, traces, layout, config);
  }

  function waits(id, view) {
    const months = view.months.map((m) => m.month);
    const line = (name, values, dash) => ({ type: "scatter", mode: "lines+markers", name, x: months, y: values, line: { dash } });
    const traces = [
      line("待ち 中央値 median wait", view.months.map((m) => m.wait.median_seconds), "solid"),
      line("待ち 90% p90 wait", view.months.map((m) => m.wait.p90_seconds), "dot"),
      line("通訳 中央値 median to interpreter", view.months.map((m) => m.time_to_interpreter.median_seconds), "solid"),
      line("通訳 90% p90 to interpreter", view.months.map((m) => m.time_to_interpreter.p90_seconds), "dot"),
    ];
    const layout = Object.assign({ xaxis: monthAxis(), yaxis: { title: "秒 seconds", rangemode: "tozero" } }, base);
    Plotly.newPlot(id, traces, layout, config);
  }

  function interpreter(id, view) {
    const traces = view.vendors.map((vendor) => {
      const rows = view.rows.filter((r) => r.vendor === vendor);
      return { type: "bar", name: vendor, x: rows.map((r) => r.language.label_ja), y: rows.map((r) => r.minutes) };
    });
    const layout = Object.assign(
      { barmode: "group", xaxis: { type: "category", automargin: true }, yaxis: { title: "分 minutes" } },
      base,
    );
    Plotly.newPlot(id, traces, layout, config);
  }

  function residents(id, view) {
    const rows = view.rows.filter((r) => r.cases > 0);
    const trace = {
      type: "pie", hole: 0.35, sort: false,
      labels: rows.map((r) => label(r.municipality)), values: rows.map((r) => r.cases),
      marker: { colors: rows.map((r) => r.municipality.color) },
      textinfo: "percent", textposition: "inside",
    };
    const layout = Object.assign({}, base, {
      margin: { t: 10, r: 10, b: 10, l: 10 }, uniformtext: { minsize: 11, mode: "hide" },
      legend: { orientation: "v", x: 1.02, y: 0.5 },
    });
    Plotly.newPlot(id, [trace], layout, config);
  }

  stacked("chart-municipality", data.cases_by_municipality);
  stacked("chart-language", data.cases_by_language);
  stacked("chart-channel", data.cases_by_channel);
  topics("chart-topic", data.cases_by_topic);
  service("chart-service", data.service);
  waits("chart-waits", data.waits);
  interpreter("chart-interpreter", data.interpreter_minutes);
  residents("chart-residents", data.residents);
})();
