// Every projector screen fits its screen, read from the back of a hall. Text shrinks first: each fitted size in
// projector.css runs from its minimum (at --fit 0, never smaller) to its preferred size (at --fit 1), and the
// largest --fit at which the screen holds everything is chosen. What still does not fit at the minimum sizes (a
// long explanation, a long list of units) is split into pages that turn by themselves every PAGE_MS, with an
// indicator ("1/3"). Sizes are in reference pixels (--px: one pixel of a 1920×1080 screen), so a 1280×720
// projector shows the same layout, the same size on the wall.
window.Fit = (function () {
  "use strict";
  var PAGE_MS = 12000;
  var BREAKS = "。；！？，、：）》”";
  var pager = { key: null, index: 0, count: 0, show: null, timer: null };

  function overflows(box) {
    return box.scrollHeight > box.clientHeight + 1 || box.scrollWidth > box.clientWidth + 1;
  }

  function setFit(box, value) { box.style.setProperty("--fit", String(value)); }

  // The largest --fit in [0, 1] at which `box` holds its content; false when even the minimum sizes overflow.
  function shrink(box) {
    setFit(box, 1);
    if (!overflows(box)) return true;
    setFit(box, 0);
    if (overflows(box)) return false;
    var lo = 0, hi = 1;
    for (var i = 0; i < 7; i++) {
      var mid = (lo + hi) / 2;
      setFit(box, mid);
      if (overflows(box)) hi = mid; else lo = mid;
    }
    setFit(box, lo);
    return true;
  }

  // `text` cut into the longest runs that `node` can show without `box` overflowing (each ended at a
  // punctuation mark when one is near the cut); null when not even a few characters fit.
  function textPages(box, node, text) {
    var pages = [], start = 0;
    while (start < text.length) {
      node.textContent = text.slice(start);
      if (!overflows(box)) { pages.push(text.slice(start)); break; }
      var lo = start + 1, hi = text.length - 1, best = start;
      while (lo <= hi) {
        var mid = (lo + hi) >> 1;
        node.textContent = text.slice(start, mid);
        if (overflows(box)) hi = mid - 1; else { best = mid; lo = mid + 1; }
      }
      if (best - start < 8) return null;
      var cut = breakBefore(text, start, best);
      pages.push(text.slice(start, cut));
      start = cut;
    }
    return pages;
  }

  function breakBefore(text, start, end) {
    for (var i = end; i > start + (end - start) * 0.7; i--) {
      if (BREAKS.indexOf(text.charAt(i - 1)) >= 0) return i;
    }
    return end;
  }

  // `items` (nodes) shared out into pages of `list` that keep `box` from overflowing.
  function listPages(box, list, items) {
    var pages = [], page = [];
    Live.replace(list, []);
    items.forEach(function (item) {
      list.appendChild(item);
      if (page.length && overflows(box)) {
        pages.push(page);
        page = [];
        Live.replace(list, [item]);
      }
      page.push(item);
    });
    if (page.length) pages.push(page);
    return pages;
  }

  // Show `count` pages with `show(index)`, turning every PAGE_MS. The same `key` (the same content rendered
  // again, e.g. after a late check-in) keeps the page it was on.
  function paginate(key, count, show) {
    var index = pager.key === key && pager.count === count ? pager.index : 0;
    stop();
    pager.key = key; pager.count = count; pager.show = show; pager.index = index;
    show(index);
    if (count > 1) pager.timer = setInterval(next, PAGE_MS);
  }

  function next() {
    if (!pager.show || pager.count < 2) return false;
    pager.index = (pager.index + 1) % pager.count;
    pager.show(pager.index);
    return true;
  }

  function stop() {
    if (pager.timer) clearInterval(pager.timer);
    pager.timer = null; pager.show = null; pager.count = 0;
  }

  // The "1/3" in a paged screen's corner.
  function indicator(node, index, count) {
    node.hidden = count < 2;
    node.textContent = count < 2 ? "" : "第 " + (index + 1) + " / " + count + " 页";
  }

  // One pixel of the 1920×1080 reference in this window's pixels (the --px of projector.css).
  function referencePixel() { return Math.min(window.innerWidth / 1920, window.innerHeight / 1080); }

  // A one-line text (the join URL) shrunk to its box's width, never below `min` reference pixels; false when
  // even that is too wide (it is then marked "wrapped", and may wrap where the caller allows it).
  function oneLine(node, preferred, min) {
    var px = referencePixel();
    node.classList.remove("wrapped");
    node.style.fontSize = preferred * px + "px";
    var ratio = node.clientWidth / Math.max(1, node.scrollWidth);
    if (ratio >= 1) return true;
    node.style.fontSize = Math.max(min, Math.floor(preferred * ratio * 0.98)) * px + "px";
    if (node.scrollWidth <= node.clientWidth + 1) return true;
    node.classList.add("wrapped");
    return false;
  }

  return { shrink: shrink, overflows: overflows, setFit: setFit, textPages: textPages, listPages: listPages,
           paginate: paginate, next: next, stop: stop, indicator: indicator, oneLine: oneLine, PAGE_MS: PAGE_MS };
})();
