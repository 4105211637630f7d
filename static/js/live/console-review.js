// 述职评议: the unit at the lectern, its speech timer, the vote, paper tallies, 点评 and commitments.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var el = Live.el;
  var KEPT = [["", "未评"], ["kept", "已兑现"], ["partly", "部分兑现"], ["not_kept", "未兑现"]];
  var VOTE = { pending: "未投票", open: "投票中", closed: "已结束", revealed: "已公布", none: "不评议" };
  window.ConsoleReview = {
    render: function (state, command, live) {
      var panel = $("review-panel");
      panel.hidden = !state.review_items;
      if (panel.hidden) return;
      var review = state.review;
      Live.replace($("review-items"), state.review_items.map(function (item) {
        return el("button", { type: "button", class: review && review.item_id === item.id ? "primary" : "",
          text: item.unit + "（" + VOTE[item.vote_state] + "）", onclick: function () { command("review_select", { item_id: item.id }); } });
      }));
      $("review-current").hidden = !review;
      if (!review) return;
      $("review-speaker").textContent = review.unit + " · " + (review.speaker ? review.speaker.label : "（无第一责任人）") +
        (review.part_label ? " · " + review.part_label : "");
      $("turnout").textContent = "投票 " + review.turnout.ballots + " / " + review.turnout.eligible + "（至少 " + review.min_ballots + " 票方可公布）";
      var r = review.result;
      $("review-result").textContent = r ? "结果：" + (r.score === null ? "无有效票" : r.score + " 分") + "，共 " + r.ballots + " 票" +
        (r.ratings ? "（" + Object.keys(r.ratings).map(function (k) { return k + r.ratings[k]; }).join("，") + "）" : "") : "";
      if (document.activeElement !== $("review-comment")) $("review-comment").value = review.comment || "";
      var criteria = review.criteria || [];
      $("paper-ratings").hidden = criteria.length > 0;
      $("paper-criteria").hidden = criteria.length === 0;
      if (criteria.length && $("paper-criteria").getAttribute("data-item") !== String(review.item_id)) {
        $("paper-criteria").setAttribute("data-item", String(review.item_id));
        Live.replace($("paper-criteria"), [el("label", {}, ["纸质票张数 ", el("input", { type: "number", min: "0", class: "short", "data-paper": "ballots" })])]
          .concat(criteria.map(function (name) {
            return el("label", {}, [name + "总分 ", el("input", { type: "number", min: "0", class: "short", "data-paper": name })]);
          })));
      }
      Live.replace($("commitments"), (review.commitments || []).map(function (c) {
        return el("li", { text: (c.kind === "problem" ? "【问题】" : "【打算】") + c.text });
      }));
      Live.replace($("earlier-commitments"), review.earlier_commitments.length ? review.earlier_commitments.map(function (c) {
        var select = el("select", { onchange: function (e) { if (e.target.value) command("review_rate_commitment", { commitment_id: c.id, kept: e.target.value }); } },
          KEPT.map(function (k) { return el("option", { value: k[0], selected: (c.kept || "") === k[0], text: k[1] }); }));
        return el("li", {}, [(c.kind === "problem" ? "【问题】" : "【打算】") + c.text + " ", select]);
      }) : [el("li", { class: "hint", text: "无" })]);
    },
    wire: function (command, getState, live) {
      document.querySelectorAll("[data-review-part]").forEach(function (b) {
        b.addEventListener("click", function () { command("review_part", { part: b.getAttribute("data-review-part") }); });
      });
      $("speech-start").addEventListener("click", function () { command("review_speech", { action: "start" }); });
      $("speech-stop").addEventListener("click", function () { command("review_speech", { action: "stop" }); });
      $("vote-open").addEventListener("click", function () { command("review_open_vote"); });
      $("vote-close").addEventListener("click", function () {
        if (window.confirm($("vote-close").getAttribute("data-confirm-text"))) command("review_close_vote");
      });
      $("vote-reveal").addEventListener("click", function () { command("review_reveal"); });
      $("comment-save").addEventListener("click", function () { command("review_comment", { text: $("review-comment").value }); });
      $("commitment-add").addEventListener("click", function () {
        command("review_commitment", { kind: $("commitment-kind").value, text: $("commitment-text").value.trim() });
        $("commitment-text").value = "";
      });
      $("paper-save").addEventListener("click", function () {
        var review = getState().review;
        if (!review) return;
        var counts = {}, fields = [["满意", "paper-satisfied"], ["基本满意", "paper-basic"], ["不满意", "paper-unsatisfied"]];
        if (review.criteria && review.criteria.length) {
          var sums = {};
          document.querySelectorAll("#paper-criteria input").forEach(function (input) {
            var key = input.getAttribute("data-paper"), n = Number(input.value || 0);
            if (key === "ballots") counts.ballots = n; else sums[key] = n;
            input.value = "";
          });
          counts.sums = sums;
        } else {
          fields.forEach(function (f) { var n = Number($(f[1]).value || 0); if (n > 0) counts[f[0]] = n; });
          fields.forEach(function (f) { $(f[1]).value = ""; });
        }
        command("paper_tally", { item_id: review.item_id, counts: counts });
      });
      setInterval(function () {
        var review = getState() && getState().review;
        $("speech-clock").textContent = review ? Live.speechClock(review.speech, live.now()) : "";
      }, 500);
    }
  };
})();
