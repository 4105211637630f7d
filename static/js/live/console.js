// The host console: every button sends one command naming the revision it was issued against; the server's
// answer (and its broadcast state) is the only truth shown here. The server also says what to press next and
// why any other control is disabled (state.guide, quiz/live/guide.py): this page only shows it.
(function () {
  "use strict";
  var el = Live.el;
  var root = document.getElementById("console");
  var meetingId = Number(root.getAttribute("data-meeting-id"));
  var state = null, counts = {}, connected = false, busy = false, armed = null, armTimer = null;
  var $ = function (id) { return document.getElementById(id); };

  var live = Live.connect({ meeting_id: meetingId }, {
    state: function (next) {
      // Broadcasts that changed no attendee leave the rows out: keep the ones we have.
      if (!next.attendees && state) next.attendees = state.attendees;
      state = next; render();
    },
    answerCount: function (c) { counts[c.round_id] = c; renderLive(); if (state) renderGuide(); },
    connected: function (up) {
      connected = up;
      $("conn").textContent = up ? "已连接" : "连接中断，正在重连…";
      $("conn").className = "conn " + (up ? "conn-up" : "conn-down");
      if (state) renderGuide();
    }
  });

  function say(text, ok) {
    var box = $("message");
    box.hidden = !text; box.textContent = text || "";
    box.className = "flash " + (ok ? "flash-ok" : "flash-error");
  }

  function command(name, payload, done) {
    if (!state) return;
    var body = Object.assign({ rev: state.rev }, payload || {});
    live.emit(name, body, function (reply) {
      // The ack names the new revision; adopt it at once so the next click is not refused while the
      // broadcast state is still on its way.
      if (reply.ok) { if (reply.rev > state.rev) state.rev = reply.rev; say(""); }
      else { say(reply.error || "操作失败", false); live.sync(); }
      if (done) done(reply);
    });
  }

  document.querySelectorAll("[data-command]").forEach(function (button) {
    button.addEventListener("click", function () {
      var question = button.getAttribute("data-confirm");
      if (question && !window.confirm(question)) return;
      var seconds = button.getAttribute("data-seconds");
      command(button.getAttribute("data-command"), seconds ? { seconds: Number(seconds) } : {});
    });
  });

  function pool() {
    var chosen = { pool: $("pool").value, keyword: $("keyword").value.trim(), every_unit_once: $("every-unit").checked,
                   favour_flagged: $("favour-flagged").checked };
    if ($("pool-venue").value) chosen.venue_id = Number($("pool-venue").value);  // 全部会场 sends none
    return chosen;
  }
  function filters() {
    var types = Array.prototype.map.call(document.querySelectorAll("#types input:checked"), function (i) { return i.value; });
    return { mode: $("mode").value, types: types, category: $("category").value,
             min_difficulty: Number($("min-difficulty").value), max_difficulty: Number($("max-difficulty").value) };
  }
  $("draw-person").addEventListener("click", function () { command("draw_person", pool()); });
  $("redraw-person").addEventListener("click", function () {
    command("redraw_person", Object.assign(pool(), { reason: $("redraw-reason").value.trim(),
                                                     exclude: $("redraw-exclude").checked }));
  });
  $("draw-question").addEventListener("click", function () { command("draw_question", filters()); });
  $("pick-question").addEventListener("click", function () {
    command("pick_question", { question_id: Number($("question-id").value), mode: $("mode").value });
  });
  $("replace-question").addEventListener("click", function () {
    if (!window.confirm("确定换一题？原因将记入会议记录。")) return;
    command("replace_question", { reason: $("replace-reason").value.trim() });
  });
  $("score-points").addEventListener("click", function () {
    var ticked = Array.prototype.map.call(document.querySelectorAll("#key-points input:checked"), function (i) { return Number(i.value); });
    command("score_oral", { ticked: ticked });
  });
  $("score-right").addEventListener("click", function () { command("score_oral", { right: true }); });
  $("score-wrong").addEventListener("click", function () { command("score_oral", { right: false }); });

  // ---- the primary button ------------------------------------------------------------------------------
  // A step marked `confirm` (an early close, ending a vote with ballots missing) asks to be pressed again
  // within five seconds: a presenter remote has no dialog to answer.
  // The guide comes with each state; answer and vote counts arrive in between (a few times a second). A step
  // that only waited for the room (everyone answered, everyone voted) follows the live count at once.
  function nextStep() {
    var next = state.guide.next, round = state.round, c = round && counts[round.id];
    if (next.command === "close_question" && c && c.eligible && c.answered >= c.eligible)
      return Object.assign({}, next, { command: "reveal_answer", label: "公布答案", confirm: "", hint: "已作答 " + c.answered + " / " + c.eligible });
    var turnout = state.review && state.review.turnout;
    if (next.command === "review_close_vote" && turnout && turnout.eligible && turnout.ballots >= turnout.eligible)
      return Object.assign({}, next, { confirm: "", hint: "已投 " + turnout.ballots + " / " + turnout.eligible });
    return next;
  }

  function primary() {
    var next = state && state.guide && nextStep();
    if (!next || !next.command || busy || !connected) return;
    if (next.dialog) { window.ConsoleDialogs.openEnd(); return; }
    var key = next.command + "|" + next.label;
    if (next.confirm && armed !== key) { arm(key); return; }
    disarm();
    var payload = Object.assign({}, next.payload);
    if (next.command === "draw_question") { $("mode").value = payload.mode; payload = Object.assign(filters(), payload); }
    if (next.command === "draw_person") payload = Object.assign(pool(), payload);
    busy = true; renderGuide();
    command(next.command, payload, function () { busy = false; if (state) renderGuide(); });
  }
  function arm(key) {
    armed = key; renderGuide();
    clearTimeout(armTimer);
    armTimer = setTimeout(function () { disarm(); if (state) renderGuide(); }, 5000);
  }
  function disarm() { armed = null; clearTimeout(armTimer); }
  $("primary").addEventListener("click", primary);

  function renderGuide() {
    var next = nextStep(), button = $("primary"), key = next.command + "|" + next.label;
    if (armed && armed !== key) disarm();
    button.textContent = armed ? "再按一次：" + next.label : next.label;
    button.className = "primary" + (armed ? " armed" : "") + (next.command ? "" : " idle");
    button.disabled = !next.command || busy || !connected;
    button.setAttribute("data-next", next.command);
    $("primary-hint").textContent = armed ? next.confirm : (next.hint || "");
    var blocked = state.guide.blocked, ended = state.meeting.status === "ended";
    // Controls the guide does not name (review notes, paper ballots, filters) take nothing once it has ended.
    root.querySelectorAll(".stage button, .stage input, .stage textarea, .side input, .side select").forEach(function (node) {
      if (node.hasAttribute("data-control") || node.hasAttribute("data-command")) return;
      node.disabled = ended; node.title = ended ? "会议已结束" : "";
    });
    document.querySelectorAll("[data-command], [data-control]").forEach(function (node) {
      var name = node.getAttribute("data-control") || node.getAttribute("data-command");
      if (!(name in blocked)) return;
      node.disabled = blocked[name] !== null;
      node.title = blocked[name] || "";
    });
  }

  // ---- state → page --------------------------------------------------------------------------------------
  function render() {
    var ended = state.meeting.status === "ended";
    $("meeting-state").textContent = ended ? "会议已结束" : (state.segment ? "进行中 · " + state.segment.title : "未开始");
    $("meeting-state").className = "pill" + (ended ? " pill-ended" : "");
    root.classList.toggle("ended", ended);
    $("end-open").hidden = ended; $("reopen-open").hidden = !ended; $("ended-banner").hidden = !ended;
    var refusal = state.closing && state.closing.reopen_refusal;
    $("reopen-open").disabled = !!refusal; $("reopen-open").title = refusal || "";
    Live.replace($("segments"), state.segments.map(function (s, i) {
      var current = state.segment && state.segment.id === s.id;
      return el("button", { type: "button", class: current ? "primary" : "", "data-control": "set_segment",
        "aria-current": current ? "step" : null, text: (i + 1) + ". " + s.title,
        onclick: function () { command("set_segment", { segment_id: s.id }); } });
    }));
    $("call-now").textContent = state.call ? "请问" + state.call.unit + state.call.position + state.call.name_hint +
      (state.call.venue ? "（" + state.call.venue + "）" : "") : "尚未点名";
    renderPreview();
    renderAttendees();
    if (window.ConsoleReview) window.ConsoleReview.render(state, command, live);
    if (window.ConsoleVenues) window.ConsoleVenues.render(state);
    $("question-panel").hidden = !!(state.review_items && !state.current);
    renderGuide();
    if (window.ConsoleDialogs) window.ConsoleDialogs.refresh(state);
  }

  function renderPreview() {
    var box = $("preview"), current = state && state.current;
    $("phase").textContent = current ? (state.round ? state.round.phase_label : "预览中（仅主持台可见）") : "";
    if (!current) { Live.replace(box, [el("p", { class: "hint", text: "尚未出题" })]); $("oral").hidden = true; renderLive(); return; }
    var q = current.question;
    var parts = [el("p", { class: "phase", text: "第" + current.question_id + "题 · " + q.type + " · " +
      (current.mode === "called" ? "点名作答" : "全员作答") })];
    parts.push(el("p", { class: "stem", text: q.stem }));
    if (q.options.length) parts.push(el("ol", { class: "options-list" }, q.options.map(function (o, i) {
      return el("li", { class: String(q.answer).indexOf(Live.LETTERS[i]) >= 0 ? "correct" : "", text: Live.LETTERS[i] + ". " + o });
    })));
    // A called 简答's key points are the 口答 panel's ticks below: not listed twice.
    if (!(q.type === "简答" && current.mode === "called")) parts.push(el("p", { class: "key", text: "答案：" + Live.answerText(q, q.answer) }));
    else parts.push(el("p", { class: "key", text: "答案：见下方口答要点（" + q.answer.length + " 条）" }));
    if (q.explanation) parts.push(el("p", { class: "hint explanation", text: "解析：" + q.explanation }));
    Live.replace(box, parts);
    renderLive();
    window.ConsoleOral.render(state, current);
  }

  // The live count (answered / present) while the question is up, and the room's answers after the reveal.
  function renderLive() {
    var round = state && state.round, box = $("live");
    box.hidden = !round;
    $("distribution").hidden = !(round && round.distribution);
    if (!round) return;
    var c = counts[round.id];
    var answered = c ? Math.max(c.answered, round.answered) : round.answered;
    var eligible = c ? c.eligible : round.eligible;
    var running = round.phase === "open" || round.phase === "paused";
    $("meter-bar").style.width = (eligible ? Math.min(100, 100 * answered / eligible) : 0) + "%";
    $("live-count").textContent = "已作答 " + answered + " / " + eligible + (running ? " · 剩余 " + Live.clock(Live.secondsLeft(round, live.now())) : " · " + round.phase_label);
    if (round.distribution) Live.replace($("distribution"), distributionBars(round));
  }

  function distributionBars(round) {
    var d = round.distribution, q = round.question;
    if (!d.options) return [el("p", { class: "count", text: "答对 " + d.correct + " / " + d.total + " 人" })];
    var most = Math.max.apply(null, Object.keys(d.options).map(function (k) { return d.options[k]; }).concat([1]));
    var right = q.type === "判断" ? (q.answer ? "正确" : "错误") : String(q.answer || "");
    return [el("p", { class: "hint", text: "作答分布（答对 " + d.correct + " / " + d.total + " 人）" })].concat(Object.keys(d.options).map(function (k) {
      var correct = q.type === "判断" ? k === right : right.indexOf(k) >= 0;
      var fill = el("span");
      fill.style.width = (100 * d.options[k] / most) + "%";  // through the CSSOM: the CSP refuses style attributes
      return el("div", { class: "bar-row" + (correct ? " correct" : "") }, [el("span", { class: "bar-label", text: k }),
        el("span", { class: "bar" }, [fill]), el("span", { class: "bar-count", text: String(d.options[k]) })]);
    }));
  }

  var STATUSES = [["expected", "未签到"], ["present", "出席"], ["leave", "请假"], ["absent", "缺席"], ["deputized", "代会"]];
  var shownAttendees = null;
  function renderAttendees() {
    var line = "实到 " + state.attendance.present + " / 应到 " + state.attendance.expected + "，旁听 " + state.attendance.anonymous + " 人";
    $("attendance-summary").textContent = line; $("attendance-line").textContent = line;
    if (!state.attendees || state.attendees === shownAttendees) return;  // unchanged: keep the table (and any open select)
    shownAttendees = state.attendees;
    Live.replace($("attendees"), state.attendees.map(function (a) {
      var select = el("select", { "aria-label": a.name + "的出席状态", onchange: function (e) {
        var payload = { attendee_id: a.id, status: e.target.value };
        if (e.target.value === "deputized") {
          var deputy = window.prompt("代会人员的姓名（须在本次参会名单中）");
          var match = state.attendees.filter(function (x) { return x.name === (deputy || "").trim() && x.id !== a.id; })[0];
          if (!match) { say("参会名单中没有此人", false); shownAttendees = null; render(); return; }
          payload.deputy_id = match.id;
        }
        command("set_attendance", payload);
      } }, STATUSES.map(function (s) { return el("option", { value: s[0], selected: s[0] === a.status, text: s[1] }); }));
      var device = [el("span", { text: a.bound ? "已绑定" : "—" })];
      // The new phone shows the same four digits: the host approves the device the person holds.
      if (a.pending) device.push(el("button", { type: "button", class: "small primary", text: "批准新设备（确认码 " + a.pending_code + "）", onclick: function () {
        if (window.confirm("请核对：" + a.name + "的新手机上显示的确认码是否为 " + a.pending_code + "？")) command("approve_device", { attendee_id: a.id, confirm: a.pending_code }); } }));
      if (a.bound || a.pending) device.push(el("button", { type: "button", class: "small", text: "解除绑定", onclick: function () {
        if (window.confirm("解除" + a.name + "的手机绑定？下一台扫码的设备将被绑定。")) command("release_device", { attendee_id: a.id }); } }));
      var draw = el("button", { type: "button", class: "small", text: a.excluded ? "恢复" : "排除", onclick: function () {
        command(a.excluded ? "include_person" : "exclude_person", { attendee_id: a.id }); } });
      return el("tr", { class: a.status === "present" ? "" : "muted" }, [
        el("td", { text: a.unit }), el("td", { text: a.name + (a.secretary ? "（第一责任人）" : "") }), el("td", { text: a.position }),
        el("td", {}, [select]), el("td", {}, device), el("td", {}, [draw])]);
    }));
  }

  setInterval(function () { if (state && state.round && state.round.phase === "open") renderLive(); }, 1000);
  window.addEventListener("load", function () {
    if (window.ConsoleReview) window.ConsoleReview.wire(command, function () { return state; }, live);
  });
  live.socket.on("vote_count", function (c) {
    if (state && state.review && state.review.item_id === c.item_id) {
      state.review.turnout = { ballots: c.ballots, eligible: c.eligible };
      window.ConsoleReview.render(state, command, live);
      renderGuide();
    }
  });

  window.Console = { primary: primary, disarm: function () { disarm(); if (state) renderGuide(); },
                     command: command, state: function () { return state; }, say: say, socket: live.socket };
})();

// 口答 scoring: the key points are built once per round, so the host's ticks survive every state update
// (one arrives each second while answers come in); after scoring, what was recorded for whom, point by point.
window.ConsoleOral = (function () {
  "use strict";
  var el = Live.el, shownRound = null;
  var $ = function (id) { return document.getElementById(id); };
  function render(state, current) {
    var oral = $("oral");
    oral.hidden = current.mode !== "called";
    if (oral.hidden) return;
    var q = current.question;
    var called = state.round && state.round.called;
    $("oral-who").textContent = called ? called.unit + " " + called.name : "";
    if (shownRound !== current.id) {  // a new round: fresh, unticked points
      shownRound = current.id;
      var points = q.type === "简答" ? q.answer : [];
      Live.replace($("key-points"), points.map(function (p, i) {
        return el("label", { class: "check" }, [el("input", { type: "checkbox", value: i }), " " + p.point + (p.weight !== 1 ? "（" + p.weight + "）" : "")]);
      }));
      $("score-points").hidden = points.length === 0;
    }
    Live.replace($("oral-result"), recorded(current.called_answer, called));
  }
  function recorded(scored, called) {
    if (!scored) return [el("p", { class: "hint", text: "尚未评分" })];
    var who = called ? called.unit + called.name : "被点名者";
    var lines = [el("p", { class: "scored", text: "已记录：" + who + " " + scored.score + " 分（" + (scored.source === "host" ? "主持人评分" : "手机作答") + "）" })];
    var payload = scored.payload || {};
    if (payload.key_points && payload.key_points.length) lines.push(el("ul", { class: "compact-list marks" }, payload.key_points.map(function (p) {
      return el("li", { class: p.ticked ? "ticked" : "", text: (p.ticked ? "✓ " : "✗ ") + p.point });
    })));
    else if (payload.right !== undefined) lines.push(el("p", { class: "hint", text: payload.right ? "判定：答对" : "判定：答错" }));
    return lines;
  }
  return { render: render };
})();
