/* The moderation queue, live: new items are counted behind a "show" link (the list under the
   moderator's keyboard never moves), and rows someone else claims or decides are marked and
   their checkboxes disabled. Without it the queue is correct on every reload. */
(function () {
  "use strict";
  var script = document.currentScript;
  var box = document.querySelector("[data-queue-live]");
  if (!script || !box || !window.WebSocket) return;
  var status = box.querySelector("[data-queue-live-status]");
  var fresh = 0, delay = 1000;
  function mark(id, text) {
    var row = document.querySelector('[data-case-id="' + id + '"]');
    if (!row) return;
    var cell = row.querySelector("td:nth-child(2)");
    var note = row.querySelector("[data-live-mark]");
    if (!note && cell) { note = document.createElement("p"); note.className = "meta"; note.setAttribute("data-live-mark", ""); cell.appendChild(note); }
    if (note) note.textContent = text;
    var check = row.querySelector("input[type=checkbox]");
    if (check) { check.checked = false; check.disabled = true; }
  }
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + script.getAttribute("data-queue-socket"));
    socket.onopen = function () { delay = 1000; };
    socket.onmessage = function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      if (message.type !== "moderation.queue") return;
      var data = message.data;
      if (data.change === "opened") {
        fresh += 1;
        status.textContent = script.getAttribute("data-text-new") + " " + fresh.toLocaleString(document.documentElement.lang);
        box.hidden = false;
      } else if (data.change === "claimed") {
        mark(data.case, script.getAttribute("data-text-claimed"));
      } else if (data.change === "decided" || data.change === "escalated") {
        mark(data.case, script.getAttribute("data-text-decided"));
      }
    };
    socket.onclose = function (event) {
      if (event.code === 4403) return;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
