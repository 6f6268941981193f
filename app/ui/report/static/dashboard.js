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

  // Three ways to read a stack (the radio group above the chart): counts; each month as 100 % (the nine smaller
  // municipalities next to Kurashiki's 77 %); or one small chart per category, each with its own y axis.
  const NARROW = 640; // px of chart width under which the small charts go two abreast, titled in Japanese only
  const VIEW_TITLES = { count: "件数 cases", share: "割合 share (%)" };

  function stackedTraces(matrix) {
    return matrix.categories
      .map((category, j) => ({
        type: "bar",
        name: label(category),
        short: category.label_ja,
        marker: { color: category.color },
        x: matrix.months,
        y: matrix.counts.map((row) => row[j]),
        total: matrix.category_totals[j],
      }))
      .filter((t) => t.total > 0);
  }

  function multiples(traces, narrow) {
    const columns = narrow ? 2 : 3;
    const rows = Math.max(1, Math.ceil(traces.length / columns));
    const layout = Object.assign({}, base, {
      grid: { rows: rows, columns: columns, pattern: "independent", xgap: 0.12, ygap: 0.35 },
      showlegend: false,
      margin: { t: 24, r: 10, b: 30, l: 40 },
      annotations: [],
    });
    const drawn = traces.map((trace, i) => {
      const n = i === 0 ? "" : String(i + 1);
      layout["xaxis" + n] = { type: "category", tickfont: { size: 10 }, showticklabels: i >= traces.length - columns };
      layout["yaxis" + n] = { rangemode: "tozero", tickfont: { size: 10 }, nticks: 4 };
      layout.annotations.push({
        text: narrow ? trace.short : trace.name, showarrow: false, xref: "x" + n + " domain", yref: "y" + n + " domain",
        x: 0, y: 1, xanchor: "left", yanchor: "bottom", font: { size: 11 },
      });
      return Object.assign({}, trace, { xaxis: "x" + n, yaxis: "y" + n, hovertemplate: "%{x}: %{y}<extra>" + trace.name + "</extra>" });
    });
    return { traces: drawn, layout: layout, rows: rows };
  }

  function stacked(id, matrix, view) {
    const element = document.getElementById(id);
    const traces = stackedTraces(matrix);
    const narrow = element.clientWidth < NARROW;
    let layout;
    let rows = 0;
    if (view === "multiples") {
      const small = multiples(traces, narrow);
      layout = small.layout;
      rows = small.rows;
      traces.splice(0, traces.length, ...small.traces);
    } else {
      const yaxis = { title: VIEW_TITLES[view] || VIEW_TITLES.count };
      if (view === "share") Object.assign(yaxis, { range: [0, 100], ticksuffix: "%" });
      layout = Object.assign({ barmode: "stack", xaxis: monthAxis(), yaxis: yaxis }, base);
      if (view === "share") layout.barnorm = "percent";
    }
    for (let r = 1; r <= 6; r += 1) element.classList.toggle("rows-" + r, rows === r || (r === 6 && rows > 6));
    element.dataset.narrow = String(narrow);
    Plotly.react(id, traces, layout, config).then(() => { element.dataset.view = view; });
  }

  // The radio groups: native inputs, so arrow keys move between the views and screen readers name them.
  function viewSwitch(id, matrix) {
    const element = document.getElementById(id);
    stacked(id, matrix, "count");
    document.querySelectorAll('input[data-chart="' + id + '"]').forEach((input) => {
      input.addEventListener("change", () => { if (input.checked) stacked(id, matrix, input.value); });
    });
    // small multiples are laid out for the width: draw them again when the chart crosses the narrow limit
    window.addEventListener("resize", () => {
      const narrow = String(element.clientWidth < NARROW);
      if (element.dataset.view === "multiples" && element.dataset.narrow !== narrow) stacked(id, matrix, "multiples");
    });
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

  viewSwitch("chart-municipality", data.cases_by_municipality);
  viewSwitch("chart-language", data.cases_by_language);
  viewSwitch("chart-channel", data.cases_by_channel);
  topics("chart-topic", data.cases_by_topic);
  service("chart-service", data.service);
  waits("chart-waits", data.waits);
  interpreter("chart-interpreter", data.interpreter_minutes);
  residents("chart-residents", data.residents);
})();
