/* Rayzan's live client: follows /ws/live/<page>/ (the event contract in ARCHITECTURE.md).

   - New comments and statements wait behind an "N new — show" button, so reading is never
     disturbed; the button swaps in the server-rendered list. Screen readers hear a polite
     announcement (the page's aria-live region); focus never moves unless the reader asks.
   - Tallies update in place; regions marked data-live-refresh="<event types>" re-render from
     the server when such an event arrives (the roundtable's agenda, spotlight, console).
   - Resumes by seq after every reconnect (backoff with jitter); a gap in seq is filled from the
     REST log; when sockets keep failing it polls the REST log instead.
   Without JavaScript every page works as it is: this file only adds. */
(function () {
  "use strict";
  var root = document.querySelector("[data-live-root]");
  var script = document.currentScript;
  if (!root || !window.WebSocket || !window.fetch || !window.DOMParser) return;

  var pageId = root.getAttribute("data-live-page");
  var section = root.getAttribute("data-live-section");
  var lastSeq = parseInt(root.getAttribute("data-live-seq"), 10) || 0;
  var lang = document.documentElement.lang || "en";
  var numbers = new Intl.NumberFormat(lang);
  var socket = null, failures = 0, polling = null, pending = {}, refreshTimer = null, refreshTypes = {};

  function text(name, n) {
    var value = (script && script.getAttribute("data-text-" + name)) || "";
    return value.replace("%(n)s", numbers.format(n || 0));
  }

  function announce(message) {
    var status = document.getElementById("live-status");
    if (!status || !message) return;
    status.textContent = "";
    setTimeout(function () { status.textContent = message; }, 50);
  }

  function fetchPage() {
    return fetch(location.href, {credentials: "same-origin", headers: {"X-Requested-With": "live"}})
      .then(function (response) { if (!response.ok) throw new Error(response.status); return response.text(); })
      .then(function (html) { return new DOMParser().parseFromString(html, "text/html"); });
  }

  function replaceById(doc, id, removeMissing) {
    var old = document.getElementById(id), fresh = doc.getElementById(id);
    if (old && fresh) old.replaceWith(document.importNode(fresh, true));
    else if (old && removeMissing) old.remove();  // no longer shown to anyone: take it off this screen too
    return old && fresh;
  }

  /* --- "N new — show" ------------------------------------------------------------------ */
  function noteNew(type, data) {
    if (type === "comment.created" && section && (data.section || "general") !== section) return;
    var boxes = document.querySelectorAll("[data-live-new]");
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].getAttribute("data-live-new") !== type) continue;
      var box = boxes[i], n = (pending[type] || 0) + 1;
      pending[type] = n;
      var button = box.querySelector("[data-live-show]");
      button.textContent = n === 1 ? text("new-one") : text("new", n);
      box.hidden = false;
      announce(text("announce", n));
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-live-show]");
    if (!button) return;
    var box = button.closest("[data-live-new]"), listId = box.getAttribute("data-live-list");
    button.disabled = true;
    fetchPage().then(function (doc) {
      pending[box.getAttribute("data-live-new")] = 0;
      if (replaceById(doc, listId)) {
        var list = document.getElementById(listId);
        if (list) list.focus();  // the reader asked to see them: take them there
      }
      box.hidden = true;
    }).catch(function () { location.reload(); })
      .finally(function () { button.disabled = false; });
  });

  /* --- regions that follow the session ---------------------------------------------------- */
  function halfFilled(el) {  // a poll answer being chosen is not swept away by the next agenda item
    return Array.prototype.some.call(el.querySelectorAll("input, textarea"), function (input) {
      return input.type === "checkbox" || input.type === "radio" ? input.checked !== input.defaultChecked
        : input.type !== "hidden" && input.value !== input.defaultValue;
    });
  }

  function refresh(type) {
    refreshTypes[type] = true;
    if (refreshTimer) return;
    refreshTimer = setTimeout(function () {
      var types = refreshTypes;
      refreshTimer = null; refreshTypes = {};
      var regions = Array.prototype.filter.call(document.querySelectorAll("[data-live-refresh]"), function (el) {
        return el.getAttribute("data-live-refresh").split(" ").some(function (t) { return types[t]; });
      });
      if (!regions.length) return;
      fetchPage().then(function (doc) {
        regions.forEach(function (el) { if (el.id && !halfFilled(el)) replaceById(doc, el.id); });
        if (types["roundtable.state"]) announce(text("updated"));
        if (types["response.published"]) announce(text("response"));
      }).catch(function () { /* the next event tries again */ });
    }, 300);
  }

  /* --- tallies ---------------------------------------------------------------------------- */
  function updateTally(data) {
    var els = document.querySelectorAll('[data-tally="' + data.target + '"], [data-vote-target="' + data.target + '"]');
    for (var i = 0; i < els.length; i++) {
      var counts = els[i].querySelectorAll("[data-count]"), total = 0, key;
      for (key in data) if (typeof data[key] === "number" && key !== "replies") total += data[key];
      for (var j = 0; j < counts.length; j++) {
        key = counts[j].getAttribute("data-count");
        if (typeof data[key] !== "number") continue;
        counts[j].textContent = numbers.format(data[key]);
        var bar = counts[j].parentNode.querySelector(".tally__bar");
        if (bar) bar.value = total ? Math.round(100 * data[key] / total) : 0;  // a <meter> of 0..100
      }
    }
  }

  /* --- events ----------------------------------------------------------------------------- */
  function handle(message) {
    if (message.type === "hello") return;
    if (message.type === "tally.updated") { updateTally(message.data); return; }
    if (message.type === "presence") {
      var counters = document.querySelectorAll("[data-presence-count]");
      for (var i = 0; i < counters.length; i++) {
        counters[i].textContent = numbers.format(message.data.count);
        counters[i].closest("[data-live-presence]").hidden = false;
      }
      return;
    }
    if (typeof message.seq !== "number") return;
    if (message.seq <= lastSeq) return;  // already seen
    if (message.seq > lastSeq + 1) { fillGap(message); return; }
    lastSeq = message.seq;
    var kind = message.type.split(".")[0], id = kind + "-" + (message.data && message.data.id);
    if (message.type === "comment.created" || message.type === "statement.created") noteNew(message.type, message.data);
    if (/^(comment|statement)\.(updated|removed)$/.test(message.type) && document.getElementById(id)) {
      fetchPage().then(function (doc) { replaceById(doc, id, true); }).catch(function () {});
    }
    refresh(message.type);
  }

  /* Events that arrived past a gap wait here until the log has filled it: a failed read is
     tried again later, never skipped, so a lost frame can delay an event but never lose it. */
  var waitingPastGap = [], filling = false, gapDelay = 2000;
  function fillGap(message) {
    waitingPastGap.push(message);
    if (filling) return;
    filling = true;
    readLog().then(function () {
      filling = false; gapDelay = 2000;
      var waiting = waitingPastGap.sort(function (a, b) { return a.seq - b.seq; });
      waitingPastGap = [];
      waiting.forEach(handle);
    }, function () {
      filling = false;
      var again = waitingPastGap.shift();
      gapDelay = Math.min(30000, gapDelay * 2);
      if (again) setTimeout(function () { fillGap(again); }, gapDelay);
    });
  }

  function readLog() {
    return fetch("/api/v1/pages/" + pageId + "/events/?after=" + lastSeq + "&limit=500", {credentials: "same-origin"})
      .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
      .then(function (body) {
        body.events.forEach(handle);
        if (body.next) return readLog();
      });
  }

  /* --- the socket, with backoff, resume and the REST fallback ----------------------------- */
  var retryTimer = null;
  function connect() {
    clearTimeout(retryTimer); retryTimer = null;
    if (socket) return;  // one socket per tab: a pending retry and a tab coming back must not open two
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var opened = false;
    try {
      socket = new WebSocket(scheme + location.host + "/ws/live/" + pageId + "/?after=" + lastSeq);
    } catch (e) { socket = null; failures++; retry(); return; }
    socket.onopen = function () {
      opened = true; failures = 0;
      if (polling) { clearInterval(polling); polling = null; }
      root.removeAttribute("data-live-offline");
      root.setAttribute("data-live-connected", "");
    };
    socket.onmessage = function (event) {
      try { handle(JSON.parse(event.data)); } catch (e) { /* one bad frame must not stop the feed */ }
    };
    socket.onclose = function (event) {
      socket = null;
      root.removeAttribute("data-live-connected");
      if (event.code === 4404 || event.code === 4409) return;  // no such page / too many tabs: stay quiet
      if (!opened) failures++;
      root.setAttribute("data-live-offline", "");
      retry();
    };
  }

  function retry() {
    if (failures >= 4 && !polling) {  // sockets keep failing (a proxy?): read the log over HTTP instead
      polling = setInterval(function () { readLog().catch(function () {}); }, 10000);
    }
    var delay = Math.min(30000, 1000 * Math.pow(2, Math.min(failures, 5))) * (0.5 + Math.random() / 2);
    retryTimer = setTimeout(connect, polling ? 60000 : delay);
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && !socket) connect();
  });
  connect();
})();
