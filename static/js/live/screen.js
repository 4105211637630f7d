// The projector: lobby with join QR and attendance, the roll that lands on the called name, the question with
// its countdown and live count, then the distribution and the answer. Read-only.
(function () {
  "use strict";
  var el = Live.el;
  var root = document.getElementById("screen");
  var lobby = document.getElementById("lobby"), call = document.getElementById("call"), question = document.getElementById("question");
  var timer = document.getElementById("timer");
  var state = null, rolledDraw = null, rolling = false, counts = {};

  var live = Live.connect({ screen: root.getAttribute("data-screen") }, {
    state: function (next) { state = next; render(); },
    answerCount: function (c) { counts[c.round_id] = c; renderCount(); }
  });
  live.socket.on("vote_count", function (c) {
    if (state && state.review && state.review.item_id === c.item_id && !state.round && !state.results) {
      state.review.turnout = { ballots: c.ballots, eligible: c.eligible };
      renderReview();
    }
  });

  function show(section) {
    [lobby, call, question].forEach(function (s) { s.hidden = s !== section; });
  }

  function render() {
    if (!state) return;
    document.getElementById("present").textContent = state.attendance.present;
    document.getElementById("expected").textContent = state.attendance.expected;
    var round = state.round;
    if (round) { renderQuestion(round); return; }
    timer.hidden = true;
    if (state.results) { renderResults(); return; }
    if (state.review) { renderReview(); return; }
    if (state.call) { renderCall(); return; }
    renderLobby();
  }

  function renderLobby() {
    show(lobby);
    Live.replace(document.getElementById("units"), state.attendance.units.map(function (u) {
      var share = u.expected ? Math.round(100 * u.present / u.expected) : 0;
      return el("li", {}, [el("span", { class: "unit-name", text: u.name }),
        el("span", { class: "gauge" }, [el("span", { class: "gauge-fill gauge-" + Math.round(share / 10) })]),
        el("span", { class: "unit-count", text: u.present + "/" + u.expected })]);
    }));
  }

  function renderResults() {
    show(question);
    var rows = state.results.map(function (r, i) {
      return el("tr", {}, [el("td", { text: String(i + 1) }), el("td", { text: r.name }),
        el("td", { text: r.called_answers ? String(r.called_points) : "—" }),
        el("td", { text: r.accuracy === null ? "—" : r.accuracy + "%" }), el("td", { text: String(r.all_answers) }),
        el("td", { text: r.review_score === null || r.review_score === undefined ? "—" : String(r.review_score) })]);
    });
    Live.replace(question, [el("h2", { class: "results-title", text: "本次会议结果" + (state.meeting.rehearsal ? "（彩排，不计分）" : "") }),
      el("table", { class: "results" }, [el("thead", {}, [el("tr", {}, ["序", "单位", "点名答题得分", "全员答题正确率", "作答次数", "述职评议得分"].map(function (h) { return el("th", { text: h }); }))]),
        el("tbody", {}, rows)])]);
  }

  function renderReview() {
    show(question);
    var review = state.review, parts = [];
    var who = review.speaker ? review.speaker.label : "";
    parts.push(el("p", { class: "called", text: (review.kind === "pledge" ? "表态发言 · " : "述职评议 · ") + review.unit }));
    parts.push(el("p", { class: "stem", text: who + (review.part_label ? " · " + review.part_label : "") }));
    parts.push(el("p", { class: "speech-clock", id: "speech-clock" }));
    if (review.vote_state === "open" || review.vote_state === "closed") {
      var share = review.turnout.eligible ? Math.round(100 * review.turnout.ballots / review.turnout.eligible) : 0;
      parts.push(el("p", { class: "live-count", id: "turnout", text: (review.vote_state === "open" ? "评议投票中" : "投票已结束") +
        " · 已投 " + review.turnout.ballots + " / " + review.turnout.eligible }));
      parts.push(el("span", { class: "gauge wide" }, [el("span", { class: "gauge-fill gauge-" + Math.round(share / 10) })]));
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
        el("ol", { class: "options" }, rows)]));
    }
    if (review.earlier_commitments.length) {
      var kept = { kept: "已兑现", partly: "部分兑现", not_kept: "未兑现" };
      parts.push(el("section", { class: "commitments" }, [el("h2", { text: "上季度承诺" }),
        el("ul", {}, review.earlier_commitments.map(function (c) {
          return el("li", { text: (c.kind === "problem" ? "【问题】" : "【打算】") + c.text + (c.kept ? "（" + kept[c.kept] + "）" : "") });
        }))]));
    }
    Live.replace(question, parts);
    tickSpeech();
  }

  function tickSpeech() {
    var node = document.getElementById("speech-clock");
    if (!node || !state || !state.review) return;
    var text = Live.speechClock(state.review.speech, live.now());
    node.textContent = text;
    node.className = "speech-clock" + (text.indexOf("超时") === 0 ? " urgent" : "");
  }

  function renderCall() {
    show(call);
    var line = document.getElementById("call-line");
    var roll = state.roll;
    if (roll && roll.draw_id !== rolledDraw && roll.names.length > 1) {
      rolledDraw = roll.draw_id; rolling = true;
      var i = 0, started = Date.now();
      var step = function () {
        if (Date.now() - started > 2200) { rolling = false; line.textContent = state.call.line; line.className = "call-line landed"; return; }
        line.textContent = roll.names[i++ % roll.names.length]; line.className = "call-line rolling";
        setTimeout(step, 70 + (Date.now() - started) / 25);
      };
      step();
      return;
    }
    if (!rolling) { line.textContent = state.call.line; line.className = "call-line landed"; }
  }

  function renderQuestion(round) {
    show(question);
    var q = round.question;
    var parts = [];
    if (round.mode === "called" && round.called) parts.push(el("p", { class: "called", text: round.called.line }));
    parts.push(el("p", { class: "stem", text: q.stem }));
    if (q.type === "单选" || q.type === "多选" || q.type === "判断") parts.push(renderOptions(round));
    parts.push(el("p", { class: "live-count", id: "live-count" }));
    if (round.phase === "revealed") {
      var reveal = [el("h2", { text: "答案" }), el("p", { class: "answer", text: Live.answerText(q, q.answer) })];
      if (q.explanation) reveal.push(el("p", { class: "explanation", text: q.explanation }));
      if (q.source) reveal.push(el("p", { class: "source", text: "出处：" + q.source }));
      parts.push(el("section", { class: "reveal" }, reveal));
    }
    Live.replace(question, parts);
    renderCount();
    tick();
  }

  function renderOptions(round) {
    var q = round.question, dist = round.distribution, revealed = round.phase === "revealed";
    var items = q.type === "判断" ? [["√", "正确", true], ["×", "错误", false]] :
      q.options.map(function (text, i) { return [Live.LETTERS[i], text, Live.LETTERS[i]]; });
    return el("ol", { class: "options" + (q.type === "判断" ? " two" : "") }, items.map(function (item) {
      var right = revealed && (q.type === "判断" ? q.answer === item[2] : String(q.answer).indexOf(item[0]) >= 0);
      var children = [el("b", { text: item[0] }), el("span", { text: item[1] })];
      if (dist && dist.options) {
        var n = dist.options[q.type === "判断" ? item[1] : item[0]] || 0;
        var share = dist.total ? Math.round(100 * n / dist.total) : 0;
        children.push(el("span", { class: "dist-bar" }, [el("span", { class: "dist-fill gauge-" + Math.round(share / 10) })]));
        children.push(el("span", { class: "dist-count", text: n + "人" }));
      }
      return el("li", { class: right ? "correct" : "" }, children);
    }));
  }

  function renderCount() {
    var node = document.getElementById("live-count");
    if (!node || !state || !state.round) return;
    var round = state.round, c = counts[round.id];
    var answered = c ? Math.max(c.answered, round.answered) : round.answered;
    var eligible = c ? c.eligible : round.eligible;
    if (round.mode === "called") node.textContent = round.phase_label;
    else if (round.phase === "revealed" && round.distribution) node.textContent = "共 " + round.distribution.total + " 人作答，答对 " + round.distribution.correct + " 人";
    else node.textContent = round.phase_label + " · 已作答 " + answered + " / " + eligible;
  }

  function tick() {
    var round = state && state.round;
    if (!round || (round.phase !== "open" && round.phase !== "paused")) { timer.hidden = true; return; }
    timer.hidden = false;
    var left = Live.secondsLeft(round, live.now());
    timer.textContent = Live.clock(left);
    timer.className = "timer" + (left <= 10 ? " urgent" : "") + (round.phase === "paused" ? " paused" : "");
  }

  setInterval(function () { tick(); tickSpeech(); }, 250);
})();
