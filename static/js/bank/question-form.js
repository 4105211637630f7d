// Question editor: show only the answer fields that belong to the chosen type.
(function () {
  var form = document.getElementById("question-form");
  if (!form) return;
  var type = form.querySelector('select[name="type"]');
  function apply() {
    form.querySelectorAll("[data-types]").forEach(function (el) {
      el.hidden = el.getAttribute("data-types").split(" ").indexOf(type.value) < 0;
    });
  }
  type.addEventListener("change", apply);
  apply();
})();
