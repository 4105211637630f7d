// Shared by the phone, projector, console and prompt pages: the socket with resync, the server clock,
// and safe DOM building (text is always set as text, never parsed as HTML).
window.Live = (function () {
  "use strict";

  function connect(auth, handlers) {
    // Polling first, then upgrade: works where websockets are blocked (some WeChat / venue networks).
    var socket = io({ auth: auth, reconnectionDelayMax: 4000 });
    var offset = 0, rev = -1, ended = false;
    // States can arrive out of order (a sync's reply and a broadcast; with several workers, through Redis):
    // never let an older revision replace a newer one.
    function adopt(state, synced) {
      if (typeof state.rev === "number") {
        if (state.rev < rev) return;
        rev = state.rev;
      }
      handlers.state(state, synced);
    }
    var api = {
      socket: socket,
      now: function () { return Date.now() + offset; },
      sync: sync,
      emit: function (event, payload, callback) {
        socket.timeout(10000).emit(event, payload, function (err, reply) {
          callback(err ? { ok: false, error: "网络超时，请重试" } : reply);
        });
      }
    };
    function syncClock() {
      var sent = Date.now();
      socket.emit("clock", null, function (reply) {
        var received = Date.now();
        if (reply && reply.server_now_ms) offset = reply.server_now_ms - (sent + received) / 2;
      });
    }
    function sync() {
      socket.emit("sync", null, function (reply) {
        if (reply && reply.ok) adopt(reply.state, true);
      });
    }
    // A new connection may meet a restarted (or restored) server: its sync is taken whatever its revision.
    socket.on("connect", function () { rev = -1; syncClock(); sync(); if (handlers.connected) handlers.connected(true); });
    socket.on("disconnect", function () { if (handlers.connected) handlers.connected(false); });
    socket.on("connect_error", function () { if (handlers.connected) handlers.connected(false); });
    socket.on("state", function (state) { adopt(state, false); });
    if (handlers.answerCount) socket.on("answer_count", handlers.answerCount);
    if (handlers.result) socket.on("result", handlers.result);
    // The host released or moved this phone's binding: the server disconnects it; never reconnect this page.
    socket.on("binding_ended", function (notice) {
      ended = true;
      socket.disconnect();
      if (handlers.ended) handlers.ended(notice && notice.message);
    });
    // A phone that locked its screen or switched apps paused this page: catch up when it is visible again.
    document.addEventListener("visibilitychange", function () {
      if (document.hidden || ended) return;
      if (!socket.connected) socket.connect(); else { syncClock(); sync(); }
    });
    return api;
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "class") node.className = attrs[key];
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), attrs[key]);
      else if (attrs[key] !== false && attrs[key] !== null && attrs[key] !== undefined) node.setAttribute(key, attrs[key] === true ? "" : attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child); });
    return node;
  }

  function replace(node, children) {
    while (node.firstChild) node.removeChild(node.firstChild);
    children.forEach(function (child) { if (child) node.appendChild(child); });
  }

  // Seconds left in a round by the server's clock (a paused round shows its frozen time).
  function secondsLeft(round, now) {
    if (!round) return null;
    if (round.phase === "paused") return Math.ceil((round.remaining_ms || 0) / 1000);
    if (round.phase !== "open" || !round.deadline_ms) return 0;
    return Math.max(0, Math.ceil((round.deadline_ms - now) / 1000));
  }

  function clock(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }

  var LETTERS = "ABCDEFGH";

  // The speaking timer: time used against the limit; past the limit it shows the overrun as +mm:ss.
  function speechClock(speech, now) {
    if (!speech || !speech.started_ms) return "未计时";
    var used = Math.floor(((speech.stopped_ms || now) - speech.started_ms) / 1000);
    var over = used - speech.limit_s;
    return over > 0 ? "超时 +" + clock(over) : clock(used) + " / " + clock(speech.limit_s);
  }

  function answerText(question, answer) {
    if (answer === null || answer === undefined) return "";
    if (question.type === "判断") return answer ? "正确" : "错误";
    if (question.type === "填空") return answer.map(function (a) { return Array.isArray(a) ? a.join(" / ") : a; }).join("；");
    if (question.type === "简答") return answer.map(function (p) { return p.point; }).join("；");
    return String(answer);
  }

  // The answer as lines a person can read: each chosen option's letter with its text (all of them for 多选),
  // 正确 / 错误 for 判断, each blank's accepted answers, each key point of a 简答.
  function answerLines(question, answer) {
    if (answer === null || answer === undefined) return [];
    if (question.type === "单选" || question.type === "多选") {
      return String(answer).split("").map(function (letter) {
        var text = question.options[LETTERS.indexOf(letter)];
        return text === undefined ? letter : letter + "．" + text;
      });
    }
    if (question.type === "填空") {
      return answer.map(function (a, i) {
        var text = Array.isArray(a) ? a.join(" / ") : a;
        return answer.length > 1 ? "第" + (i + 1) + "空：" + text : text;
      });
    }
    if (question.type === "简答") return answer.map(function (p) { return p.point; });
    return [answerText(question, answer)];
  }

  return { connect: connect, answerLines: answerLines, el: el, replace: replace, secondsLeft: secondsLeft, clock: clock, LETTERS: LETTERS,
           answerText: answerText, speechClock: speechClock };
})();
