// The participant's phone: one decision per screen, the state always visible, answers retried until acked.
(function () {
  "use strict";
  var app = document.getElementById("app");
  var view = document.getElementById("view");
  var status = document.getElementById("status");
  var el = Live.el;
  var state = null, me = null, mine = {}, results = {}, picked = {}, sending = false, error = "", ended = false;
  var code = app.getAttribute("data-code");
  var joinCode = app.getAttribute("data-join");  // the join page: an anonymous listener joins over the socket
  var live = null;

  var handlers = {
    state: function (next, personal) {
      if (personal && next.me) {
        me = next.me;
        if (next.review) { me.ballot_item = next.review.item_id; if (next.me.voted) ratingSent[next.review.item_id] = true; }
        if (next.round && next.me.answer !== null && next.me.answer !== undefined) mine[next.round.id] = next.me.answer;
        if (next.round && next.me.result) results[next.round.id] = next.me.result;
      }
      if (!next.round || !state || !state.round || next.round.id !== state.round.id) { error = ""; }
      state = next;
      render();
    },
    result: function (result) { results[result.round_id] = result; render(); },
    connected: function (up) {
      if (ended) return;
      if (!up) { setStatus("连接中断，正在重连…", "status-offline"); return; }
      if (!code) learnWhoIAm();
      render();
    },
    ended: function (message) {
      ended = true;
      setStatus(message || "本设备的绑定已解除", "status-offline");
      Live.replace(view, [el("p", { class: "stem", text: (message || "本设备的绑定已解除") + "。" })]);
    }
  };

  if (code) live = Live.connect({ code: code, device: app.getAttribute("data-device") }, handlers);
  else if (joinCode) listenWhenAsked();

  // The join page's "以旁听身份加入": no form post and no second page — the socket joins (docs/protocol.md).
  // Without this script the button posts its form, which joins the same way over HTTP.
  function listenWhenAsked() {
    var form = document.getElementById("listen-form");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      document.getElementById("join").hidden = true;
      app.hidden = false;
      setStatus("正在加入会议…", "status-waiting");
      live = Live.connect({ join: joinCode, browser: browserKey() }, handlers);
    });
  }

  // The listener's own code and token, kept for every reconnection and in the address (a reload comes back as
  // the same listener; WeChat may wipe storage, never the address). Asked at once after the join.
  function learnWhoIAm() {
    live.emit("who_am_i", null, function (reply) {
      if (!reply.ok || code) return;
      code = reply.code;
      live.socket.auth = { code: reply.code, device: reply.device };
      try { history.replaceState(null, "", "/p/" + encodeURIComponent(reply.code) + "?d=" + encodeURIComponent(reply.device)); } catch (e) { /* the page still works */ }
    });
  }

  function browserKey() {
    var key = null;
    try { key = localStorage.getItem("audience-browser"); } catch (e) { /* storage may be disabled */ }
    if (!key) {
      key = Math.random().toString(36).slice(2, 14) + Date.now().toString(36);
      try { localStorage.setItem("audience-browser", key); } catch (e) { /* counted per address only */ }
    }
    return key;
  }

  function setStatus(text, cls) { status.textContent = text; status.className = "status " + (cls || ""); }

  function clientId(roundId) {
    // One id per (phone, round): a retry after a lost ack is recognised as the same answer.
    var key = "answer-id:" + code + ":" + roundId;
    var id = null;
    try { id = localStorage.getItem(key); } catch (e) { /* storage may be disabled */ }
    if (!id) {
      id = roundId + "-" + Math.random().toString(36).slice(2) + Date.now().toString(36);
      try { localStorage.setItem(key, id); } catch (e) { /* the id still lives in this page */ }
      clientIds[roundId] = clientIds[roundId] || id;
    }
    return clientIds[roundId] || id;
  }
  var clientIds = {};

  function submit(round, answer) {
    if (sending) return;
    sending = true; error = ""; render();
    var attempt = function (tries) {
      live.emit("submit_answer", { round_id: round.id, client_id: clientId(round.id), answer: answer }, function (reply) {
        if (reply.ok) { mine[round.id] = reply.answer; sending = false; render(); return; }
        if (reply.error === "网络超时，请重试" && tries < 5) { attempt(tries + 1); return; }
        sending = false; error = reply.error || "提交失败"; render();
      });
    };
    attempt(1);
  }

  function isMe(person) { return person && me && person.attendee_id === me.id; }

  // A meeting in several halls: the called person's hall after their name (本会场 when it is this phone's).
  function whereCalled(person) {
    if (!person || !person.venue) return "";
    return me && me.venue_id === person.venue_id ? "（本会场）" : "（" + person.venue + "）";
  }

  // Which hall this person attends, beside their name (a phone that joined at the wrong hall can see it).
  function renderVenueLine() {
    var line = document.getElementById("venue-line"), who = app.querySelector("p.hint");
    if (!me || !me.venue || !who) { if (line) line.hidden = true; return; }
    if (!line) { line = el("span", { class: "venue-line", id: "venue-line" }); who.appendChild(line); }
    line.hidden = false;
    line.textContent = " · 参会会场：" + me.venue;
  }

  var ticking = null;

  function render() {
    if (!state || ended) return;
    ticking = null;
    renderVenueLine();
    var round = state.round;
    if (state.meeting.status === "ended") { setStatus("会议已结束", "status-result"); return Live.replace(view, [el("p", { class: "stem", text: "会议已结束，感谢参会。" })]); }
    if (!round && state.review) return renderReview();
    if (!round) return renderWaiting();
    var q = round.question;
    var answered = mine[round.id];
    var mayAnswer = q.phone_answerable && (round.mode === "all" || isMe(round.called));
    var parts = [el("p", { class: "stem" }, [el("span", { class: "type-label", text: "【" + q.type + "】" }), q.stem])];
    // One line says who answers and how: never both "请您作答" and "请听主持人点名作答".
    var oral = !q.phone_answerable;
    if (round.mode === "called" && round.called) {
      parts.unshift(isMe(round.called) ? el("p", { class: "you-called", text: oral ? "请您口头作答" : "请您作答" })
        : el("p", { class: "hint", text: "请听 " + round.called.name + whereCalled(round.called) + " 作答" }));
    } else if (oral) parts.push(el("p", { class: "hint", text: "口答题：请听主持人点名作答。" }));
    if (round.phase === "revealed") {
      setStatus("已揭晓", "status-result");
      parts.push(renderOptions(q, answered, true));
      parts.push(renderReveal(round, answered));
    } else if (round.phase === "open" && mayAnswer && (answered === undefined || answered === null)) {
      ticking = function () { setStatus("请作答 · 剩余 " + Live.clock(Live.secondsLeft(round, live.now())), "status-answering"); };
      ticking();
      parts.push(renderForm(round));
    } else {
      var calledOral = oral && round.mode === "called" && isMe(round.called);
      var label = round.phase === "paused" ? "已暂停" : round.phase === "closed" ? "已收卷，等待揭晓" :
        (answered !== undefined && answered !== null) ? "已作答，等待揭晓" : calledOral ? "请口头作答" : oral ? "口答题" : "作答中";
      setStatus(label, answered !== undefined && answered !== null ? "status-answered" : calledOral ? "status-called" : "status-waiting");
      parts.push(renderOptions(q, answered, false));
      if (answered !== undefined && answered !== null) parts.push(el("p", { class: "notice", text: "您的答案：" + Live.answerText(q, answered) }));
    }
    if (error) parts.push(el("p", { class: "notice error", role: "alert", text: error }));
    Live.replace(view, parts);
  }

  var rating = {}, ratingSent = {};

  function renderReview() {
    var review = state.review, parts = [];
    var who = review.speaker ? review.speaker.label : "";
    parts.push(el("p", { class: "stem", text: review.unit + (who ? " · " + who : "") }));
    // "正在述成绩" only while the speaker speaks: from the opening of the vote the state line says what is on.
    var speaking = review.vote_state === "pending" || review.vote_state === "none";  // none: a 表态发言, never voted on
    if (review.part_label && speaking) parts.push(el("p", { class: "hint", text: "正在" + review.part_label }));
    var own = me && me.unit_id === review.unit_id;
    if (review.vote_state === "open" && me && !me.anonymous && !own) {
      setStatus(ratingSent[review.item_id] ? "已评议（投票结束前可修改）" : "请评议", ratingSent[review.item_id] ? "status-answered" : "status-answering");
      parts.push(renderBallot(review));
    } else if (own && review.vote_state !== "none") {
      setStatus("本单位述职", "status-waiting");
      parts.push(el("p", { class: "notice", text: "本单位述职，不参与评议。" }));
    } else if (review.vote_state === "closed") {
      setStatus("投票已结束", "status-waiting");
    } else if (review.vote_state === "revealed" && review.result) {
      setStatus("评议结果已公布", "status-result");
      parts.push(el("p", { class: "notice", text: "评议结果：" + (review.result.score === null ? "无有效票" : review.result.score + " 分") }));
    } else {
      setStatus(review.kind === "pledge" ? "表态发言" : "述职中", "status-waiting");
    }
    if (error) parts.push(el("p", { class: "notice error", role: "alert", text: error }));
    Live.replace(view, parts);
  }

  function renderBallot(review) {
    var id = review.item_id;
    if (!rating[id] && me && me.ballot && me.ballot_item === id) rating[id] = me.ballot;
    var current = rating[id] || {};
    var items = [];
    if (!review.criteria.length) {
      review.ratings.forEach(function (name) {
        items.push(el("button", { type: "button", class: "choice" + (current.rating === name ? " selected" : ""), "aria-pressed": current.rating === name ? "true" : "false",
          onclick: function () { rating[id] = { rating: name }; render(); } }, [el("span", { text: name })]));
      });
    } else {
      review.criteria.forEach(function (name) {
        var select = el("select", { class: "score-select", "aria-label": name, onchange: function (e) {
          rating[id] = Object.assign({}, rating[id] || {}); rating[id][name] = Number(e.target.value); } },
          [el("option", { value: "", text: "请打分" })].concat([10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map(function (n) {
            return el("option", { value: n, selected: current[name] === n, text: n + " 分" }); })));
        items.push(el("label", { class: "blank" }, [name, select]));
      });
    }
    items.push(el("button", { type: "button", class: "submit", disabled: sending, text: ratingSent[id] ? "修改评议" : "提交评议", onclick: function () {
      sending = true; error = ""; render();
      live.emit("submit_rating", { item_id: id, ballot: rating[id] || {} }, function (reply) {
        sending = false;
        if (reply.ok) ratingSent[id] = true; else error = reply.error || "提交失败";
        render();
      });
    } }));
    // True to docs/security.md: receipts say who voted; ratings are sealed, then shuffled apart from the raters.
    items.unshift(el("p", { class: "anon-note", text: "匿名评议：系统只记录您是否已投票；您的选票加密保存，投票结束时打乱存档，不保留您与选票的对应关系。" }));
    return el("div", { class: "choices" }, items);
  }

  function renderWaiting() {
    if (isMe(state.call)) {
      setStatus("您被点名了", "status-called");
      return Live.replace(view, [el("p", { class: "you-called", text: "您被点名了，请起立准备作答" }), el("p", { class: "stem", text: state.call.line })]);
    }
    setStatus("请稍候", "status-waiting");
    var parts = [el("p", { class: "stem", text: "请稍候，主持人即将出题" })];
    if (state.call) parts.push(el("p", { class: "hint", text: "当前点名：" + state.call.line + whereCalled(state.call) }));
    if (state.segment) parts.push(el("p", { class: "hint", text: "当前环节：" + state.segment.title }));
    Live.replace(view, parts);
  }

  function renderOptions(q, answered, revealed) {
    if (q.type !== "单选" && q.type !== "多选" && q.type !== "判断") return null;
    var list = q.type === "判断" ? [["√", "正确", true], ["×", "错误", false]] :
      q.options.map(function (text, i) { return [Live.LETTERS[i], text, Live.LETTERS[i]]; });
    return el("div", { class: "choices" }, list.map(function (item) {
      var mineHere = answered !== undefined && answered !== null && (q.type === "判断" ? answered === item[2] : String(answered).indexOf(item[0]) >= 0);
      var right = revealed && (q.type === "判断" ? q.answer === item[2] : String(q.answer).indexOf(item[0]) >= 0);
      var children = [el("b", { text: item[0] }), el("span", { class: "choice-text", text: item[1] })];
      if (mineHere) children.push(el("span", { class: "badge mine-badge" + (revealed ? (right ? " ok" : " wrong") : ""),
        text: revealed ? (right ? "您的选择 ✓" : "您的选择 ✗") : "您的选择" }));
      else if (right) children.push(el("span", { class: "badge ok", text: "正确答案" }));
      return el("div", { class: "choice static" + (mineHere ? " mine" : "") + (right ? " correct" : "") + (revealed && mineHere && !right ? " wrong" : "") }, children);
    }));
  }

  function renderForm(round) {
    var q = round.question;
    var sel = picked[round.id] = picked[round.id] || (q.type === "填空" ? [] : "");
    if (q.type === "填空") {
      var inputs = [];
      for (var i = 0; i < q.blanks; i++) {
        inputs.push(el("label", { class: "blank" }, ["第" + (i + 1) + "空", el("input", { type: "text", autocomplete: "off", maxlength: "200", "data-blank": i, value: sel[i] || "",
          oninput: function (e) { sel[Number(e.target.getAttribute("data-blank"))] = e.target.value; } })]));
      }
      inputs.push(el("button", { type: "button", class: "submit", disabled: sending, text: sending ? "提交中…" : "提交答案",
        onclick: function () { var out = []; for (var j = 0; j < q.blanks; j++) out.push(sel[j] || ""); submit(round, out); } }));
      return el("div", { class: "stack" }, inputs);
    }
    var items = q.type === "判断" ? [["√", "正确", true], ["×", "错误", false]] :
      q.options.map(function (text, i) { return [Live.LETTERS[i], text, Live.LETTERS[i]]; });
    var buttons = items.map(function (item) {
      var on = q.type === "判断" ? sel === item[2] : String(sel).indexOf(item[0]) >= 0;
      return el("button", { type: "button", class: "choice" + (on ? " selected" : ""), "aria-pressed": on ? "true" : "false",
        onclick: function () {
          if (q.type === "多选") {
            var set = String(picked[round.id] || "");
            picked[round.id] = set.indexOf(item[0]) >= 0 ? set.replace(item[0], "") : set + item[0];
          } else { picked[round.id] = item[2]; }
          render();
        } }, [el("b", { text: item[0] }), el("span", { text: item[1] })]);
    });
    var ready = q.type === "判断" ? typeof sel === "boolean" : String(sel).length > 0;
    buttons.push(el("button", { type: "button", class: "submit", disabled: !ready || sending, text: sending ? "提交中…" : "提交答案",
      onclick: function () { submit(round, q.type === "多选" ? String(sel).split("").sort().join("") : sel); } }));
    return el("div", { class: "choices" }, buttons);
  }

  function renderReveal(round, answered) {
    var q = round.question, result = results[round.id];
    var parts = [el("h2", { text: "答案" })].concat(Live.answerLines(q, q.answer).map(function (line) { return el("p", { class: "answer", text: line }); }));
    if (q.type === "填空" && answered !== undefined && answered !== null) parts.push(el("p", { class: "notice", text: "您的答案：" + Live.answerText(q, answered) }));
    if (result) parts.push(el("p", { class: result.correct ? "you-right" : "you-wrong", text: (result.correct ? "回答正确" : "回答有误") + "，得 " + result.score + " 分" }));
    else if (answered === undefined || answered === null) parts.push(el("p", { class: "hint", text: "您未作答此题" }));
    if (q.explanation) parts.push(el("p", { class: "explanation", text: q.explanation }));
    return el("section", { class: "reveal" }, parts);
  }

  // Only the countdown in the status bar changes every second: re-rendering the form would drop typing focus.
  setInterval(function () { if (ticking) ticking(); }, 1000);
})();
