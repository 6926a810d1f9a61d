// Small enhancements on top of htmx; every page works without them.
(function () {
  "use strict";
  function showMessage(text) {
    var area = document.getElementById("messages");
    if (!area || !text) { return; }
    var p = document.createElement("p");
    p.className = "message message-error";
    p.setAttribute("role", "alert");
    p.textContent = text;
    area.replaceChildren(p);
  }
  // Bad Wi-Fi: say that the last action did not reach the server, rather than failing silently.
  function offline() { showMessage(document.body.dataset.offlineMessage); }
  document.addEventListener("htmx:sendError", offline);
  document.addEventListener("htmx:timeout", offline);
  // A new vote makes older refusals on other cards stale: clear them as it leaves.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!event.detail.elt.closest(".vote")) { return; }
    document.querySelectorAll(".idea [role=alert]").forEach(function (old) { old.remove(); });
  });
  // The challenge page's phase poll ("every 5s") starts at a random moment of its period
  // rather than at the page load. Phones that loaded the page together (a phase change had
  // reloaded them all) would otherwise poll, notice the next change and reload together too;
  // with a random start they notice it spread evenly over the period, each still within one
  // period of the change (no reload is delayed), and the reload gives each a new random start.
  document.addEventListener("htmx:beforeProcessNode", function (event) {
    var watch = event.target;
    if (watch.id !== "phase-watch" || watch.dataset.pollStart) { return; }
    var every = /^every (\S+)$/.exec(watch.getAttribute("hx-trigger") || "");
    var period = every && htmx.parseInterval(every[1]);
    if (!period) { return; }
    watch.dataset.pollStart = "random";
    watch.setAttribute("hx-trigger", "phase-poll");
    function tick() {
      if (!document.body.contains(watch)) { return; }
      htmx.trigger(watch, "phase-poll");
      window.setTimeout(tick, period);
    }
    window.setTimeout(tick, Math.random() * period);
  });
  // A new answer from the server clears an old connection message.
  document.addEventListener("htmx:afterRequest", function (event) {
    var area = document.getElementById("messages");
    if (event.detail.successful && area && area.querySelector("[role=alert]") &&
        event.detail.target !== area) {
      area.replaceChildren();
    }
  });
})();
