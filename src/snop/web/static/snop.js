// snop's pages: draw the Plotly charts whose figures the server embedded as JSON,
// on load and after HTMX swaps a part of the page.
(function () {
  function draw(root) {
    if (typeof Plotly === "undefined") return;
    root.querySelectorAll("script[data-chart-for]").forEach(function (data) {
      var target = document.getElementById(data.getAttribute("data-chart-for"));
      if (!target) return;
      var figure = JSON.parse(data.textContent);
      var layout = Object.assign({ autosize: true, margin: { l: 56, r: 16, t: 36, b: 40 },
        font: { family: "system-ui, sans-serif", size: 12 }, legend: { orientation: "h", y: -0.18 } },
        figure.layout || {});
      Plotly.react(target, figure.data || [], layout, { displaylogo: false, responsive: true,
        modeBarButtonsToRemove: ["lasso2d", "select2d"] });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  // Every HTMX request carries the session's form token (the server refuses a change
  // without it: another site's page cannot know it).
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) event.detail.headers["X-CSRF-Token"] = meta.content;
  });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
  // An error or a confirmation lands at the top of the page: bring it into view.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id === "messages" && event.target.textContent.trim()) {
      event.target.scrollIntoView({ behavior: "smooth", block: "start" });
    }
  });
})();
