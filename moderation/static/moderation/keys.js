/* Keyboard shortcuts for moderators. The pages work without it; keys only save time.
   Queue: j / k move between rows, x selects a row, Enter opens it.
   An item: a approves and submits, r chooses reject and moves to the reason, n skips. */
(function () {
  "use strict";
  function typing(e) {
    var t = e.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) && t.type !== "checkbox" && t.type !== "radio");
  }
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-queue-row]"));
  var current = -1;
  function focusRow(i) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, i));
    var link = rows[current].querySelector("[data-queue-open]");
    if (link) link.focus();
  }
  var form = document.querySelector("[data-decision-form]");
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || typing(e)) return;
    var key = e.key;
    if (rows.length) {
      if (key === "j") { focusRow(current + 1); e.preventDefault(); }
      else if (key === "k") { focusRow(current - 1); e.preventDefault(); }
      else if (key === "x" && current >= 0) {
        var box = rows[current].querySelector("input[type=checkbox]");
        if (box) { box.checked = !box.checked; e.preventDefault(); }
      }
    }
    if (form) {
      if (key === "a") {
        var approve = form.querySelector("input[name=outcome][value=approved]");
        if (approve) { approve.checked = true; e.preventDefault(); form.submit(); }
      } else if (key === "r") {
        var reject = form.querySelector("input[name=outcome][value=rejected]");
        var reason = form.querySelector("select[name=reason]");
        if (reject) { reject.checked = true; e.preventDefault(); if (reason) reason.focus(); }
      } else if (key === "n") {
        var next = form.querySelector("[data-next]");
        if (next) { e.preventDefault(); window.location.href = next.href; }
      }
    }
  });
})();
