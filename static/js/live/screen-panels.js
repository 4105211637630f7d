// The projector's panels other than the question: the lobby's attendance, 述职评议, the meeting's results as
// bars. Each is fitted by Fit; a list too long for the screen at the minimum sizes turns its pages by itself.
window.Panels = (function () {
  "use strict";
  var el = Live.el;

  // Fit `box`; when its minimum sizes still overflow, page `items` through `list` with `pager` as indicator.
  function fitOrPage(box, list, items, pager, key) {
    Live.replace(list, items);
    pager.hidden = true;
    if (Fit.shrink(box)) { Fit.stop(); return; }
    // Pages at the largest size (up to halfway) at which the rest of the screen and one item still fit.
    pager.hidden = false;
    pager.textContent = "第 9 / 9 页";
    Live.replace(list, items.slice(0, 1));
    Fit.shrink(box);
    Fit.setFit(box, Math.min(0.5, parseFloat(box.style.getPropertyValue("--fit"))));
    var pages = Fit.listPages(box, list, items);
    Fit.paginate(key, pages.length, function (i) {
      Live.replace(list, pages[i]);
      Fit.indicator(pager, i, pages.length);
    });
  }

  function gauge(share, wide) {
    return el("span", { class: "gauge" + (wide ? " wide" : "") }, [el("span", { class: "gauge-fill gauge-" + Math.round(share / 10) })]);
  }

  function lobby(box, units, key) {
    var list = document.getElementById("units");
    var pager = document.getElementById("units-pager");
    if (!pager) list.parentNode.insertBefore(pager = el("p", { class: "pager", id: "units-pager", hidden: true }), list.nextSibling);
    var items = units.map(function (u) {
      var share = u.expected ? Math.round(100 * u.present / u.expected) : 0;
      return el("li", {}, [el("span", { class: "unit-name", text: u.name }), gauge(share),
        el("span", { class: "unit-count", text: u.present + "/" + u.expected })]);
    });
    fitOrPage(box, list, items, pager, "lobby-" + units.length + "-" + key);
    joinUrl(document.getElementById("join-url"));  // its column's width is known only now
  }

  // The join URL on one line, shrunk to fit; past its minimum size it may wrap, but only after a slash.
  function joinUrl(node) {
    if (!node) return;
    if (!node.getAttribute("data-url")) node.setAttribute("data-url", node.textContent.trim());
    var url = node.getAttribute("data-url");
    node.textContent = url;
    if (Fit.oneLine(node, 34, 22)) return;
    // Unbreakable pieces, each ending at a slash, with a break opportunity only between them.
    Live.replace(node, []);
    url.split(/(?<=\/)/).forEach(function (part, i) {
      if (i) node.appendChild(el("wbr"));
      node.appendChild(el("span", { class: "url-part", text: part }));
    });
    // Wrapping now: as large as the widest piece allows (up to 28), never below the minimum of 22.
    var px = Math.min(window.innerWidth / 1920, window.innerHeight / 1080);
    node.style.fontSize = 28 * px + "px";
    var widest = Math.max.apply(null, Array.prototype.map.call(node.childNodes, function (c) { return c.offsetWidth || 0; }));
    if (widest > node.clientWidth) node.style.fontSize = Math.max(22 * px, 28 * px * node.clientWidth / widest * 0.98) + "px";
  }

  function metric(kind, value, max, suffix) {
    var fill = el("span", { class: "fill" });
    fill.style.width = (value === null || value === undefined ? 0 : Math.max(0, Math.min(100, 100 * value / max))) + "%";
    return el("span", { class: "metric m-" + kind }, [el("span", { class: "meter" }, [fill]),
      el("b", { text: value === null || value === undefined ? "—" : value + suffix })]);
  }

  // The meeting's results, one row of bars per unit: 点名答题 points (against the best unit), 全员答题 accuracy
  // and the 述职评议 score (both out of 100); a dash where a unit has no figure yet.
  function results(box, state, key) {
    var rows = state.results;
    var best = Math.max.apply(null, [1].concat(rows.map(function (r) { return r.called_points; })));
    var pager = el("span", { class: "pager", hidden: true });
    var list = el("ol", { class: "result-bars" });
    var head = el("div", { class: "result-head" }, [el("span"), el("span", { text: "单位" }),
      el("span", { class: "m-called", text: "点名答题得分" }), el("span", { class: "m-accuracy", text: "全员答题正确率" }),
      el("span", { class: "m-review", text: "述职评议得分（满分100）" })]);
    Live.replace(box, [el("h2", { class: "results-title" }, ["本次会议结果" + (state.meeting.rehearsal ? "（彩排，不计分）" : ""), pager]),
      head, list]);
    var items = rows.map(function (r, i) {
      return el("li", {}, [el("span", { class: "rank", text: String(i + 1) }), el("span", { class: "unit-name", text: r.name }),
        metric("called", r.called_answers ? r.called_points : null, best, " 分"),
        metric("accuracy", r.accuracy, 100, "%"), metric("review", r.review_score, 100, " 分")]);
    });
    fitOrPage(box, list, items, pager, "results-" + rows.length + "-" + key);
  }

  function turnoutText(review) {
    return (review.vote_state === "open" ? "评议投票中" : "投票已结束") + " · 已投 " + review.turnout.ballots + " / " + review.turnout.eligible;
  }

  function share(review) {
    return review.turnout.eligible ? Math.round(100 * review.turnout.ballots / review.turnout.eligible) : 0;
  }

  // A new ballot's count, without rebuilding the panel.
  function turnout(review) {
    var node = document.getElementById("turnout");
    if (!node) return;
    node.textContent = turnoutText(review);
    node.nextSibling.firstChild.className = "gauge-fill gauge-" + Math.round(share(review) / 10);
  }

  function review(box, review, key) {
    var parts = [], speaking = review.vote_state === "pending" || review.vote_state === "none";  // none: 表态发言
    var who = review.speaker ? review.speaker.label : "";
    parts.push(el("p", { class: "called", text: (review.kind === "pledge" ? "表态发言 · " : "述职评议 · ") + review.unit }));
    // The part being spoken only while speaking: once the vote opens the screen says so, not "述成绩".
    parts.push(el("p", { class: "stem", text: who + (speaking && review.part_label ? " · " + review.part_label : "") }));
    if (speaking) parts.push(el("p", { class: "speech-clock", id: "speech-clock" }));
    if (review.vote_state === "open" || review.vote_state === "closed") {
      parts.push(el("p", { class: "live-count", id: "turnout", text: turnoutText(review) }));
      parts.push(gauge(share(review), true));
    }
    if (review.result) {
      var r = review.result;
      var rows = Object.keys(r.ratings || {}).map(function (k) {
        var n = r.ratings[k], pct = r.ballots ? Math.round(100 * n / r.ballots) : 0;
        return el("li", {}, [el("b", { text: k }), el("span", { class: "dist-bar" }, [el("span", { class: "dist-fill gauge-" + Math.round(pct / 10) })]),
          el("span", { class: "dist-count", text: n + "票" })]);
      });
      parts.push(el("section", { class: "reveal" }, [el("h2", { text: "评议结果" }),
        el("p", { class: "answer", text: r.score === null ? "无有效票" : r.score + " 分（" + r.ballots + " 票）" }),
        el("ol", { class: "options ratings" }, rows)]));
    }
    var list = el("ul"), pager = el("span", { class: "pager", hidden: true }), items = [];
    if (review.earlier_commitments.length) {
      var kept = { kept: "已兑现", partly: "部分兑现", not_kept: "未兑现" };
      items = review.earlier_commitments.map(function (c) {
        return el("li", { text: (c.kind === "problem" ? "【问题】" : "【打算】") + c.text + (c.kept ? "（" + kept[c.kept] + "）" : "") });
      });
      parts.push(el("section", { class: "commitments" }, [el("h2", {}, ["上季度承诺", pager]), list]));
    }
    Live.replace(box, parts);
    fitOrPage(box, list, items, pager, "review-" + review.item_id + "-" + review.vote_state + "-" + key);
  }

  return { lobby: lobby, joinUrl: joinUrl, results: results, review: review, turnout: turnout };
})();
