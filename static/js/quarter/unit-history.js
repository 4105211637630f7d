// The unit history chart: total (left axis, 0–100) and rank (right axis, 1st on top) across quarters.
// The data come from the page's <script type="application/json" id="history-data"> block.
(function () {
  "use strict";

  function readData() {
    var block = document.getElementById("history-data");
    return block ? JSON.parse(block.textContent) : null;
  }

  function datasets(data) {
    return [
      { label: "总分", data: data.totals, yAxisID: "total", borderColor: "#b22222", backgroundColor: "#b22222",
        tension: 0.2, spanGaps: true },
      { label: "名次", data: data.ranks, yAxisID: "rank", borderColor: "#1f4e8c", backgroundColor: "#1f4e8c",
        borderDash: [6, 4], tension: 0, spanGaps: true }
    ];
  }

  function scales(data) {
    return {
      total: { position: "left", min: 0, max: 100, title: { display: true, text: "总分" } },
      rank: { position: "right", reverse: true, min: 1, suggestedMax: Math.max(data.ranked || 1, 2),
        ticks: { precision: 0 }, grid: { drawOnChartArea: false }, title: { display: true, text: "名次" } }
    };
  }

  function draw() {
    var canvas = document.getElementById("history-chart");
    var data = readData();
    if (!canvas || !data || typeof window.Chart === "undefined") {
      return;
    }
    window.Chart.defaults.font.family =
      '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif';
    new window.Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets(data) },
      options: { responsive: true, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
        scales: scales(data), plugins: { legend: { position: "bottom" } } }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
