/* Progressive enhancement for Rayzan's forms: a form marked data-enhance posts with fetch and
   swaps in the parts of the answer page marked data-region (matched by id), so voting or
   commenting needs no full reload. Without JavaScript, or when anything unexpected happens, the
   form submits normally (post/redirect/get): that is the path every journey is tested on. */
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser || !window.FormData) return;

  function swap(doc) {
    var regions = document.querySelectorAll("[data-region]"), swapped = 0;
    for (var i = 0; i < regions.length; i++) {
      var fresh = doc.getElementById(regions[i].id);
      if (fresh) { regions[i].replaceWith(fresh); swapped++; }
    }
    return swapped;
  }

  function announce() {
    var status = document.getElementById("live-status");
    if (status) status.textContent = status.getAttribute("data-updated") || "";
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-enhance]") || form.method.toLowerCase() !== "post") return;
    event.preventDefault();
    var data = new FormData(form);
    if (event.submitter && event.submitter.name) data.append(event.submitter.name, event.submitter.value);
    form.setAttribute("aria-busy", "true");
    fetch(form.action, {method: "POST", body: data, credentials: "same-origin"})
      .then(function (response) {
        // The server has acted on the POST: never send it again, whatever goes wrong from here.
        // Show what it answered, in place when this page has the same regions, otherwise by
        // going to the answer page.
        return response.text().then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var inPlace = (response.ok || response.status === 400) &&
              new URL(response.url).pathname === location.pathname && swap(doc);
          if (!inPlace) { location.assign(response.url); return; }
          if (response.status === 400) {
            var summary = document.querySelector("[data-error-summary]");
            if (summary) summary.focus();
          } else {
            announce();
          }
        }).catch(function () { location.assign(response.url); });
      }, function () {
        // No answer (the network failed): send it the plain way. It may have reached the server
        // after all; the form's one-time key (consult.submissions) makes that a redirect, not a repeat.
        form.removeAttribute("data-enhance"); form.submit();
      })
      .finally(function () { form.removeAttribute("aria-busy"); });
  });
})();
