// A venue operator's page (分会场管理员): this venue's people, figures and paper counts. Every button sends one
// operator command; the server checks that the person, round or item is this venue's, and its answer (and
// the broadcast state) is the only truth shown. No host controls exist here.
(function () {
  "use strict";
  var el = Live.el;
  var root = document.getElementById("venue");
  var venueId = Number(root.getAttribute("data-venue-id"));
  var state = null, busy = false, formRound = null, formItem = null;
  var $ = function (id) { return document.getElementById(id); };
  var STATUSES = [["present", "出席"], ["leave", "请假"], ["absent", "缺席"], ["expected", "未签到"]];
  var FIGURES = [["expected", "应到"], ["present", "实到"], ["leave", "请假"], ["absent", "缺席"], ["deputized", "代会"],
                 ["unchecked", "未签到"]];

  var live = Live.connect({ venue: venueId }, {
    state: function (next) {
      if (!next.people && state) next.people = state.people;  // counts-only broadcasts keep the rows we have
      state = next; render();
    },
    connected: function (up) {
      $("conn").textContent = up ? "已连接" : "连接中断，正在重连…";
      $("conn").className = "conn " + (up ? "conn-up" : "conn-down");
    }
  });

  function say(text, ok) {
    var box = $("message");
    box.hidden = !text; box.textContent = text || "";
    box.className = "flash " + (ok ? "flash-ok" : "flash-error");
  }

  function command(name, payload, done) {
    if (busy) return;
    busy = true;
    live.emit(name, payload, function (reply) {
      busy = false;
      if (reply && reply.ok) { say("已保存", true); live.sync(); } else say((reply && reply.error) || "操作失败");
      if (done) done(reply && reply.ok);
    });
  }

  function render() {
    var ended = state.meeting.status === "ended";
    $("meeting-state").textContent = ended ? "会议已结束" : (state.meeting.status === "open" ? "进行中" : "未开始");
    $("meeting-state").className = "pill" + (ended ? " pill-ended" : "");
    Live.replace($("figures"), FIGURES.map(function (f) {
      return el("div", {}, [el("dt", { text: f[1] }), el("dd", { text: String(state.figures[f[0]]) })]);
    }));
    renderRound(); renderReview(); renderPeople();
  }

  // ---- the round: its stem (never the key before the reveal: the server sends the public view), the venue's
  // count and the paper answers form ----
  function renderRound() {
    var round = state.round, here = state.venue_round;
    $("round-phase").textContent = round ? round.phase_label : "";
    $("round-stem").textContent = round ? round.question.type + "　" + round.question.stem : "尚未出题";
    $("round-count").textContent = here ? "本会场已作答 " + here.answered + " 人（手机 " + here.phones + "，纸质 " +
      (here.tally ? here.tally.answered : 0) + "）／本会场实到 " + here.present + " 人" : "";
    var form = $("answer-form");
    form.hidden = !(round && here && here.tallyable);
    if (form.hidden) { formRound = null; return; }
    if (formRound !== round.id) buildAnswerForm(round, here);
    $("answer-entered").textContent = here.tally ? "已录入：作答 " + here.tally.answered + " 人" +
      (here.tally.correct !== null ? "，答对 " + here.tally.correct + " 人" : "") + "（" + here.tally.entered_by + "）" : "尚未录入";
  }

  function optionKeys(question) {
    if (question.type === "单选" || question.type === "多选") return Live.LETTERS.slice(0, question.options.length).split("");
    if (question.type === "判断") return ["正确", "错误"];
    return [];
  }

  function buildAnswerForm(round, here) {
    formRound = round.id;
    var tally = here.tally || { answered: "", counts: {}, correct: null };
    Live.replace($("answer-options"), optionKeys(round.question).map(function (key) {
      return el("label", {}, [key + " 选项人数 ", el("input", { type: "number", min: "0", inputmode: "numeric",
        "data-key": key, value: tally.counts[key] || "" })]);
    }));
    $("answer-form").elements.answered.value = tally.answered;
    $("answer-form").elements.correct.value = tally.correct === null ? "" : tally.correct;
    // 单选 and 判断: the server counts the correct ones from the key, which this page never has before the reveal.
    $("answer-correct-line").hidden = round.question.type === "单选" || round.question.type === "判断";
  }

  $("answer-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target, counts = {};
    Array.prototype.forEach.call(form.querySelectorAll("[data-key]"), function (input) {
      if (input.value !== "") counts[input.getAttribute("data-key")] = Number(input.value);
    });
    var payload = { round_id: formRound, answered: Number(form.elements.answered.value || 0), counts: counts };
    if (!$("answer-correct-line").hidden && form.elements.correct.value !== "") payload.correct = Number(form.elements.correct.value);
    command("venue_answer_tally", payload);
  });

  // ---- the review item: the venue's turnout and its paper ballots ----
  function renderReview() {
    var review = state.review, here = state.venue_review;
    $("review-line").textContent = review ? review.unit + "　" + ({ pending: "未开始投票", open: "投票中", closed: "投票已结束",
      revealed: "结果已公布", none: "无需投票" }[review.vote_state] || "") : "当前没有进行中的评议";
    $("review-count").textContent = here ? "本会场已投 " + here.ballots + " 票（手机 " + here.phones + "，纸质 " + here.paper +
      "）／本会场可评议 " + here.eligible + " 人" : "";
    var form = $("paper-form");
    form.hidden = !(review && here && (review.vote_state === "open" || review.vote_state === "closed"));
    if (form.hidden) { formItem = null; return; }
    if (formItem !== review.item_id) buildPaperForm(review, here);
    $("paper-entered").textContent = here.tally ? "已录入纸质票 " + here.paper + " 张" : "尚未录入";
  }

  function numberField(label, key, value) {
    return el("label", {}, [label + " ", el("input", { type: "number", min: "0", inputmode: "numeric", "data-key": key,
      value: value === undefined ? "" : value })]);
  }

  function buildPaperForm(review, here) {
    formItem = review.item_id;
    var tally = here.tally || {};
    var fields = review.criteria.length
      ? [numberField("张数", "ballots", tally.ballots)].concat(review.criteria.map(function (name) {
          return numberField(name + " 总分", "sum:" + name, tally.sums ? tally.sums[name] : undefined);
        }))
      : review.ratings.map(function (rating) { return numberField(rating, rating, tally[rating]); });
    Live.replace($("paper-fields"), fields);
  }

  $("paper-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var counts = {}, sums = {};
    Array.prototype.forEach.call(event.target.querySelectorAll("[data-key]"), function (input) {
      var key = input.getAttribute("data-key"), value = Number(input.value || 0);
      if (key.indexOf("sum:") === 0) sums[key.slice(4)] = value; else counts[key] = value;
    });
    if (state.review.criteria.length) counts.sums = sums;
    command("venue_paper_tally", { item_id: formItem, counts: counts });
  });

  // ---- the venue's people ----
  function renderPeople() {
    var people = state.people || [];
    $("people-count").textContent = people.length + " 人";
    if (!people.length) { Live.replace($("people"), [el("tr", {}, [el("td", { colspan: "6", class: "empty", text: "本会场没有参会人员" })])]); return; }
    Live.replace($("people"), people.map(function (p) { return personRow(p, people); }));
  }

  function personRow(p, people) {
    var buttons = STATUSES.map(function (s) {
      return el("button", { type: "button", class: p.status === s[0] ? "current" : "", text: s[1],
        "data-status": s[0], onclick: function () { command("venue_set_attendance", { attendee_id: p.id, status: s[0] }); } });
    });
    var deputy = el("select", { "aria-label": "代会人员", onchange: function (event) {
      if (event.target.value) command("venue_set_attendance", { attendee_id: p.id, status: "deputized", deputy_id: Number(event.target.value) });
    } }, [el("option", { value: "", text: p.status === "deputized" ? "代会（已指定）" : "代会：选择代会人" })].concat(
      people.filter(function (o) { return o.id !== p.id; }).map(function (o) {
        return el("option", { value: String(o.id), text: o.name, selected: o.id === p.deputy_id });
      })));
    var device = [el("span", { text: p.bound ? "已绑定" : "未绑定" })];
    var actions = buttons.concat([deputy]);
    if (p.pending) {
      device.push(el("span", {}, ["　待批准 ", el("b", { class: "code", text: p.pending_code })]));
      actions.push(el("button", { type: "button", text: "批准新手机", onclick: function () {
        var typed = window.prompt("请输入" + p.name + "新手机上显示的4位确认码：");
        if (typed) command("venue_approve_device", { attendee_id: p.id, confirm: typed.trim() });
      } }));
    }
    if (p.bound || p.pending) {
      actions.push(el("button", { type: "button", text: "解除绑定", onclick: function () {
        if (window.confirm("解除" + p.name + "的手机绑定？下一台扫码的设备将被绑定。")) command("venue_release_device", { attendee_id: p.id });
      } }));
    }
    return el("tr", { "data-id": String(p.id) }, [el("td", { text: p.name }), el("td", { text: p.unit }),
      el("td", { text: p.position }), el("td", { text: p.status_label }), el("td", {}, device),
      el("td", {}, [el("div", { class: "actions" }, actions)])]);
  }
})();
