// Bank list: "select all" for the page and a live count of the selected questions.
(function () {
  var form = document.getElementById("bulk-form");
  if (!form) return;
  var all = document.getElementById("select-all");
  var count = document.getElementById("selected-count");
  function boxes() { return form.querySelectorAll('input[name="ids"]'); }
  function refresh() {
    var n = 0;
    boxes().forEach(function (box) { if (box.checked) n += 1; });
    if (count) count.textContent = String(n);
  }
  if (all) all.addEventListener("change", function () {
    boxes().forEach(function (box) { box.checked = all.checked; });
    refresh();
  });
  form.addEventListener("change", refresh);
  refresh();
})();
