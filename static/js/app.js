// Small enhancements on top of htmx; every page works without them.
// Texts come from the page (data-* attributes on <body>, rendered through the catalogue).
(function () {
  "use strict";
  var body = document.body;
  function text(name) { return body.dataset[name] || ""; }

  // --- Only the app's own answers go into the page. Every answer of the app carries its mark
  // (cite_vote/responses.py APP_MARK); a proxy's error page (nginx's 502, 503, 504) does not,
  // and is never swapped in: the card or the form stays, and says the server did not answer.
  function ours(xhr) { return !!xhr && xhr.getResponseHeader("X-Cite-Vote") === "1"; }
  // The app's own refusal of the whole request (error_response: sent to the page's message area).
  function pageMessage(xhr) {
    return ours(xhr) && xhr.getResponseHeader("HX-Retarget") === "#messages";
  }
  function messageIn(html) {
    var found = new DOMParser().parseFromString(html || "", "text/html").querySelector(".message");
    return found ? found.textContent.trim() : "";
  }

  // --- The connection banner: on screen while the phone is offline (and only then: a server
  // that does not answer is said on the card or the form that waited for it).
  var banner = document.getElementById("connection");
  function showBanner(on) { if (banner) { banner.hidden = !on; } }
  if (!navigator.onLine) { showBanner(true); }
  window.addEventListener("offline", function () { showBanner(true); });
  window.addEventListener("online", function () {
    showBanner(false);
    Object.keys(checks).forEach(function (id) { check(id, 0); });
    // A tap not sent while offline: one look at the card, in case it did reach the server.
    Object.keys(unsent).forEach(function (id) {
      checks[id] = { tap: unsent[id], attempt: 0, timer: null, oldAt: null, quiet: true };
      check(id, 0);
    });
  });

  // --- Vote cards: every tap says what happened to it, next to the button touched, and never
  // contradicts the server. A vote sets the dots to N, so the card as the server holds it tells
  // whether a tap counted; until it is known the card says it is checking, never "not sent".
  var sent = {};    // card id -> {dots, key, xhr}: the tap in flight
  var checks = {};  // card id -> {tap, attempt, timer, oldAt}: a tap whose fate is being asked
  var unsent = {};  // card id -> tap: known not saved, offered again by the retry
  function voteForm(elt) { return elt && elt.closest ? elt.closest(".vote form") : null; }
  function cardOf(elt) { return elt && elt.closest ? elt.closest("li.idea") : null; }
  function keyOf(form) {
    var button = form.querySelector("[data-focus-key]");
    return button ? button.dataset.focusKey : "";
  }
  function setStatus(id, state, message, key, retry, reveal) {
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
    // An answer to the tap just made is brought above the counter bar fixed at the bottom of
    // the screen, not left under it (a later one, after a timeout, does not move the page).
    var said = (state === "refused" && card.querySelector("[role=alert]")) || status;
    if ((state === "refused" || reveal) && said.scrollIntoView && !inView(said)) {
      said.scrollIntoView({ block: "center" });
    }
  }
  function inView(elt) {
    var box = elt.getBoundingClientRect();
    var bar = document.querySelector(".dots-left-bar:not(.dots-left-inline)");
    var bottom = window.innerHeight - (bar ? bar.getBoundingClientRect().height : 0);
    return box.top >= 0 && box.bottom <= bottom;
  }
  function dotsOn(id) {
    var dots = document.querySelector("#" + id + " .my-dots");
    return dots ? dots.dataset.dots : null;
  }
  function formFor(id, key) {
    var button = document.querySelector("#" + id + " [data-focus-key='" + key + "']");
    return button ? button.form : null;
  }
  function tapOf(id) { return unsent[id] || (checks[id] && checks[id].tap); }
  function resend(id) {
    var tap = tapOf(id);
    var form = tap && formFor(id, tap.key);
    if (!form) { return; }
    stopChecking(id);
    delete unsent[id];
    form.querySelector("input[name=dots]").value = tap.dots;  // set to N: safe to send again
    form.requestSubmit();
  }
  function notSaved(id, tap, message, reveal) {
    stopChecking(id);
    unsent[id] = tap;
    setStatus(id, "unsent", message, tap.key, true, reveal);
  }
  function stopChecking(id) {
    if (checks[id]) { window.clearTimeout(checks[id].timer); delete checks[id]; }
  }
  // The tap's fate is unknown (a timeout, a lost answer, a proxy's error page): ask the server
  // for the card until it answers, waiting a little longer each time (1 s, 2 s, 4 s, then 8 s).
  function startChecking(id, tap) {
    delete unsent[id];
    stopChecking(id);
    checks[id] = { tap: tap, attempt: 0, timer: null, oldAt: null };
    setStatus(id, "checking", text("checkingMessage"), tap.key, true);
    check(id, 0);
  }
  function later(id) {
    var state = checks[id];
    if (!state) { return; }
    state.attempt += 1;
    check(id, Math.min(8000, 1000 * Math.pow(2, state.attempt - 1)));
  }
  function check(id, delay) {
    var state = checks[id];
    if (!state) { return; }
    window.clearTimeout(state.timer);
    state.timer = window.setTimeout(function () { ask(id, state); }, delay);
  }
  function ask(id, state) {
    var card = document.getElementById(id);
    if (checks[id] !== state || !card || !card.dataset.cardUrl) { return; }
    if (!navigator.onLine) { return; }  // asked again when the phone is back online
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller && window.setTimeout(function () { controller.abort(); }, 10000);
    fetch(card.dataset.cardUrl, {
      headers: { "HX-Request": "true", "HX-Current-URL": window.location.href },
      credentials: "same-origin",
      cache: "no-store",
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (response.status !== 200 || response.headers.get("X-Cite-Vote") !== "1") {
        throw new Error("no answer");
      }
      return response.text();
    }).then(function (html) {
      window.clearTimeout(timer);
      if (checks[id] !== state) { return; }  // tapped again meanwhile: that tap tells
      var now = document.getElementById(id);
      if (now) { htmx.swap(now, html, { swapStyle: "outerHTML" }); }
      if (dotsOn(id) === String(state.tap.dots)) {
        stopChecking(id);
        delete unsent[id];
        setStatus(id, "saved", text("savedMessage"), state.tap.key, false);
        return;
      }
      if (state.quiet) { notSaved(id, state.tap, text("unsentMessage")); return; }
      // The server does not hold it yet. The tap may still be on its way in (a server that
      // was stopped answers the check and the tap side by side): "not sent" only once a second
      // answer, two seconds later, still does not hold it.
      var at = Date.now();
      if (state.oldAt !== null && at - state.oldAt >= 2000) {
        notSaved(id, state.tap, text("notReceivedMessage"));
        return;
      }
      if (state.oldAt === null) { state.oldAt = at; }
      setStatus(id, "checking", text("checkingMessage"), state.tap.key, true);
      check(id, 2000);
    }).catch(function () {
      window.clearTimeout(timer);
      if (checks[id] !== state) { return; }
      if (state.quiet) { stopChecking(id); return; }  // still "not sent", as the card says
      state.oldAt = null;  // an answer lost in between: two fresh answers are needed again
      setStatus(id, "checking", text("checkingMessage"), state.tap.key, true);
      later(id);
    });
  }

  // --- Forms (a proposal, a comment): a message in the form, with a retry that sends it again
  // (what was typed is still in it, and in its draft), until it is sent.
  function formMessage(form, message) {
    var old = form.querySelector(".form-unsent");
    if (old) { old.remove(); }
    if (!message) { return; }
    var box = document.createElement("div");
    box.className = "message message-error form-unsent";
    var p = document.createElement("p");
    p.setAttribute("role", "alert");
    p.textContent = message;
    var retry = document.createElement("button");
    retry.type = "button";
    retry.className = "retry";
    retry.textContent = text("retryLabel");
    retry.addEventListener("click", function () { form.requestSubmit(); });
    box.appendChild(p);
    box.appendChild(retry);
    var submit = form.querySelector("[type=submit]");
    form.insertBefore(box, submit || null);
    if (box.scrollIntoView && !inView(box)) { box.scrollIntoView({ block: "center" }); }
  }
  function sendingForm(elt) {
    return elt && elt.tagName === "FORM" && !voteForm(elt) ? elt : null;
  }
  function tapOfRequest(xhr) {
    return Object.keys(sent).filter(function (k) { return sent[k].xhr === xhr; })[0];
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var form = voteForm(elt);
    if (form) {
      var card = cardOf(form);
      // A new vote makes older refusals on other cards stale: clear them as it leaves.
      document.querySelectorAll(".idea [role=alert]").forEach(function (old) { old.remove(); });
      stopChecking(card.id);
      delete unsent[card.id];
      sent[card.id] = {
        dots: form.querySelector("input[name=dots]").value, key: keyOf(form), xhr: event.detail.xhr
      };
      setStatus(card.id, "pending", text("pendingMessage"), sent[card.id].key, false);
    }
  });

  // What is swapped, decided before htmx swaps: nothing without the app's mark; a refusal of
  // the whole request (server busy, too many attempts) said on the card or the form instead of
  // at the top of the page.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var xhr = detail.xhr;
    var config = detail.requestConfig;
    var elt = (config && config.elt) || detail.elt;
    var tapped = tapOfRequest(xhr);
    if (!ours(xhr)) {
      detail.shouldSwap = false;
      return;  // said by afterRequest, on the card or the form that sent it
    }
    var typed = sendingForm(elt) && elt.hasAttribute("data-draft");  // a proposal, a comment
    if (pageMessage(xhr) && (tapped || typed)) {
      detail.shouldSwap = false;
      xhr.citeMessage = messageIn(detail.serverResponse);
    }
  });

  function lost(event) {
    var elt = event.detail.elt;
    var offline = !navigator.onLine;
    if (offline) { showBanner(true); }
    var id = tapOfRequest(event.detail.xhr);
    if (id) {
      var tap = sent[id];
      delete sent[id];
      // Offline, the tap never left the phone; otherwise it may have reached the server.
      if (offline) { notSaved(id, tap, text("unsentMessage")); }
      else { startChecking(id, tap); }
    } else if (sendingForm(elt)) {
      formMessage(elt, text(offline ? "offlineMessage" : "noAnswerMessage"));
    }
  }
  document.addEventListener("htmx:sendError", lost);
  document.addEventListener("htmx:timeout", lost);

  document.addEventListener("htmx:afterRequest", function (event) {
    var detail = event.detail;
    var xhr = detail.xhr;
    var status = xhr ? xhr.status : 0;
    if (!status) { return; }  // not sent, or no answer: handled by lost()
    if (navigator.onLine) { showBanner(false); }
    // The form that sent a vote is gone with its card by now (htmx then names an ancestor as
    // detail.elt): the request itself says which tap this was.
    var id = tapOfRequest(xhr);
    var elt = detail.elt;
    if (id) {
      var tap = sent[id];
      delete sent[id];
      if (!ours(xhr) || (status >= 500 && status !== 503)) {
        startChecking(id, tap);  // a proxy's page, or an error after which nothing is known
      } else if (xhr.citeMessage !== undefined) {
        // The app refused the whole request (503: busy, rolled back): nothing was saved.
        notSaved(id, tap, xhr.citeMessage || text("unsentMessage"), true);
      } else if (status >= 200 && status < 300) {
        setStatus(id, "saved", text("savedMessage"), tap.key, false);
      } else {
        setStatus(id, "refused", "", tap.key, false);
      }
      restoreFocus(id, tap.key);
    } else if (sendingForm(elt)) {
      if (!ours(xhr)) { formMessage(elt, text("noAnswerMessage")); }
      else if (xhr.citeMessage !== undefined) { formMessage(elt, xhr.citeMessage); }
      else { formMessage(elt, ""); }
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
    if (status >= 200 && status < 300 && ours(event.detail.xhr)) {
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
