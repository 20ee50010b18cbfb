/* Progressive enhancement for voting; every form works without it.
   Vote buttons: send the vote through the API and update the counts in place (on any failure
   the form is submitted normally). Statement box: a live count of the characters left. */
(function () {
  "use strict";
  var FA = "۰۱۲۳۴۵۶۷۸۹";
  function digits(n) {
    var s = String(n);
    return document.documentElement.lang === "fa" ? s.replace(/\d/g, function (d) { return FA[d]; }) : s;
  }
  function setCount(root, name, n) {
    var el = root && root.querySelector('[data-count="' + name + '"]');
    if (el) { el.textContent = digits(n); }
  }
  function update(form, data) {
    form.querySelectorAll("button[data-value]").forEach(function (b) {
      var on = data.my_vote !== null && String(data.my_vote) === b.dataset.value;
      b.setAttribute("aria-pressed", on ? "true" : "false");
      b.value = on ? "withdraw" : b.dataset.value;
    });
    if ("up" in data) {
      var box = form.closest("[data-vote-target]");
      setCount(box, "up", data.up); setCount(box, "down", data.down);
      return;
    }
    var item = form.closest(".statement");
    var total = data.agree + data.disagree + data["pass"];
    ["agree", "disagree", "pass"].forEach(function (k) {
      setCount(item, k, data[k]);
      var bar = item && item.querySelector(".tally__bar--" + k);
      if (bar) { bar.value = total ? Math.round(100 * data[k] / total) : 0; }  // a <meter> of 0..100
    });
  }
  document.addEventListener("submit", function (event) {
    var form = event.target, button = event.submitter;
    if (!form.dataset.voteApi || form.dataset.plain || !button || !window.fetch) { return; }
    event.preventDefault();
    var withdraw = button.value === "withdraw";
    fetch(form.dataset.voteApi, {
      method: withdraw ? "DELETE" : "PUT", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json",
                "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value},
      body: withdraw ? null : JSON.stringify({value: Number(button.value)})
    }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.json();
    }).then(function (data) { update(form, data); }).catch(function () {
      form.dataset.plain = "1";
      form.requestSubmit(button);
    });
  });
  document.querySelectorAll("textarea[data-char-count]").forEach(function (box) {
    var out = document.querySelector('[data-char-count-for="' + box.id + '"]');
    if (!out) { return; }
    var max = Number(box.dataset.charCount), left = out.querySelector("[data-left]");
    function show() { left.textContent = digits(max - box.value.length); }
    out.hidden = false; show();
    box.addEventListener("input", show);
  });
}());
