// The console's 会场 panel, for a meeting held in several halls: one line per venue in the side column (who is
// connected there now, 实到/应到, this round's or vote's turnout), the full table and the 移交主会场 form in a
// dialog, and the draw's 会场 choice. The server's state and its `presence` events are the only truth here.
window.ConsoleVenues = (function () {
  "use strict";
  // The newest `presence` event per venue wins over a state's figures: every change is followed by an event
  // built after it, while a state may have been built a moment before and arrive after it.
  var el = Live.el, shown = null, latest = {};
  var $ = function (id) { return document.getElementById(id); };

  function clock(ms) {
    var d = new Date(ms);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }
  // 在线 / 大屏离线 / 未连接, with the time its projector was last connected.
  function connection(p) {
    return p.label + (p.status !== "online" && p.screen_seen_ms ? "（" + clock(p.screen_seen_ms) + " 起）" : "");
  }
  function turnout(v, state) {
    var parts = [];
    if (v.turnout.round !== null && state.round) parts.push("答题 " + v.turnout.round);
    if (v.turnout.vote !== null && state.review) parts.push("评议 " + v.turnout.vote);
    return parts.join(" · ");
  }
  function name(v) { return [v.name, v.main ? el("span", { class: "badge main-badge", text: "主会场" }) : null]; }

  function render(state) {
    var rows = state.venues || [], panel = $("venues-panel");
    rows.forEach(function (v) { if (latest[v.id]) v.presence = latest[v.id]; });
    var many = rows.length > 1;
    panel.hidden = !many; $("pool-venue-row").hidden = !many;
    if (!many) return;
    var offline = rows.filter(function (v) { return v.presence.status !== "online"; }).length;
    $("venues-summary").textContent = rows.length + " 个会场" + (offline ? " · " + offline + " 个大屏未在线" : " · 大屏均在线");
    Live.replace($("venue-rows"), rows.map(function (v) {
      var a = v.attendance, p = v.presence, more = turnout(v, state);
      return el("li", { class: "venue-row status-" + p.status, "data-venue": v.id }, [
        el("span", { class: "venue-dot", "aria-hidden": "true" }),
        el("span", { class: "venue-title" }, name(v)),
        el("span", { class: "venue-conn", text: connection(p) }),
        el("span", { class: "venue-figures", text: "实到 " + a.present + "/" + a.expected + " · 手机 " + p.phones + (more ? " · " + more : "") })]);
    }));
    renderTable(state, rows);
    renderChoices(rows);
  }

  function renderTable(state, rows) {
    Live.replace($("venue-table"), rows.map(function (v) {
      var a = v.attendance, p = v.presence;
      return el("tr", { class: "status-" + p.status }, [
        el("td", {}, name(v)), el("td", { text: v.leader || "—" }), el("td", { class: "venue-conn", text: connection(p) }),
        el("td", { text: p.screens + " / " + p.phones + " / " + p.operators }),
        el("td", { text: a.present + " / " + a.expected + (a.anonymous ? "（旁听 " + a.anonymous + "）" : "") }),
        el("td", { text: a.leave + " / " + a.absent + " / " + a.deputized }),
        el("td", { text: v.turnout.round === null ? "—" : v.turnout.round + " / " + a.present }),
        el("td", { text: v.turnout.vote === null ? "—" : String(v.turnout.vote) }),
        el("td", {}, [el("b", { text: v.join_code }), " · ",
          el("a", { href: v.screen_url, target: "_blank", rel: "noopener", text: "打开大屏" })])]);
    }));
  }

  // The draw's and the handover's venue lists, rebuilt only when the venues change (a choice survives updates).
  function renderChoices(rows) {
    var key = rows.map(function (v) { return v.id + ":" + v.name + ":" + v.main; }).join("|");
    if (key === shown) return;
    shown = key;
    var pool = $("pool-venue"), kept = pool.value;
    Live.replace(pool, [el("option", { value: "", text: "全部会场" })].concat(rows.map(function (v) {
      return el("option", { value: v.id, text: v.name, selected: String(v.id) === kept });
    })));
    Live.replace($("handover-venue"), rows.filter(function (v) { return !v.main; }).map(function (v) {
      return el("option", { value: v.id, text: v.name });
    }));
  }

  // The dialog covers the page's message line: what the handover's outcome is shows in the dialog too.
  function tell(text, ok) {
    var box = $("handover-message");
    box.hidden = !text; box.textContent = text || "";
    box.className = "flash " + (ok ? "flash-ok" : "flash-error");
    window.Console.say(text, ok);
  }

  function handOver() {
    var state = window.Console.state(), select = $("handover-venue"), reason = $("handover-reason").value.trim();
    if (!state || !select.value) return;
    if (!reason) { tell("移交主会场须填写原因", false); $("handover-reason").focus(); return; }
    var target = select.options[select.selectedIndex].text;
    if (!window.confirm("确定将主会场移交给“" + target + "”？原因将记入会议记录，各会场大屏将显示新的主会场。")) return;
    window.Console.command("hand_over_main", { venue_id: Number(select.value), reason: reason }, function (reply) {
      if (reply.ok) { $("handover-reason").value = ""; tell("已将主会场移交给" + target, true); }
      else tell(reply.error || "移交失败", false);
    });
  }

  $("venues-open").addEventListener("click", function () { var d = $("venues-dialog"); if (!d.open) d.showModal(); });
  $("handover-confirm").addEventListener("click", handOver);
  // Who is connected where, between states: a few times a second at most, only when it changed.
  window.Console.socket.on("presence", function (event) {
    var state = window.Console.state();
    if (!state || !state.venues) return;
    Object.keys(event.venues).forEach(function (id) { latest[id] = event.venues[id]; });
    render(state);
  });
  return { render: render };
})();
