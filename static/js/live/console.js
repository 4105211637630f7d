// The host console: every button sends one command naming the revision it was issued against; the server's
// answer (and its broadcast state) is the only truth shown here.
(function () {
  "use strict";
  var el = Live.el;
  var root = document.getElementById("console");
  var meetingId = Number(root.getAttribute("data-meeting-id"));
  var state = null, counts = {};
  var $ = function (id) { return document.getElementById(id); };

  var live = Live.connect({ meeting_id: meetingId }, {
    state: function (next) {
      // Broadcasts that changed no attendee leave the rows out: keep the ones we have.
      if (!next.attendees && state) next.attendees = state.attendees;
      state = next; render();
    },
    answerCount: function (c) { counts[c.round_id] = c; renderPreview(); },
    connected: function (up) { $("conn").textContent = up ? "已连接" : "连接中断，正在重连…"; }
  });

  function say(text, ok) {
    var box = $("message");
    box.hidden = !text; box.textContent = text || "";
    box.className = "flash " + (ok ? "flash-ok" : "flash-error");
  }

  function command(name, payload) {
    if (!state) return;
    var body = Object.assign({ rev: state.rev }, payload || {});
    live.emit(name, body, function (reply) {
      // The ack names the new revision; adopt it at once so the next click is not refused while the
      // broadcast state is still on its way.
      if (reply.ok) { if (reply.rev > state.rev) state.rev = reply.rev; say(""); return; }
      say(reply.error || "操作失败", false);
      live.sync();
    });
  }

  document.querySelectorAll("[data-command]").forEach(function (button) {
    button.addEventListener("click", function () {
      var question = button.getAttribute("data-confirm");
      if (question && !window.confirm(question)) return;
      var seconds = button.getAttribute("data-seconds");
      var body = seconds ? { seconds: Number(seconds) } : {};
      if (button.hasAttribute("data-close-votes")) body.close_votes = true;  // end the meeting and its open vote
      command(button.getAttribute("data-command"), body);
    });
  });

  function pool() {
    return { pool: $("pool").value, keyword: $("keyword").value.trim(), every_unit_once: $("every-unit").checked,
             favour_flagged: $("favour-flagged").checked };
  }
  $("draw-person").addEventListener("click", function () { command("draw_person", pool()); });
  $("redraw-person").addEventListener("click", function () {
    command("redraw_person", Object.assign(pool(), { reason: $("redraw-reason").value.trim(),
                                                     exclude: $("redraw-exclude").checked }));
  });
  function filters() {
    var types = Array.prototype.map.call(document.querySelectorAll("#types input:checked"), function (i) { return i.value; });
    return { mode: $("mode").value, types: types, category: $("category").value,
             min_difficulty: Number($("min-difficulty").value), max_difficulty: Number($("max-difficulty").value) };
  }
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

  function render() {
    $("rev").textContent = state.rev;
    Live.replace($("segments"), state.segments.map(function (s) {
      return el("button", { type: "button", class: state.segment && state.segment.id === s.id ? "primary" : "",
        text: s.title, onclick: function () { command("set_segment", { segment_id: s.id }); } });
    }));
    $("call-now").textContent = state.call ? "请问" + state.call.unit + state.call.position + state.call.name_hint : "尚未点名";
    renderPreview();
    renderAttendees();
    if (window.ConsoleReview) window.ConsoleReview.render(state, command, live);
  }

  function renderPreview() {
    var box = $("preview"), current = state && state.current;
    if (!current) { Live.replace(box, [el("p", { class: "hint", text: "尚未出题" })]); $("oral").hidden = true; return; }
    var q = current.question, round = state.round;
    var parts = [el("p", { class: "phase", text: "第" + current.question_id + "题 · " + q.type + " · " +
      (current.mode === "called" ? "点名作答" : "全员作答") + " · " + (round ? round.phase_label : "预览中（仅主持台可见）") })];
    parts.push(el("p", { class: "stem", text: q.stem }));
    if (q.options.length) parts.push(el("ol", { class: "options-list" }, q.options.map(function (o, i) {
      return el("li", { class: String(q.answer).indexOf(Live.LETTERS[i]) >= 0 ? "correct" : "", text: Live.LETTERS[i] + ". " + o });
    })));
    parts.push(el("p", { class: "key", text: "答案：" + Live.answerText(q, q.answer) }));
    if (q.explanation) parts.push(el("p", { class: "hint", text: "解析：" + q.explanation }));
    if (round) {
      var c = counts[round.id];
      var answered = c ? Math.max(c.answered, round.answered) : round.answered;
      var left = Live.secondsLeft(round, live.now());
      parts.push(el("p", { class: "count", text: "已作答 " + answered + " / " + (c ? c.eligible : round.eligible) +
        (round.phase === "open" || round.phase === "paused" ? " · 剩余 " + Live.clock(left) : "") }));
    }
    Live.replace(box, parts);
    renderOral(current);
  }

  function renderOral(current) {
    var oral = $("oral");
    oral.hidden = current.mode !== "called";
    if (oral.hidden) return;
    var q = current.question;
    var points = q.type === "简答" ? q.answer : [];
    Live.replace($("key-points"), points.map(function (p, i) {
      return el("label", { class: "check" }, [el("input", { type: "checkbox", value: i }), " " + p.point + (p.weight !== 1 ? "（" + p.weight + "）" : "")]);
    }));
    var scored = current.called_answer;
    $("oral-result").textContent = scored ? "已记录：" + scored.score + " 分（" + (scored.source === "host" ? "主持人评分" : "手机作答") + "）" : "尚未评分";
  }

  var STATUSES = [["expected", "未签到"], ["present", "出席"], ["leave", "请假"], ["absent", "缺席"], ["deputized", "代会"]];

  var shownAttendees = null;
  function renderAttendees() {
    $("attendance-summary").textContent = "实到 " + state.attendance.present + " / 应到 " + state.attendance.expected +
      "，旁听 " + state.attendance.anonymous + " 人";
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

  setInterval(function () { if (state && state.round && state.round.phase === "open") renderPreview(); }, 1000);
  window.addEventListener("load", function () {
    if (window.ConsoleReview) window.ConsoleReview.wire(command, function () { return state; }, live);
  });
  live.socket.on("vote_count", function (c) {
    if (state && state.review && state.review.item_id === c.item_id) {
      state.review.turnout = { ballots: c.ballots, eligible: c.eligible };
      window.ConsoleReview.render(state, command, live);
    }
  });
})();

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
