// Small enhancements on top of htmx; every page works without them.
// Texts come from the page (data-* attributes on <body>, rendered through the catalogue).
(function () {
  "use strict";
  var body = document.body;
  function text(name) { return body.dataset[name] || ""; }

  // --- The connection banner: on screen while the phone is offline or the server unreachable.
  var banner = document.getElementById("connection");
  function showBanner(on) { if (banner) { banner.hidden = !on; } }
  if (!navigator.onLine) { showBanner(true); }
  window.addEventListener("offline", function () { showBanner(true); });
  window.addEventListener("online", function () { showBanner(false); recheckUnsent(); });

  // --- Vote cards: every tap says what happened to it, next to the button touched.
  // A vote sets the dots to N, so asking the server for the card tells whether a tap counted.
  var sent = {};    // card id -> {dots, key}: the tap in flight
  var unsent = {};  // card id -> {dots, key}: a tap not (known to be) saved; kept until it is
  function voteForm(elt) { return elt && elt.closest ? elt.closest(".vote form") : null; }
  function cardOf(elt) { return elt && elt.closest ? elt.closest("li.idea") : null; }
  function keyOf(form) {
    var button = form.querySelector("[data-focus-key]");
    return button ? button.dataset.focusKey : "";
  }
  function setStatus(id, state, message, key, retry) {
    var card = document.getElementById(id);
    var status = card && card.querySelector(".vote-status");
    if (!status) { return; }
    card.dataset.voteState = state;
    status.dataset.side = /-minus$/.test(key || "") ? "minus" : "plus";
    status.replaceChildren();
    if (message) {
      var span = document.createElement("span");
      span.textContent = message;
      status.appendChild(span);
    }
    if (retry) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "retry";
      button.textContent = text("retryLabel");
      button.addEventListener("click", function () { resend(id); });
      status.appendChild(button);
    }
  }
  function dotsOn(id) {
    var dots = document.querySelector("#" + id + " .my-dots");
    return dots ? dots.dataset.dots : null;
  }
  function formFor(id, key) {
    var button = document.querySelector("#" + id + " [data-focus-key='" + key + "']");
    return button ? button.form : null;
  }
  function resend(id) {
    var tap = unsent[id];
    var form = tap && formFor(id, tap.key);
    if (!form) { return; }
    form.querySelector("input[name=dots]").value = tap.dots;  // set to N: safe to send again
    form.requestSubmit();
  }
  function notSent(id) { setStatus(id, "unsent", text("unsentMessage"), unsent[id].key, true); }
  // Ask the server for the card as it really is; saved if it holds what the tap asked for.
  function recheck(id) {
    var card = document.getElementById(id);
    if (!card || !card.dataset.cardUrl || !window.htmx) { return; }
    htmx.ajax("GET", card.dataset.cardUrl, { source: card, target: card, swap: "outerHTML" })
      .then(function () {
        var tap = unsent[id];
        if (!tap) { return; }
        if (dotsOn(id) === String(tap.dots)) {
          delete unsent[id];
          setStatus(id, "saved", text("savedMessage"), tap.key, false);
        } else {
          notSent(id);
        }
      }, function () { if (unsent[id]) { notSent(id); } });
  }
  function recheckUnsent() { Object.keys(unsent).forEach(recheck); }

  // --- Forms (a proposal, a comment): the "not sent" message stays in the form until it is,
  // with a retry that sends the form again (what was typed is still in it, and in its draft).
  function formMessage(form, show) {
    var old = form.querySelector(".form-unsent");
    if (old) { old.remove(); }
    if (!show) { return; }
    var box = document.createElement("div");
    box.className = "message message-error form-unsent";
    var p = document.createElement("p");
    p.setAttribute("role", "alert");
    p.textContent = text("offlineMessage");
    var retry = document.createElement("button");
    retry.type = "button";
    retry.className = "retry";
    retry.textContent = text("retryLabel");
    retry.addEventListener("click", function () { form.requestSubmit(); });
    box.appendChild(p);
    box.appendChild(retry);
    var submit = form.querySelector("[type=submit]");
    form.insertBefore(box, submit || null);
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var form = voteForm(elt);
    if (form) {
      var card = cardOf(form);
      // A new vote makes older refusals on other cards stale: clear them as it leaves.
      document.querySelectorAll(".idea [role=alert]").forEach(function (old) { old.remove(); });
      sent[card.id] = {
        dots: form.querySelector("input[name=dots]").value, key: keyOf(form), xhr: event.detail.xhr
      };
      setStatus(card.id, "pending", text("pendingMessage"), sent[card.id].key, false);
    }
  });

  function lost(event) {
    showBanner(true);
    var elt = event.detail.elt;
    var form = voteForm(elt);
    if (form) {
      var card = cardOf(form);
      unsent[card.id] = sent[card.id];
      notSent(card.id);
      // A timeout may hide a vote the server did save: ask rather than guess.
      if (event.type === "htmx:timeout" || navigator.onLine) { recheck(card.id); }
    } else if (elt && elt.tagName === "FORM") {
      formMessage(elt, true);
    }
  }
  document.addEventListener("htmx:sendError", lost);
  document.addEventListener("htmx:timeout", lost);

  document.addEventListener("htmx:afterRequest", function (event) {
    var detail = event.detail;
    var status = detail.xhr ? detail.xhr.status : 0;
    if (!status) { return; }  // not sent: handled by lost()
    if (navigator.onLine) { showBanner(false); }
    // The form that sent a vote is gone with its card by now (htmx then names an ancestor as
    // detail.elt): the request itself says which tap this was.
    var id = Object.keys(sent).filter(function (k) { return sent[k].xhr === detail.xhr; })[0];
    var elt = detail.elt;
    if (id) {
      var tap = sent[id];
      delete sent[id];
      delete unsent[id];
      if (status >= 200 && status < 300) {
        setStatus(id, "saved", text("savedMessage"), tap.key, false);
      } else {
        setStatus(id, "refused", "", tap.key, false);
      }
      restoreFocus(id, tap.key);
    } else if (elt && elt.tagName === "FORM") {
      formMessage(elt, false);
    }
  });

  // --- Keyboard: the card is replaced after a vote; focus goes back to the button used.
  function restoreFocus(id, key) {
    var active = document.activeElement;
    if (active && active !== body && document.contains(active)) { return; }  // moved on
    var card = document.getElementById(id);
    if (!card) { return; }
    var button = card.querySelector("[data-focus-key='" + key + "']");
    if (!button || button.disabled) { button = card.querySelector(".dot-button:not([disabled])"); }
    if (button) { button.focus(); }
  }

  // --- Drafts: what is being typed in a form marked data-draft survives a reload.
  function draftKey(form, field) {
    return "cite-vote:draft:" + form.getAttribute("action") + ":" + field.name;
  }
  function draftFields(form) {
    return form.querySelectorAll("textarea[name], input[name]:not([type]), input[name][type=text]");
  }
  function store(fn) { try { return fn(window.localStorage); } catch (e) { return null; } }
  function restoreDrafts(root) {
    root.querySelectorAll("form[data-draft]").forEach(function (form) {
      draftFields(form).forEach(function (field) {
        var saved = store(function (s) { return s.getItem(draftKey(form, field)); });
        if (saved && !field.value) { field.value = saved; }
      });
    });
  }
  document.addEventListener("input", function (event) {
    var field = event.target;
    var form = field.form;
    if (!form || !form.hasAttribute("data-draft") || !field.name) { return; }
    store(function (s) {
      if (field.value) { s.setItem(draftKey(form, field), field.value); }
      else { s.removeItem(draftKey(form, field)); }
    });
  });
  // Sent and accepted (2xx): the draft is done with, before the fresh empty form arrives.
  // (beforeSwap is dispatched on the target; the form that sent is in the request config.)
  document.addEventListener("htmx:beforeSwap", function (event) {
    var config = event.detail.requestConfig;
    var elt = (config && config.elt) || event.detail.elt;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-draft")) { return; }
    if (status >= 200 && status < 300) {
      draftFields(elt).forEach(function (field) {
        store(function (s) { s.removeItem(draftKey(elt, field)); });
      });
    }
  });
  restoreDrafts(document);
  document.addEventListener("htmx:load", function (event) { restoreDrafts(event.detail.elt); });
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
})();
