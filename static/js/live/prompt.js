// The presiding prompt (on the lectern's screen): the name as it should be read, the question, its key points.
(function () {
  "use strict";
  var el = Live.el;
  var root = document.getElementById("prompt");
  Live.connect({ meeting_id: Number(root.getAttribute("data-meeting-id")) }, {
    state: function (state) {
      document.getElementById("prompt-name").textContent = state.call ? "请问" + state.call.unit + state.call.position + state.call.name_hint : "尚未点名";
      var current = state.current, box = document.getElementById("prompt-question");
      if (!current) { Live.replace(box, []); return; }
      var q = current.question;
      var parts = [el("p", { class: "stem", text: q.stem })];
      if (q.type === "简答") parts.push(el("ol", { class: "answer-list" }, q.answer.map(function (p) { return el("li", { text: p.point }); })));
      else parts.push(el("p", { class: "answer", text: "答案：" + Live.answerText(q, q.answer) }));
      Live.replace(box, parts);
    }
  });
})();
