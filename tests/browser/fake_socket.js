// The test's stand-in for the Socket.IO client of live-common.js (tests/browser/fake_live.py): it answers
// `clock` and `sync` (with window.__live.state) and lets the test fire events.
window.__live = { state: null, handlers: {}, sent: [] };
window.io = function () {
  var live = window.__live;
  var socket = {
    connected: false,
    on: function (event, handler) { (live.handlers[event] = live.handlers[event] || []).push(handler); return socket; },
    emit: function (event, payload, callback) {
      live.sent.push([event, payload]);
      if (event === "clock" && callback) callback({ server_now_ms: Date.now() });
      if (event === "sync" && callback) callback({ ok: true, state: live.state });
      return socket;
    },
    timeout: function () {
      return { emit: function (event, payload, callback) {
        live.sent.push([event, payload]);
        callback(null, { ok: true, answer: payload.answer });
      } };
    },
    connect: function () {}, disconnect: function () { live.fire("disconnect"); }
  };
  live.fire = function (event, data) {
    socket.connected = event === "connect" || (socket.connected && event !== "disconnect");
    (live.handlers[event] || []).forEach(function (h) { h(data); });
  };
  // A state arrives the way a (re)connecting page gets it: its sync reply, personal for a phone.
  live.deliver = function (state) { live.state = state; live.fire("connect"); };
  return socket;
};
