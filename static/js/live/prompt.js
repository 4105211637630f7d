// The presiding prompt (the lectern's screen, read by the 主持人 at a glance): the name as it should be read,
// the question with every option's text, the answer in large type (the key points of a 简答), and what
// comes next. It shows the console's state: the answer key is on this screen before the reveal, by design.
(function () {
  "use strict";
  var el = Live.el, state = null;
  var $ = function (id) { return document.getElementById(id); };
  var root = $("prompt");
  var live = Live.connect({ meeting_id: Number(root.getAttribute("data-meeting-id")) }, {
    state: function (next) { state = next; render(); },
    connected: function (up) { if (!up) $("prompt-where").textContent = "连接中断，正在重连…"; else if (state) render(); }
  });

  function answerLines(q) {
    var length = q.type === "简答" ? q.answer.reduce(function (n, p) { return n + p.point.length; }, 0) : 0;
    if (q.type === "简答") return [el("ol", { class: "answer-points" + (length > 160 ? " long" : "") }, q.answer.map(function (p) {
      return el("li", { text: p.point + (p.weight !== 1 ? "（" + p.weight + "分）" : "") });
    }))];
    if (q.type === "单选" || q.type === "多选") return String(q.answer).split("").map(function (letter) {
      var i = Live.LETTERS.indexOf(letter);
      return el("p", { class: "answer", text: letter + ". " + (q.options[i] || "") });
    });
    return [el("p", { class: "answer", text: Live.answerText(q, q.answer) })];
  }

  function renderQuestion() {
    var current = state.current, box = $("prompt-question");
    box.hidden = !current;
    if (!current) return Live.replace(box, []);
    var q = current.question, round = state.round;
    var parts = [el("p", { class: "kind", text: "【" + q.type + "】" + (current.mode === "called" ? "点名作答" : "全员作答") +
      " · " + (round ? round.phase_label : "预览中（大屏尚未出示）") }), el("p", { class: "stem", text: q.stem })];
    if (q.options && q.options.length) parts.push(el("ol", { class: "options" }, q.options.map(function (o, i) {
      var right = String(q.answer).indexOf(Live.LETTERS[i]) >= 0;
      return el("li", { class: right ? "correct" : "", text: Live.LETTERS[i] + ". " + o });
    })));
    parts.push(el("div", { class: "answer-box" }, [el("p", { class: "answer-title", text: q.type === "简答" ? "答案要点" : "答案" })].concat(answerLines(q))));
    if (q.explanation) parts.push(el("p", { class: "explanation", text: "解析：" + q.explanation }));
    Live.replace(box, parts);
  }

  function renderReview() {
    var review = state.review, box = $("prompt-review");
    box.hidden = !review || !!state.current;
    if (box.hidden) return;
    var VOTES = { pending: "尚未投票", open: "评议投票中", closed: "投票已结束", revealed: "结果已公布", none: "表态发言" };
    Live.replace(box, [el("p", { class: "stem", text: review.unit + (review.speaker ? " · " + review.speaker.label : "") }),
      el("p", { class: "kind", text: (review.part_label || "") + " · " + VOTES[review.vote_state] +
        " · 已投 " + review.turnout.ballots + " / " + review.turnout.eligible })]);
  }

  function renderClock() {
    if (!state) return;
    var round = state.round, review = state.review;
    var text = "";
    if (round && (round.phase === "open" || round.phase === "paused")) text = "剩余 " + Live.clock(Live.secondsLeft(round, live.now()));
    else if (review && !state.current) text = Live.speechClock(review.speech, live.now());
    $("prompt-clock").textContent = text;
  }

  function render() {
    var ended = state.meeting.status === "ended";
    $("prompt-where").textContent = ended ? "会议已结束" : (state.segment ? state.segment.title : "会议尚未开始");
    $("prompt-name").textContent = state.call ? "请问" + state.call.unit + state.call.position + state.call.name_hint : "尚未点名";
    renderQuestion();
    renderReview();
    var next = state.guide && state.guide.next;
    $("prompt-next").textContent = next ? next.label : "";
    $("prompt-next-hint").textContent = next && next.hint ? "（" + next.hint + "）" : "";
    renderClock();
  }
  setInterval(renderClock, 500);
})();
