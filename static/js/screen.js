// The projection screen: the countdown ticks here between polls; the server stays the truth.
// Each render of the live block carries the seconds left at that moment (data-remaining), so
// the laptop's clock never matters. One interval for the page's whole life: nothing accumulates.
(function () {
  "use strict";

  function clock(seconds) {
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function arm(root) {
    var timers = root.querySelectorAll ? root.querySelectorAll("[data-remaining]") : [];
    timers.forEach(function (timer) {
      if (!timer.dataset.deadline) {
        timer.dataset.deadline = String(Date.now() + 1000 * Number(timer.dataset.remaining));
      }
    });
  }

  function tick() {
    document.querySelectorAll("[data-deadline]").forEach(function (timer) {
      var left = Math.max(0, Math.ceil((Number(timer.dataset.deadline) - Date.now()) / 1000));
      var value = timer.querySelector(".timer-value");
      var text = clock(left);
      if (value && value.textContent !== text) { value.textContent = text; }
      timer.classList.toggle("is-over", left === 0);
      timer.classList.toggle("is-ending", left > 0 && left <= 60);
    });
  }

  document.addEventListener("htmx:load", function (event) { arm(event.detail.elt); tick(); });
  document.addEventListener("DOMContentLoaded", function () {
    arm(document);
    tick();
    window.setInterval(tick, 250);
  });

  // A lost connection shows discreetly in a corner, and goes away with the next answer.
  function offline() { document.body.classList.add("is-offline"); }
  document.addEventListener("htmx:sendError", offline);
  document.addEventListener("htmx:timeout", offline);
  document.addEventListener("htmx:afterRequest", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (!status) { return; }
    document.body.classList.remove("is-offline");
    var messages = document.getElementById("messages");
    // A refusal (link replaced, session ended) stays on screen; a good answer clears it.
    if (status < 400 && messages && event.detail.elt && event.detail.elt.id === "screen-live") {
      messages.replaceChildren();
    }
  });
})();
