// The projector: lobby with join QR and attendance, the roll that lands on the called name, the question with
// its countdown and live count, then the distribution and the answer; 述职评议, the results, the end. Read-only.
// Every screen is fitted by Fit (screen-fit.js); the panels other than the question are in screen-panels.js.
(function () {
  "use strict";
  var el = Live.el;
  var root = document.getElementById("screen");
  var lobby = document.getElementById("lobby"), call = document.getElementById("call"),
    question = document.getElementById("question"), ended = document.getElementById("ended");
  var timer = document.getElementById("timer"), linkState = document.getElementById("link-state");
  var state = null, rolledDraw = null, rolling = false, counts = {};

  var live = Live.connect({ screen: root.getAttribute("data-screen") }, {
    state: function (next) { state = next; render(); },
    answerCount: function (c) { counts[c.round_id] = c; renderCount(); },
    connected: function (up) {
      linkState.textContent = up ? "已连接" : "正在重连…";
      linkState.setAttribute("data-up", up ? "true" : "false");
    }
  });
  live.socket.on("vote_count", function (c) {
    if (state && state.review && state.review.item_id === c.item_id && !state.round && !state.results) {
      state.review.turnout = { ballots: c.ballots, eligible: c.eligible };
      Panels.turnout(state.review);
    }
  });

  function show(section) {
    if (section.hidden) Fit.stop();
    [lobby, call, question, ended].forEach(function (s) { s.hidden = s !== section; });
  }

  function size() { return window.innerWidth + "x" + window.innerHeight; }

  function render() {
    if (!state) return;
    document.getElementById("present").textContent = state.attendance.present;
    document.getElementById("expected").textContent = state.attendance.expected;
    renderVenue();
    if (state.meeting.status === "ended") { timer.hidden = true; show(ended); Fit.stop(); Fit.shrink(ended); return; }
    var round = state.round;
    if (round) { renderQuestion(round); return; }
    timer.hidden = true;
    if (state.results) { show(question); Panels.results(question, state, size()); return; }
    if (state.review) { show(question); Panels.review(question, state.review, size()); tickSpeech(); return; }
    if (state.call) { renderCall(); return; }
    show(lobby);
    Panels.lobby(lobby, state.attendance.units, size());
  }

  // A meeting held in several halls: this hall's name and role in the bar (主会场 / 分会场, and who presides
  // after a handover), the meeting's overall attendance beside this hall's, the join code this page was given.
  function renderVenue() {
    var v = state.venue, role = document.getElementById("venue-role");
    if (!v || !role || v.count < 2) return;
    document.getElementById("venue-name").textContent = v.name;
    var parts = v.main ? (v.name === "主会场" ? [] : ["主会场"]) : (v.branch ? ["分会场"] : []).concat(["主会场：" + v.main_name]);
    role.textContent = parts.join(" · ");
    role.className = "venue-role" + (v.main ? " main" : "");
    var overall = document.getElementById("overall"), all = state.attendance.overall;
    if (overall && all) overall.textContent = "全场 " + all.present + " / " + all.expected;
    var code = document.querySelector(".join-code");
    if (code && state.join && state.join.code && code.textContent !== state.join.code) code.textContent = state.join.code;
  }

  // Where the called person sits, when the meeting has branches: every hall says which; theirs says 本会场.
  function venueOf(who) {
    if (!who || !who.venue || !state.venue || state.venue.count < 2) return null;
    return who.venue_id === state.venue.id ? "本会场" : who.venue;
  }

  function renderCall() {
    show(call);
    var where = venueOf(state.call), venueLine = document.getElementById("call-venue");
    venueLine.hidden = !where;
    venueLine.textContent = where ? (where === "本会场" ? "本会场" : "（" + where + "）") : "";
    venueLine.className = "call-venue" + (where === "本会场" ? " here" : "");
    Fit.stop();
    var line = document.getElementById("call-line");
    var land = function () {
      // The name is never split across lines; the unit and position before it may wrap.
      var who = state.call;
      Live.replace(line, [document.createTextNode(who.line.slice(0, who.line.length - who.name.length)),
        el("span", { class: "call-name", text: who.name })]);
      line.className = "call-line landed";
      Fit.shrink(call);
    };
    var roll = state.roll;
    if (roll && roll.draw_id !== rolledDraw && roll.names.length > 1) {
      rolledDraw = roll.draw_id; rolling = true;
      var i = 0, started = Date.now();
      var step = function () {
        if (Date.now() - started > 2200) { rolling = false; land(); return; }
        line.textContent = roll.names[i++ % roll.names.length]; line.className = "call-line rolling";
        Fit.shrink(call);
        setTimeout(step, 70 + (Date.now() - started) / 25);
      };
      step();
      return;
    }
    if (!rolling) land();
  }

  // The question, and after the reveal its answer, explanation and 出处 on the same screen. When that is too
  // much even at the minimum sizes, the reveal turns pages: first the question with the room's answers and the
  // answer's letters, then the answer's text with the explanation (itself cut into as many pages as it needs).
  function renderQuestion(round) {
    show(question);
    var q = round.question;
    if (round.phase !== "revealed") { fill(questionParts(round)); Fit.stop(); return; }
    if (fill(questionParts(round).concat([reveal(q, { explanation: q.explanation, source: true })]))) {
      Fit.stop();
      return;
    }
    var pages = [function () { return questionParts(round, true); }];
    Fit.setFit(question, 0);
    var probe = reveal(q, { explanation: "", source: true });
    Live.replace(question, [stem(q), probe]);
    probe.querySelector(".pager").hidden = false;
    probe.querySelector(".pager").textContent = "第 9 / 9 页";
    var texts = q.explanation ? Fit.textPages(question, probe.querySelector(".explanation"), q.explanation) : [""];
    (texts || [q.explanation]).forEach(function (text) {
      pages.push(function () { return [stem(q), reveal(q, { explanation: text, source: true })]; });
    });
    Fit.paginate("reveal-" + round.id + "-" + size(), pages.length, function (i) {
      fill(pages[i]());
      Fit.indicator(question.querySelector(".pager"), i, pages.length);
      Fit.shrink(question);
    });
  }

  function fill(parts) {
    Live.replace(question, parts);
    renderCount();
    tick();
    return Fit.shrink(question);
  }

  // The question as asked (with the room's answers once revealed); `answerLine`: the answer's letters (or short
  // text) beside the count, the first page of a reveal too long for one screen.
  function questionParts(round, answerLine) {
    var q = round.question, parts = [];
    if (round.mode === "called" && round.called) {
      var where = venueOf(round.called);
      parts.push(el("p", { class: "called" }, [round.called.line].concat(where ? [el("span", {
        class: "call-venue" + (where === "本会场" ? " here" : ""), text: where === "本会场" ? "本会场" : "（" + where + "）" })] : [])));
    }
    parts.push(stem(q));
    if (q.type === "单选" || q.type === "多选" || q.type === "判断") parts.push(renderOptions(round));
    var count = el("p", { class: "live-count", id: "live-count" });
    parts.push(answerLine ? el("div", { class: "count-row" }, [count,
      el("p", { class: "answer-line", text: "答案：" + Live.answerText(q, q.answer) }), el("span", { class: "pager", hidden: true })]) : count);
    return parts;
  }

  function stem(q) {
    return el("p", { class: "stem" }, [el("span", { class: "type-label", text: "【" + q.type + "】" }), q.stem]);
  }

  // The answer (each correct option's letter and text), then the explanation (or one page of it) and the 出处.
  function reveal(q, what) {
    var answer = el("div", { class: "answer" }, Live.answerLines(q, q.answer).map(function (line) { return el("p", { text: line }); }));
    var parts = [el("h2", {}, ["答案", el("span", { class: "pager", hidden: true })]), answer];
    if (what.explanation !== undefined && q.explanation) parts.push(el("p", { class: "explanation", text: what.explanation }));
    if (what.source && q.source) parts.push(el("p", { class: "source", text: "出处：" + q.source }));
    return el("section", { class: "reveal" }, parts);
  }

  function renderOptions(round) {
    var q = round.question, dist = round.distribution, revealed = round.phase === "revealed";
    var items = q.type === "判断" ? [["√", "正确", true], ["×", "错误", false]] :
      q.options.map(function (text, i) { return [Live.LETTERS[i], text, Live.LETTERS[i]]; });
    return el("ol", { class: "options" + (q.type === "判断" ? " two" : "") }, items.map(function (item) {
      var right = revealed && (q.type === "判断" ? q.answer === item[2] : String(q.answer).indexOf(item[0]) >= 0);
      var children = [el("b", { text: item[0] }), el("span", { class: "option-text", text: item[1] })];
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

  function tickSpeech() {
    var node = document.getElementById("speech-clock");
    if (!node || !state || !state.review || state.round) return;
    var text = Live.speechClock(state.review.speech, live.now());
    node.textContent = text;
    node.className = "speech-clock" + (text.indexOf("超时") === 0 ? " urgent" : "");
  }

  Panels.joinUrl(document.getElementById("join-url"));
  window.addEventListener("resize", function () { rolling = false; render(); });
  setInterval(function () { tick(); tickSpeech(); }, 250);
})();
