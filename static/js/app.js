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
  // A new answer from the server clears an old connection message.
  document.addEventListener("htmx:afterRequest", function (event) {
    var area = document.getElementById("messages");
    if (event.detail.successful && area && area.querySelector("[role=alert]") &&
        event.detail.target !== area) {
      area.replaceChildren();
    }
  });
})();
