// What "fits" means for a projector screen, measured in the browser (tests/browser/screen_checks.py).
window.ScreenChecks = {
  // Every visible element inside the viewport; no box that clips or scrolls its content (the page, the
  // screen, any element with overflow other than visible), one-line ellipses excepted (the bar's meeting
  // title, a unit's name in the results).
  overflows: function () {
    var vw = window.innerWidth, vh = window.innerHeight, bad = [];
    var name = function (e) {
      var cls = typeof e.className === "string" && e.className.trim() ? "." + e.className.trim().replace(/\s+/g, ".") : "";
      return e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + cls;
    };
    var root = document.documentElement;
    if (root.scrollWidth > root.clientWidth + 1 || root.scrollHeight > root.clientHeight + 1) bad.push("the page scrolls");
    document.querySelectorAll("body *").forEach(function (e) {
      var s = getComputedStyle(e);
      if (s.display === "none" || s.visibility === "hidden" || e.closest("[hidden]")) return;
      var r = e.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) return;
      if (r.left < -1 || r.top < -1 || r.right > vw + 1 || r.bottom > vh + 1) {
        bad.push(name(e) + " outside the viewport " + JSON.stringify([r.left, r.top, r.right, r.bottom].map(Math.round)));
      }
      if (s.overflowX !== "visible" || s.overflowY !== "visible") {
        var ellipsis = s.textOverflow === "ellipsis" && s.whiteSpace === "nowrap";
        if (e.scrollHeight > e.clientHeight + 1) bad.push(name(e) + " clips its height " + e.scrollHeight + ">" + e.clientHeight);
        if (!ellipsis && e.scrollWidth > e.clientWidth + 1) bad.push(name(e) + " clips its width " + e.scrollWidth + ">" + e.clientWidth);
      }
    });
    return bad;
  },
  // The smallest font size, in reference pixels (one pixel of 1920×1080), of each kind of text shown.
  fontSizes: function (selectors) {
    var px = Math.min(window.innerWidth / 1920, window.innerHeight / 1080), out = {};
    selectors.forEach(function (selector) {
      var sizes = Array.prototype.filter.call(document.querySelectorAll(selector), function (e) { return !e.closest("[hidden]"); })
        .map(function (e) { return parseFloat(getComputedStyle(e).fontSize) / px; });
      if (sizes.length) out[selector] = Math.min.apply(null, sizes);
    });
    return out;
  },
  // How many lines a node's text takes.
  lines: function (node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var tops = {};
    Array.prototype.forEach.call(range.getClientRects(), function (c) { if (c.width > 1) tops[Math.round(c.top)] = true; });
    return Object.keys(tops).length;
  }
};
