// A job's page: poll its state until it ends, then offer the download or go on to its result page.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) return;
  var POLL_MS = 500;
  // Opened by a download button (?auto=1): the file comes by itself when ready; once only (a reload or a later
  // visit to this page does not download it again).
  var auto = new URLSearchParams(window.location.search).get("auto") === "1";
  var $ = function (id) { return document.getElementById(id); };

  function show(state) {
    $("job-status").textContent = state.status_label;
    $("job-stage").textContent = state.finished ? "" : (state.stage || "");
    $("job-count").textContent = state.total && !state.finished ? state.done + " / " + state.total : "";
    var percent = state.status === "done" ? 100 : (state.total ? Math.floor(100 * state.done / state.total) : 0);
    $("job-bar").style.width = percent + "%";
    box.querySelector(".progress").setAttribute("aria-valuenow", String(percent));
    $("job-message").textContent = state.message || (state.cancel_requested && !state.finished ? "正在取消…" : "");
    $("job-message").className = state.status === "failed" ? "error" : "hint";
    $("job-cancel").hidden = state.finished;
    if (state.download_url) { $("job-download").href = state.download_url; $("job-download").hidden = false; }
    if (state.next_url) { $("job-next").href = state.next_url; $("job-next").hidden = false; }
  }

  function poll() {
    fetch(box.dataset.stateUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        show(state);
        if (state.finished) {
          if (state.next_url) window.location.assign(state.next_url);
          else if (auto && state.download_url) {
            auto = false;
            window.history.replaceState(null, "", window.location.pathname);
            window.location.assign(state.download_url);
          }
          return;
        }
        setTimeout(poll, POLL_MS);
      })
      .catch(function () { setTimeout(poll, POLL_MS * 4); });
  }

  $("job-cancel").addEventListener("click", function () {
    if (!window.confirm("确定取消这个任务吗？已完成的部分不会写入。")) return;
    fetch(box.dataset.cancelUrl, { method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": box.dataset.csrf, Accept: "application/json" } })
      .then(function (response) { return response.json(); }).then(show);
  });
  poll();
})();
