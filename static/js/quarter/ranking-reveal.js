// The projector's ranking reveal: each click (or →, PageDown, space, Enter) reveals the next unit from the
// bottom of the ranking up; ← (or PageUp) hides the last one again. Presenter remotes send PageDown/PageUp.
(function () {
  var steps = Array.prototype.slice.call(document.querySelectorAll("[data-step]"));
  steps.sort(function (a, b) { return Number(a.getAttribute("data-step")) - Number(b.getAttribute("data-step")); });
  var shown = 0;
  var hint = document.getElementById("reveal-hint");

  function mark() {
    steps.forEach(function (el, index) {
      el.classList.toggle("veiled", index >= shown);
      el.classList.toggle("just-shown", index === shown - 1);
    });
    if (hint) hint.textContent = shown >= steps.length ? "排名已全部揭晓" : "点击或按 → 键，从后往前逐个揭晓";
  }

  function forward() { if (shown < steps.length) { shown += 1; mark(); } }
  function back() { if (shown > 0) { shown -= 1; mark(); } }

  document.addEventListener("click", forward);
  document.addEventListener("keydown", function (event) {
    if (["ArrowRight", "ArrowDown", "PageDown", " ", "Enter"].indexOf(event.key) >= 0) {
      event.preventDefault();
      forward();
    } else if (["ArrowLeft", "ArrowUp", "PageUp", "Backspace"].indexOf(event.key) >= 0) {
      event.preventDefault();
      back();
    }
  });
  mark();
})();
