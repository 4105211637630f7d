// Waiting for the host to approve this device: look again every few seconds.
(function () {
  var main = document.querySelector("[data-reload-every]");
  if (main) setTimeout(function () { location.reload(); }, 1000 * Number(main.getAttribute("data-reload-every")));
})();
