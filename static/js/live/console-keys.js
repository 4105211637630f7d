// The console's keyboard (presenter remotes send →, PageDown or Space), the `?` help, and the two dialogs that
// change the meeting as a whole: 结束会议 (with what it means in numbers) and 重新开放 (with a reason).
window.ConsoleDialogs = (function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var el = Live.el;
  var NEXT_KEYS = { ArrowRight: 1, PageDown: 1, " ": 1, Spacebar: 1 };

  function open(dialog) { if (!dialog.open) dialog.showModal(); }
  // Keys typed into a field are the field's; a ticked checkbox keeps focus but takes no typing.
  function typing(target) {
    var tag = target && target.tagName;
    if (tag === "INPUT") return ["checkbox", "radio", "button", "submit"].indexOf(target.type) < 0;
    return tag === "TEXTAREA" || tag === "SELECT" || !!(target && target.isContentEditable);
  }

  function consequences(state) {
    var c = state.closing, lines = [];
    lines.push("应到 " + c.expected + " 人，实到 " + c.present + " 人，请假 " + c.leave + " 人" + (c.deputized ? "，代会 " + c.deputized + " 人" : "") + "。");
    if (c.unchecked) lines.push(c.unchecked + " 人未签到，将按缺席计入出席统计。");
    if (c.absent_units.length) lines.push(c.absent_units.length + " 个单位无人出席（" + c.absent_units.join("、") + "），这些单位本次会议的各项得分按 0 分计。");
    if (!c.unchecked && !c.absent_units.length) lines.push("所有参会人员均已签到或请假。");
    if (!c.counted) lines.push((state.meeting.rehearsal ? "本次为彩排" : "本次为演示会议") + "，不计入季度成绩，以上仅供核对。");
    return lines;
  }

  function openVote(state) {
    return (state.review_items || []).some(function (i) { return i.vote_state === "open"; });
  }

  function refresh(state) {
    if (!$("end-dialog").open) return;
    Live.replace($("end-consequences"), consequences(state).map(function (line) { return el("li", { text: line }); }));
    $("end-votes-row").hidden = !openVote(state);
    var reason = state.guide.blocked.end_meeting || (openVote(state) && !$("end-close-votes").checked ? "请先勾选同时结束评议投票" : null);
    $("end-confirm").disabled = !!reason || state.meeting.status === "ended";
    $("end-confirm").title = reason || "";
  }

  function openEnd() {
    var state = window.Console.state();
    if (!state || state.meeting.status === "ended") return;
    $("end-close-votes").checked = false;
    open($("end-dialog"));
    refresh(state);
    $("end-confirm").focus();
  }

  function confirmEnd() {
    if ($("end-confirm").disabled) return;
    $("end-confirm").disabled = true;
    var body = $("end-votes-row").hidden ? {} : { close_votes: $("end-close-votes").checked };
    window.Console.command("end_meeting", body, function (reply) {
      if (reply.ok) $("end-dialog").close(); else refresh(window.Console.state());
    });
  }

  function confirmReopen() {
    var reason = $("reopen-reason").value.trim();
    if (!reason) { $("reopen-reason").focus(); window.Console.say("请填写重新开放的原因", false); return; }
    window.Console.command("reopen_meeting", { reason: reason }, function (reply) {
      if (reply.ok) { $("reopen-dialog").close(); $("reopen-reason").value = ""; window.Console.say("会议已重新开放，原因已记入会议记录", true); }
    });
  }

  $("end-open").addEventListener("click", openEnd);
  $("end-confirm").addEventListener("click", confirmEnd);
  $("end-close-votes").addEventListener("change", function () { refresh(window.Console.state()); });
  $("reopen-open").addEventListener("click", function () { open($("reopen-dialog")); $("reopen-reason").focus(); });
  $("reopen-confirm").addEventListener("click", confirmReopen);
  $("help-open").addEventListener("click", function () { open($("help")); });
  $("attendance-open").addEventListener("click", function () { open($("attendance")); });
  document.querySelectorAll("dialog [data-close]").forEach(function (button) {
    button.addEventListener("click", function () { button.closest("dialog").close(); });
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var dialog = document.querySelector("dialog[open]");
    if (event.key === "a" || event.key === "A") { event.preventDefault(); toggle($("attendance"), dialog); return; }
    if (event.key === "?") { event.preventDefault(); if ($("help").open) $("help").close(); else if (!dialog) open($("help")); return; }
    if (event.key === "Escape") { window.Console.disarm(); return; }  // an open dialog closes itself
    if (dialog) {
      // In the end-meeting confirmation the remote's next key confirms (a second, deliberate press).
      if (dialog.id === "end-dialog" && NEXT_KEYS[event.key]) { event.preventDefault(); confirmEnd(); }
      return;
    }
    if (NEXT_KEYS[event.key]) { event.preventDefault(); if (!event.repeat) window.Console.primary(); return; }
    var key = event.key.toLowerCase();
    if (key === "p") clickEnabled(document.querySelector('[data-command="pause_question"]:not(:disabled)') ||
                                  document.querySelector('[data-command="resume_question"]'));
    else if (key === "+" || key === "=") clickEnabled(document.querySelector('[data-command="extend_question"]'));
  });

  function toggle(target, openDialog) {
    if (target.open) target.close(); else if (!openDialog) open(target);
  }
  function clickEnabled(button) { if (button && !button.disabled) button.click(); }

  return { openEnd: openEnd, refresh: refresh };
})();
