/* Charts of the sales reports; the numbers themselves are in the tables beside them. */
(function () {
  "use strict";
  const source = document.getElementById("sales-chart-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const palette = ["#2451d6", "#f0a500", "#2e9e5b", "#b42318", "#7a4cc2", "#0f8b8d", "#8a94ad"];
  new Chart(document.getElementById("funnel-chart"), {
    type: "bar",
    data: { labels: data.funnel.labels, datasets: [{ data: data.funnel.values, backgroundColor: "#2451d6" }] },
    options: { indexAxis: "y", plugins: { legend: { display: false } }, animation: false },
  });
  new Chart(document.getElementById("forecast-chart"), {
    type: "bar",
    data: {
      labels: data.forecast.labels,
      datasets: data.forecast.datasets.map(function (set, index) {
        return { label: set.label, data: set.data, backgroundColor: palette[index % palette.length] };
      }),
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true } }, animation: false },
  });
  new Chart(document.getElementById("reasons-chart"), {
    type: "doughnut",
    data: { labels: data.reasons.labels, datasets: [{ data: data.reasons.values, backgroundColor: palette }] },
    options: { animation: false },
  });
})();
